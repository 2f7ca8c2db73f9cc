package main

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/eddytest"
)

// logBuffer collects log output written from the loop while the test reads it.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// waitFor polls the log until it contains want or 5 s pass.
func (b *logBuffer) waitFor(t *testing.T, want string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(b.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("log never contained %q; it has:\n%s", want, b.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func start(t *testing.T) (string, *logBuffer) {
	t.Helper()
	logs := &logBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, nil))
	app := newApp(eddy.Config{Loops: 1, Logger: logger}, logger)
	return eddytest.New(t, app).URL, logs
}

var securityHeaderNames = []string{"X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy", "Content-Security-Policy"}

func TestMiddleware(t *testing.T) {
	base, logs := start(t)
	cases := []struct {
		path     string
		status   int
		body     string // exact body ("" = not checked)
		json     *errorBody
		log      string // a log fragment that must appear
		notShown string // must not be in the response
	}{
		{path: "/hello", status: 200, body: "hello", log: "method=GET path=/hello status=200"},
		{path: "/users/7", status: 404, json: &errorBody{Error: "no user 7", Status: 404}, log: "path=/users/7 status=404"},
		{path: "/fail", status: 500, json: &errorBody{Error: "internal server error", Status: 500},
			log: "database password expired", notShown: "password"},
	}
	client := &http.Client{Timeout: 5 * time.Second}
	for _, c := range cases {
		resp, err := client.Get(base + c.path)
		if err != nil {
			t.Fatalf("GET %s: %v", c.path, err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatalf("GET %s: %v", c.path, err)
		}
		if resp.StatusCode != c.status {
			t.Errorf("GET %s: status %d, want %d", c.path, resp.StatusCode, c.status)
		}
		for _, h := range securityHeaderNames {
			if resp.Header.Get(h) == "" {
				t.Errorf("GET %s: no %s header", c.path, h)
			}
		}
		if c.body != "" && string(body) != c.body {
			t.Errorf("GET %s: body %q, want %q", c.path, body, c.body)
		}
		if c.json != nil {
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("GET %s: Content-Type %q, want JSON", c.path, ct)
			}
			var got errorBody
			if err := json.Unmarshal(body, &got); err != nil || got != *c.json {
				t.Errorf("GET %s: body %s (%v), want %+v", c.path, body, err, *c.json)
			}
		}
		if c.notShown != "" && bytes.Contains(body, []byte(c.notShown)) {
			t.Errorf("GET %s: response shows %q: %s", c.path, c.notShown, body)
		}
		logs.waitFor(t, c.log)
	}
}

func TestMiddlewareCurl(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("curl not found (CI=true): apt-get install curl")
		}
		t.Skip("curl not found")
	}
	base, _ := start(t)
	out, err := exec.Command(curl, "-sS", "-i", "--max-time", "5", base+"/users/42").CombinedOutput()
	if err != nil {
		t.Fatalf("curl: %v: %s", err, out)
	}
	text := string(out)
	for _, want := range []string{"HTTP/1.1 404", "X-Frame-Options: DENY", `{"error":"no user 42","status":404}`} {
		if !strings.Contains(text, want) {
			t.Errorf("curl -i /users/42 lacks %q:\n%s", want, text)
		}
	}
}
