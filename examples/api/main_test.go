package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/eddytest"
)

// syncWriter collects log lines written from pool goroutines.
type syncWriter struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

func (w *syncWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

const origin = "http://localhost:3000"

func TestAPI(t *testing.T) {
	logs := &syncWriter{}
	app := newApp(eddy.Config{Logger: slog.New(slog.NewTextHandler(logs, nil))},
		[]byte(strings.Repeat("s", 32)), []string{origin})
	do := func(req *http.Request, session *http.Response) *http.Response {
		t.Helper()
		if session != nil {
			eddytest.WithCookies(req, session)
		}
		return eddytest.Test(t, app, req)
	}
	// Not logged in.
	if r := do(eddytest.NewRequest("GET", "/notes", nil), nil); r.StatusCode != 401 {
		t.Fatalf("anonymous list: %d", r.StatusCode)
	}
	// Login validation lists the bad field.
	r := do(eddytest.NewJSONRequest("POST", "/login", map[string]string{"user": "x"}), nil)
	body, _ := io.ReadAll(r.Body)
	if r.StatusCode != 422 || !strings.Contains(string(body), "json user: must have length at least 2") {
		t.Fatalf("bad login: %d %s", r.StatusCode, body)
	}
	login := do(eddytest.NewJSONRequest("POST", "/login", map[string]string{"user": "ada"}), nil)
	if login.StatusCode != 200 || len(login.Cookies()) == 0 {
		t.Fatalf("login: %d %v", login.StatusCode, login.Header)
	}
	// Create notes; the request ID is echoed and logged.
	for i := 0; i < 40; i++ {
		req := eddytest.NewJSONRequest("POST", "/notes", map[string]string{"title": "note", "body": strings.Repeat("text ", 20)})
		req.Header.Set("X-Request-ID", "req-create")
		r := do(req, login)
		if r.StatusCode != 201 || r.Header.Get("X-Request-ID") != "req-create" || !strings.HasPrefix(r.Header.Get("Location"), "/notes/") {
			t.Fatalf("create: %d %v", r.StatusCode, r.Header)
		}
	}
	r = do(eddytest.NewJSONRequest("POST", "/notes", map[string]string{"body": "no title"}), login)
	if r.StatusCode != 422 {
		t.Fatalf("create without title: %d", r.StatusCode)
	}
	// The list is large enough to be compressed; CORS headers for the origin.
	req := eddytest.NewRequest("GET", "/notes?limit=30", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	req.Header.Set("Origin", origin)
	r = do(req, login)
	if r.StatusCode != 200 || r.Header.Get("Content-Encoding") != "gzip" ||
		r.Header.Get("Access-Control-Allow-Origin") != origin || r.Header.Get("Access-Control-Allow-Credentials") != "true" ||
		r.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("list: %d %v", r.StatusCode, r.Header)
	}
	zr, err := gzip.NewReader(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	var notes []Note
	eddytest.DecodeJSON(t, &http.Response{Body: io.NopCloser(zr)}, &notes)
	if len(notes) != 30 || notes[0].ID != 1 || notes[0].Title != "note" {
		t.Fatalf("list: %d notes, first %+v", len(notes), notes[0])
	}
	// Path binding.
	var n Note
	eddytest.DecodeJSON(t, do(eddytest.NewRequest("GET", "/notes/2", nil), login), &n)
	if n.ID != 2 {
		t.Fatalf("get: %+v", n)
	}
	if r := do(eddytest.NewRequest("GET", "/notes/0", nil), login); r.StatusCode != 422 {
		t.Fatalf("get 0: %d", r.StatusCode)
	}
	if r := do(eddytest.NewRequest("GET", "/notes/999", nil), login); r.StatusCode != 404 {
		t.Fatalf("get 999: %d", r.StatusCode)
	}
	// Another user sees none of them.
	bob := do(eddytest.NewJSONRequest("POST", "/login", map[string]string{"user": "bob"}), nil)
	eddytest.DecodeJSON(t, do(eddytest.NewRequest("GET", "/notes", nil), bob), &notes)
	if len(notes) != 0 {
		t.Fatalf("bob sees %d notes", len(notes))
	}
	// A preflight from the allowed origin.
	pre := eddytest.NewRequest("OPTIONS", "/notes", nil)
	pre.Header.Set("Origin", origin)
	pre.Header.Set("Access-Control-Request-Method", "POST")
	if r := do(pre, nil); r.StatusCode != 204 || r.Header.Get("Access-Control-Allow-Headers") != "Content-Type" {
		t.Fatalf("preflight: %d %v", r.StatusCode, r.Header)
	}
	// Logout ends the session.
	out := do(eddytest.NewRequest("POST", "/logout", nil), login)
	if out.StatusCode != 204 {
		t.Fatalf("logout: %d", out.StatusCode)
	}
	if r := do(eddytest.NewRequest("GET", "/notes", nil), out); r.StatusCode != 401 {
		t.Fatalf("after logout: %d", r.StatusCode)
	}
	if !strings.Contains(logs.String(), "req-create") {
		t.Errorf("the access log lacks the request ID:\n%s", logs.String())
	}
}
