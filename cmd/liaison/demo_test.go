package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"liaison"
)

// lockedBuffer is an io.Writer safe to read while the demo writes it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *lockedBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *lockedBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// TestDemoStarts runs `liaison demo` with a small history, then signs in
// with the clerk's one-time link as a browser would (the link's page, then
// its form), and finds today's open cases in the queue. The link works
// once.
func TestDemoStarts(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out lockedBuffer
	ready := make(chan string, 1)
	done := make(chan error, 1)
	// Today is the clock's: the web desk counts the time left from it.
	today := time.Now()
	c := &demoCmd{getenv: func(string) string { return "" }, stdout: &out, stderr: io.Discard,
		ready: func(a string) { ready <- a }, now: func() time.Time { return today }}
	dir := t.TempDir()
	go func() {
		done <- c.run(ctx, []string{"--addr", "127.0.0.1:0", "--cases", "60", "--seed", "3",
			"--db", "sqlite:" + filepath.Join(dir, "demo.db"), "--keys", filepath.Join(dir, "keys")})
	}()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("demo = %v\n%s", err, out.String())
	}
	text := out.String()
	for _, want := range []string{"demo history (seed 3): 60 people with federal requests", "2012-01-01 to " + today.Format(time.DateOnly),
		"Los Angeles County Jail (demo)", "Travis County Sheriff (demo)", "Boston Police Department (demo)"} {
		if !strings.Contains(text, want) {
			t.Errorf("demo says no %q:\n%s", want, text)
		}
	}
	links := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^  (\w+) +(/signin/code\?c=\S+)$`).FindAllStringSubmatch(text, -1) {
		links[m[1]] = m[2]
	}
	for _, role := range liaison.Role("").Enum() {
		if links[role] == "" {
			t.Errorf("demo prints no sign-in link for %s:\n%s", role, text)
		}
	}
	if strings.Contains(text, "code?c=lsn_") || regexp.MustCompile(`\?\S*token=`).MatchString(text) {
		t.Errorf("a token in a URL:\n%s", text)
	}

	// The API, as the demo says to try it: today's case by booking number.
	m := regexp.MustCompile(`try: curl -s -H 'Authorization: Bearer <clerk token>' '(/v1/requests\?agency=\S+&booking=\S+)'`).FindStringSubmatch(text)
	tok := regexp.MustCompile(`(?m)^  clerk +(lsn_\S+)$`).FindStringSubmatch(text)
	if m == nil || tok == nil {
		t.Fatalf("demo says no case to try or no clerk token:\n%s", text)
	}
	req, _ := http.NewRequest("GET", "http://"+addr+m[1], nil)
	req.Header.Set("Authorization", "Bearer "+tok[1])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"status":"open"`) {
		t.Errorf("GET %s = %d, want today's open case:\n%s", m[1], resp.StatusCode, body)
	}

	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	base := "http://" + addr
	u, err := url.Parse(base + links["clerk"])
	if err != nil {
		t.Fatal(err)
	}
	code := u.Query().Get("c")
	page := get(t, client, base+links["clerk"])
	if !strings.Contains(page, code) {
		t.Errorf("the link's page has no form with its code:\n%s", page)
	}
	if jarHas(jar, base) {
		t.Error("opening the link signed in: a link preview would use the code up")
	}
	resp, err = client.PostForm(base+"/signin/code", url.Values{"c": {code}})
	if err != nil {
		t.Fatal(err)
	}
	queue, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !jarHas(jar, base) {
		t.Fatalf("POST /signin/code = %d, want a session and the queue:\n%s", resp.StatusCode, queue)
	}
	// Today's cases, open, among them detainers on the I-247A, with duties
	// due within hours. Which kinds fill the first page depends on the
	// hour the demo starts (most urgent first, then the newest), so the
	// page is asked for open cases and at least one detainer.
	if n := strings.Count(string(queue), `<span class="status">open</span>`); n < 5 {
		t.Errorf("the queue shows %d open cases, want a page of today's open cases:\n%s", n, queue)
	}
	if !strings.Contains(string(queue), "detainer (I-247A)") {
		t.Errorf("the queue shows no I-247A detainer:\n%s", queue)
	}
	if !regexp.MustCompile(`\d+h \d\dm left`).Match(queue) {
		t.Errorf("the queue shows no duty due within hours:\n%s", queue)
	}
	again, err := http.PostForm(base+"/signin/code", url.Values{"c": {code}})
	if err != nil {
		t.Fatal(err)
	}
	again.Body.Close()
	if again.StatusCode == http.StatusOK || again.StatusCode == http.StatusSeeOther {
		t.Errorf("the clerk's code used twice: %d, want it refused", again.StatusCode)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("demo = %v", err)
	}
}

func get(t *testing.T, c *http.Client, u string) string {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d\n%s", u, resp.StatusCode, b)
	}
	return string(b)
}

func jarHas(jar http.CookieJar, base string) bool {
	u, _ := url.Parse(base)
	return len(jar.Cookies(u)) > 0
}

// TestNoticeCommand: liaison notice prints a notice as a page, in the
// language asked, and lists what it has.
func TestNoticeCommand(t *testing.T) {
	out, _, err := runCmd(t, "", "notice", "--lang", "es", "--person", "Ana <b>Pérez</b>", "--agency", "Cárcel del Condado", "--intent", "decline", "ca-request-copy")
	if err != nil {
		t.Fatalf("notice ca-request-copy = %v", err)
	}
	for _, want := range []string{`<html lang="es">`, "Ana &lt;b&gt;Pérez&lt;/b&gt;", "Cárcel del Condado no tiene la intención de cumplir", "<cite>Cal. Gov. Code 7283.1(b)</cite>"} {
		if !strings.Contains(out, want) {
			t.Errorf("notice --lang es ca-request-copy lacks %q", want)
		}
	}
	out, _, err = runCmd(t, "", "notice", "--list")
	if err != nil || !strings.Contains(out, "tx-detainer-hold") || !strings.Contains(out, "es (Español)") {
		t.Errorf("notice --list = %v\n%s", err, out)
	}
	if _, _, err := runCmd(t, "", "notice", "--lang", "xx", "tx-detainer-hold"); liaison.KindOf(err) != liaison.NotFound {
		t.Errorf("notice --lang xx = %v, want not found", err)
	}
}
