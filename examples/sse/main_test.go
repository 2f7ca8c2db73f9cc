package main

import (
	"bufio"
	"context"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/eddytest"
)

func start(t *testing.T) *eddytest.Server {
	t.Helper()
	return eddytest.New(t, newApp(eddy.Config{Loops: 1, DrainDelay: -1}, 100*time.Millisecond))
}

// events reads the data of n events of the stream at path.
func events(t *testing.T, s *eddytest.Server, path string, n int, headers ...string) []string {
	t.Helper()
	c := s.Dial(t)
	defer c.Close()
	c.Send(t, "GET "+path+" HTTP/1.1\r\nHost: x\r\n"+strings.Join(headers, "")+"\r\n")
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(c.Reader(), &http.Request{Method: "GET"})
	if err != nil {
		t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("%s: Content-Type %q", path, ct)
	}
	var data []string
	r := bufio.NewReader(resp.Body)
	for len(data) < n {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("%s: %v after %q", path, err, data)
		}
		if v, ok := strings.CutPrefix(line, "data: "); ok {
			data = append(data, strings.TrimSuffix(v, "\n"))
		}
	}
	return data
}

// TestClock: ticks come, and the clock advances.
func TestClock(t *testing.T) {
	s := start(t)
	ticks := events(t, s, "/clock", 3)
	for i := 1; i < len(ticks); i++ {
		if ticks[i] <= ticks[i-1] {
			t.Errorf("the clock did not advance: %q", ticks)
		}
	}
}

// TestLogTail: the log streams the requests answered, and a client that
// reconnects with Last-Event-ID gets only the lines after it.
func TestLogTail(t *testing.T) {
	s := start(t)
	for _, p := range []string{"/a", "/b", "/c"} {
		s.Get(t, p)
	}
	lines := events(t, s, "/log", 3)
	for i, p := range []string{"GET /a 404", "GET /b 404", "GET /c 404"} {
		if !strings.HasSuffix(lines[i], p) {
			t.Errorf("line %d: %q, want ... %q", i+1, lines[i], p)
		}
	}
	if got := events(t, s, "/log", 1, "Last-Event-ID: 2\r\n"); !strings.HasSuffix(got[0], "GET /c 404") {
		t.Errorf("resumed after line 2: %q, want the line of /c", got)
	}
}

// TestSSEBrowser: headless Chromium opens the page, follows the clock with
// EventSource and sees it advance.
func TestSSEBrowser(t *testing.T) {
	bin := needChromium(t)
	s := start(t)
	dom := dumpDOM(t, bin, s.URL+"/?ticks=3")
	if !strings.Contains(dom, "advanced over 3 ticks") {
		t.Errorf("the page did not see the clock advance:\n%s", dom)
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
