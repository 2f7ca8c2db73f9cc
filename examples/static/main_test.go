package main

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/eddytest"
)

// start extracts the embedded site, adds extra files, and serves it on a
// free loopback port until the test ends. Every answer's path and status
// is recorded in the returned log.
func start(t *testing.T, extra map[string]string) (*eddytest.Server, *answerLog) {
	t.Helper()
	dir := t.TempDir()
	if err := extract(dir); err != nil {
		t.Fatal(err)
	}
	for name, data := range extra {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	app := newApp(eddy.Config{Loops: 1}, dir)
	log := &answerLog{}
	app.Use(log.middleware)
	return eddytest.New(t, app), log
}

// answerLog records "status path" for every answer, when it is finished.
type answerLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *answerLog) middleware(next eddy.Handler) eddy.Handler {
	return func(c *eddy.Ctx) error {
		c.OnFinish(l.finished)
		return next(c)
	}
}

func (l *answerLog) finished(c *eddy.Ctx) {
	l.mu.Lock()
	l.lines = append(l.lines, http.StatusText(c.StatusCode())+" "+c.Path())
	l.mu.Unlock()
}

func (l *answerLog) has(line string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, s := range l.lines {
		if s == line {
			return true
		}
	}
	return false
}

func (l *answerLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "; ")
}

// TestStaticSite: the page, its stylesheet and image with their types and
// validators, a conditional request answered 304, the download.
func TestStaticSite(t *testing.T) {
	s, _ := start(t, nil)
	tests := []struct {
		path, ctype, body string
	}{
		{"/", "text/html; charset=utf-8", "eddy serves files"},
		{"/index.html", "text/html; charset=utf-8", "eddy serves files"},
		{"/style.css", "text/css; charset=utf-8", "--eddy-css"},
		{"/img/logo.svg", "image/svg+xml", "<svg"},
	}
	for _, tc := range tests {
		r := s.Get(t, tc.path)
		if r.Status != 200 || r.Header.Get("Content-Type") != tc.ctype || !strings.Contains(r.Text(), tc.body) {
			t.Errorf("%s: %d %q %.40q", tc.path, r.Status, r.Header.Get("Content-Type"), r.Text())
			continue
		}
		etag := r.Header.Get("ETag")
		if etag == "" || r.Header.Get("Last-Modified") == "" || r.Header.Get("Cache-Control") != "no-cache" {
			t.Errorf("%s: ETag %q, Last-Modified %q, Cache-Control %q", tc.path, etag, r.Header.Get("Last-Modified"), r.Header.Get("Cache-Control"))
		}
		if r := s.Get(t, tc.path, eddytest.Header("If-None-Match", etag)); r.Status != 304 || len(r.Body) != 0 {
			t.Errorf("%s with If-None-Match: %d, %d bytes; want 304", tc.path, r.Status, len(r.Body))
		}
	}
	r := s.Get(t, "/download/report.txt")
	if r.Status != 200 || r.Header.Get("Content-Disposition") != `attachment; filename="report.txt"` || !strings.Contains(r.Text(), "a report") {
		t.Errorf("download: %d %q %q", r.Status, r.Header.Get("Content-Disposition"), r.Text())
	}
	if r := s.Get(t, "/nope.html"); r.Status != 404 {
		t.Errorf("/nope.html: %d", r.Status)
	}
}

// reloadPage loads the site's stylesheet and image, reloads itself once
// (the browser revalidates everything: Cache-Control no-cache), then
// writes what it saw into the DOM for --dump-dom.
const reloadPage = `<!DOCTYPE html>
<html><head><meta charset="utf-8"><link rel="stylesheet" href="style.css"></head>
<body><img id="logo" src="img/logo.svg"><pre id="result">pending</pre>
<script>
addEventListener("load", function () {
  if (!sessionStorage.getItem("reloaded")) {
    sessionStorage.setItem("reloaded", "1");
    location.reload();
    return;
  }
  var css = getComputedStyle(document.body).getPropertyValue("--eddy-css").trim();
  var img = document.getElementById("logo");
  document.getElementById("result").textContent = "reloaded css:" + css + " image:" + (img.complete && img.naturalWidth > 0);
});
</script></body></html>`

// TestStaticBrowser: headless Chromium loads the example's page with its
// stylesheet and image, then a page that reloads itself: the reload is
// answered 304 by the server, and the page still renders from its cache.
func TestStaticBrowser(t *testing.T) {
	bin := needChromium(t)
	s, log := start(t, map[string]string{"reload.html": reloadPage})
	dom := dumpDOM(t, bin, s.URL+"/")
	if !strings.Contains(dom, "css:ok image:ok") {
		t.Errorf("the page did not render with its stylesheet and image:\n%s", dom)
	}
	dom = dumpDOM(t, bin, s.URL+"/reload.html")
	if !strings.Contains(dom, "reloaded css:loaded image:true") {
		t.Errorf("the reloaded page did not render from the revalidated cache:\n%s", dom)
	}
	for _, want := range []string{"OK /reload.html", "Not Modified /reload.html", "Not Modified /style.css"} {
		if !log.has(want) {
			t.Errorf("the server did not answer %q; answers: %s", want, log)
		}
	}
}

// needChromium returns the path of a Chromium, or skips the test (fails it
// with CI=true, where .ci/run installs Debian's chromium).
func needChromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium not found (CI=true): apt-get install chromium")
	}
	t.Skip("chromium not found")
	return ""
}

// dumpDOM loads url in a fresh headless Chromium and returns the DOM once
// the page settled (its scripts ran, its network is idle).
func dumpDOM(t *testing.T, bin, url string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu",
		"--no-first-run", "--disable-extensions", "--user-data-dir="+t.TempDir(),
		"--virtual-time-budget=10000", "--dump-dom", url)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium %s: %v\n%s", url, err, out)
	}
	return string(out)
}
