package httpbridge

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/pprof"
	"strings"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/eddytest"
)

// streamer writes three flushed chunks; the second waits until the client
// confirmed (through next) it received the first, which only flushing can
// make happen.
func streamer(next <-chan struct{}) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		rc := http.NewResponseController(w)
		io.WriteString(w, "first\n")
		if err := rc.Flush(); err != nil {
			return
		}
		select {
		case <-next:
		case <-time.After(10 * time.Second):
			io.WriteString(w, "timeout\n")
			return
		}
		io.WriteString(w, "second\n")
		rc.Flush()
		io.WriteString(w, "third\n")
	})
}

// readStream reads the first line, signals next, then reads the rest.
func readStream(t *testing.T, resp *http.Response, next chan<- struct{}) string {
	t.Helper()
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	first, err := br.ReadString('\n')
	if err != nil {
		t.Fatalf("first chunk: %v", err)
	}
	close(next)
	rest, err := io.ReadAll(br)
	if err != nil {
		t.Fatalf("rest: %v", err)
	}
	return first + string(rest)
}

func TestHandler(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	next := make(chan struct{})
	app := eddy.New(eddy.Config{})
	Mount(app, "/debug/pprof/{path:.*}", mux)
	Mount(app, "/echo", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Method", r.Method)
		w.Header().Set("X-Query", r.URL.Query().Get("q"))
		w.Header().Set("X-Agent", r.Header.Get("X-Agent"))
		w.Header().Set("X-Host", r.Host)
		w.Header().Set("X-Remote", strings.Split(r.RemoteAddr, ":")[0])
		w.Header().Set("Content-Length", "999")    // the engine writes its own
		w.Header().Set("Connection", "keep-alive") // likewise
		w.WriteHeader(http.StatusCreated)
		w.Write(b)
	}))
	Mount(app, "/sniff", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "<!DOCTYPE html><html></html>")
	}))
	Mount(app, "/big", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		for i := 0; i < 100; i++ {
			io.WriteString(w, strings.Repeat("x", 1023)+"\n")
		}
	}))
	Mount(app, "/empty", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	Mount(app, "/stream", streamer(next))
	s := eddytest.New(t, app)

	r := s.Get(t, "/debug/pprof/")
	if r.Status != 200 || !strings.Contains(r.Text(), "goroutine") || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
		t.Errorf("pprof index: %d %s %.80q", r.Status, r.Header.Get("Content-Type"), r.Body)
	}
	r = s.Get(t, "/debug/pprof/goroutine?debug=1")
	if r.Status != 200 || !strings.Contains(r.Text(), "goroutine profile:") {
		t.Errorf("pprof goroutine: %d %.80q", r.Status, r.Body)
	}
	r = s.Post(t, "/debug/pprof/symbol", "text/plain", []byte("0x1"))
	if r.Status != 200 || !strings.Contains(r.Text(), "num_symbols") {
		t.Errorf("pprof symbol: %d %.80q", r.Status, r.Body)
	}
	r = s.Post(t, "/echo?q=hi%20there", "text/plain", []byte("payload"), eddytest.Header("X-Agent", "test"))
	want := map[string]string{"X-Method": "POST", "X-Query": "hi there", "X-Agent": "test",
		"X-Host": strings.TrimPrefix(s.URL, "http://"), "X-Remote": "127.0.0.1", "Content-Length": "7"}
	for k, v := range want {
		if got := r.Header.Get(k); got != v {
			t.Errorf("echo: %s %q, want %q", k, got, v)
		}
	}
	if r.Status != 201 || r.Text() != "payload" {
		t.Errorf("echo: %d %q", r.Status, r.Body)
	}
	if r := s.Get(t, "/sniff"); r.Header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Errorf("sniffed Content-Type %q", r.Header.Get("Content-Type"))
	}
	if r := s.Get(t, "/big"); len(r.Body) != 100*1024 || r.Header.Get("Content-Length") != "" {
		t.Errorf("big: %d bytes, Content-Length %q (want streamed)", len(r.Body), r.Header.Get("Content-Length"))
	}
	if r := s.Get(t, "/empty"); r.Status != 200 || len(r.Body) != 0 {
		t.Errorf("empty: %d %q", r.Status, r.Body)
	}
	resp, err := s.Client.Get(s.URL + "/stream")
	if err != nil {
		t.Fatal(err)
	}
	if got := readStream(t, resp, next); got != "first\nsecond\nthird\n" {
		t.Errorf("stream: %q", got)
	}
}

func TestNewHTTPHandler(t *testing.T) {
	next := make(chan struct{})
	app := eddy.New(eddy.Config{})
	app.Get("/hello/{name}", func(c *eddy.Ctx) error {
		return c.Text("hello " + c.Param("name") + " from " + c.Header("X-Forwarded-For"))
	})
	Mount(app, "/stream", streamer(next))
	b, err := NewHTTPHandler(app)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(b)
	defer srv.Close()
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := b.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	}()
	resp, err := srv.Client().Get(srv.URL + "/hello/ada")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "hello ada from 127.0.0.1" {
		t.Errorf("hello: %d %q", resp.StatusCode, body)
	}
	resp, err = srv.Client().Get(srv.URL + "/stream")
	if err != nil {
		t.Fatal(err)
	}
	if got := readStream(t, resp, next); got != "first\nsecond\nthird\n" {
		t.Errorf("stream: %q", got)
	}
	if b.App() != app {
		t.Error("App")
	}
}

func TestHandlerNilPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic")
		}
	}()
	Handler(nil)
}
