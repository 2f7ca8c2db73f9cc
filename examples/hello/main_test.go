package main

import (
	"io"
	"net/http"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/eddytest"
)

// start runs the example on a free loopback port until the test ends.
func start(t *testing.T) string {
	t.Helper()
	app := newApp(eddy.Config{Loops: 1})
	return eddytest.New(t, app).URL // started on 127.0.0.1:0, shut down gracefully at cleanup
}

func TestHello(t *testing.T) {
	base := start(t)
	cases := []struct {
		method, path string
		status       int
		body         string
	}{
		{"GET", "/", 200, "Hello, world"},
		{"GET", "/Ada", 200, "Hello, Ada"},
		{"GET", "/world", 200, "Hello, world"},
		{"HEAD", "/Ada", 200, ""},
		{"GET", "/a/b", 404, ""},
		{"POST", "/Ada", 405, ""},
	}
	client := &http.Client{Timeout: 5 * time.Second}
	for _, c := range cases {
		req, err := http.NewRequest(c.method, base+c.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", c.method, c.path, err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatalf("%s %s: %v", c.method, c.path, err)
		}
		if resp.StatusCode != c.status {
			t.Errorf("%s %s: status %d, want %d", c.method, c.path, resp.StatusCode, c.status)
		}
		if c.status == 200 && string(body) != c.body {
			t.Errorf("%s %s: body %q, want %q", c.method, c.path, body, c.body)
		}
	}
}

// needCurl returns curl's path, or skips the test (fails it under CI=true) when it is missing.
func needCurl(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("curl")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("curl not found (CI=true): apt-get install curl")
		}
		t.Skip("curl not found")
	}
	return p
}

// TestHelloCurl is the README's walk-through: curl against the running example.
func TestHelloCurl(t *testing.T) {
	curl := needCurl(t)
	base := start(t)
	for _, c := range []struct{ path, want string }{
		{"/", "Hello, world"},
		{"/Ada", "Hello, Ada"},
	} {
		out, err := exec.Command(curl, "-sS", "--max-time", "5", "--fail", base+c.path).CombinedOutput()
		if err != nil {
			t.Fatalf("curl %s: %v: %s", c.path, err, out)
		}
		if string(out) != c.want {
			t.Errorf("curl %s: %q, want %q", c.path, out, c.want)
		}
	}
}
