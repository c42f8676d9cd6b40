// The map page's slider: it shows the day of its step as it moves, and
// sends the form when let go. Without this file the form works the same,
// with the Show button. (script-src 'self' admits this file only.)
const step = document.getElementById("map-step");
if (step) {
  const dates = step.dataset.dates.split(" ");
  const out = document.getElementById("map-step-date");
  step.addEventListener("input", () => { out.textContent = dates[step.value]; });
  step.addEventListener("change", () => {
    document.getElementById("map-date").value = dates[step.value];
    document.querySelector('input[name="was"]').value = dates[step.value];
    step.form.submit();
  });
}
