// The one script of the staff desk: the notice page's print button. (A
// Content-Security-Policy of script-src 'self' admits this file only.)
for (const b of document.querySelectorAll("[data-print]")) {
  b.addEventListener("click", () => window.print());
}
