package main

import (
	"bytes"
	"crypto/rand"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/eddytest"
)

// TestContract checks the benchmark contract (bench/README.md) over a real socket: the same
// checks the harness makes before it measures.
func TestContract(t *testing.T) {
	app := newApp(eddy.Config{Loops: 1}, false)
	base := eddytest.New(t, app).URL

	big := make([]byte, 4<<20)
	rand.Read(big)
	cases := []struct {
		method, path string
		body         []byte
		status       int
		ctype        string
		want         []byte
	}{
		{"GET", "/plaintext", nil, 200, "text/plain", []byte("Hello, World!")},
		{"GET", "/json", nil, 200, "application/json", []byte(`{"message":"Hello, World!"}`)},
		{"POST", "/echo", []byte("ping"), 200, "", []byte("ping")},
		{"POST", "/echo", big, 200, "", big},
		{"POST", "/echo", append(big, 'x'), 413, "", nil},
		{"GET", "/echo", nil, 405, "", nil},
	}
	client := &http.Client{Timeout: 10 * time.Second}
	for _, c := range cases {
		req, err := http.NewRequest(c.method, base+c.path, bytes.NewReader(c.body))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s (%d bytes): %v", c.method, c.path, len(c.body), err)
		}
		got, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatalf("%s %s: %v", c.method, c.path, err)
		}
		if resp.StatusCode != c.status {
			t.Errorf("%s %s (%d bytes): status %d, want %d", c.method, c.path, len(c.body), resp.StatusCode, c.status)
			continue
		}
		if resp.Header.Get("Server") != "eddy" || resp.Header.Get("Date") == "" {
			t.Errorf("%s %s: Server %q, Date %q", c.method, c.path, resp.Header.Get("Server"), resp.Header.Get("Date"))
		}
		if c.status != 200 {
			continue
		}
		if !strings.HasPrefix(resp.Header.Get("Content-Type"), c.ctype) {
			t.Errorf("%s %s: Content-Type %q, want %s", c.method, c.path, resp.Header.Get("Content-Type"), c.ctype)
		}
		if !bytes.Equal(got, c.want) {
			t.Errorf("%s %s: body of %d bytes %.40q, want %d bytes %.40q", c.method, c.path, len(got), got, len(c.want), c.want)
		}
	}
}
