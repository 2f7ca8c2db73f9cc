package eddytest_test

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/eddytest"
)

// echoApp answers every helper of the package: the method, the headers
// and the body it got.
func echoApp(cfg eddy.Config) *eddy.App {
	app := eddy.New(cfg)
	app.Get("/hello/{name}", func(c *eddy.Ctx) error { return c.Text("hello " + c.Param("name")) })
	app.Post("/echo", func(c *eddy.Ctx) error { return c.Blob(c.Header("Content-Type"), c.BodyBytes()) })
	app.Get("/header/{name}", func(c *eddy.Ctx) error {
		r := c.Request()
		var vs []string
		for i := range r.NumHeaders() {
			if k, v := r.HeaderAt(i); strings.EqualFold(string(k), c.Param("name")) {
				vs = append(vs, string(v))
			}
		}
		return c.Text(strings.Join(vs, ","))
	})
	app.Post("/form", func(c *eddy.Ctx) error {
		f, err := c.Form()
		if err != nil {
			return err
		}
		return c.Text(strings.Join(f.Values("a"), ",") + "|" + f.Value("b"))
	})
	app.Post("/json", func(c *eddy.Ctx) error {
		var v map[string]int
		if err := c.BindJSON(&v); err != nil {
			return err
		}
		v["sum"] = v["x"] + v["y"]
		return c.JSON(v)
	})
	return app
}

func TestServer(t *testing.T) {
	s := eddytest.New(t, echoApp(eddy.Config{}))
	tests := []struct {
		name string
		got  func(t *testing.T) *eddytest.Response
		code int
		body string
	}{
		{"get", func(t *testing.T) *eddytest.Response { return s.Get(t, "/hello/ada") }, 200, "hello ada"},
		{"post", func(t *testing.T) *eddytest.Response { return s.Post(t, "/echo", "text/x-test", []byte("ping")) }, 200, "ping"},
		{"post empty", func(t *testing.T) *eddytest.Response { return s.Post(t, "/echo", "", []byte{}) }, 200, ""},
		{"request", func(t *testing.T) *eddytest.Response { return s.Request(t, "PUT", "/echo", nil) }, 405, "Method Not Allowed"},
		{"request content type", func(t *testing.T) *eddytest.Response {
			return s.Request(t, "POST", "/echo", []byte("x"), eddytest.ContentType("a/b"))
		}, 200, "x"},
		{"header", func(t *testing.T) *eddytest.Response {
			return s.Get(t, "/header/X-A", eddytest.Header("X-A", "1"), eddytest.Header("x-a", "2"))
		}, 200, "1,2"},
		{"headers", func(t *testing.T) *eddytest.Response {
			return s.Get(t, "/header/X-A", eddytest.Headers(http.Header{"X-A": {"1", "2"}}))
		}, 200, "1,2"},
		{"accept json", func(t *testing.T) *eddytest.Response {
			return s.Get(t, "/missing", eddytest.Header("Accept", "application/json"))
		}, 404, `{"error":"Not Found","status":404}`},
		{"form", func(t *testing.T) *eddytest.Response {
			return s.PostForm(t, "/form", url.Values{"a": {"1", "2 3"}, "b": {"&="}})
		}, 200, "1,2 3|&="},
		{"json", func(t *testing.T) *eddytest.Response { return s.PostJSON(t, "/json", map[string]int{"x": 2, "y": 3}) }, 200, `{"sum":5,"x":2,"y":3}`},
		{"do", func(t *testing.T) *eddytest.Response {
			req, _ := http.NewRequest("GET", s.URL+"/hello/do", nil)
			return s.Do(t, req)
		}, 200, "hello do"},
	}
	for _, tc := range tests {
		// Each case runs in a subtest and passes the subtest's t.
		t.Run(tc.name, func(t *testing.T) {
			r := tc.got(t)
			if r.Status != tc.code || strings.TrimSpace(r.Text()) != tc.body {
				t.Errorf("%d %q, want %d %q", r.Status, r.Text(), tc.code, tc.body)
			}
		})
	}
	var v struct{ Sum int }
	s.PostJSON(t, "/json", map[string]int{"x": 40, "y": 2}).JSON(t, &v)
	if v.Sum != 42 {
		t.Errorf("JSON decoded sum %d, want 42", v.Sum)
	}
}

// TestNetworks starts the app on each network eddy listens on, as its
// Config says, and reaches it with the helpers and with Dial.
func TestNetworks(t *testing.T) {
	for _, network := range []string{"tcp", "tcp4", "tcp6", "unix"} {
		t.Run(network, func(t *testing.T) {
			if network == "tcp6" {
				ln, err := net.Listen("tcp6", "[::1]:0")
				if err != nil {
					t.Skipf("no IPv6 loopback: %v", err)
				}
				ln.Close()
			}
			s := eddytest.New(t, echoApp(eddy.Config{Network: network}))
			want := "tcp"
			if network == "unix" {
				want = "unix"
			}
			if s.Network != network || s.App.Addr().Network() != want {
				t.Errorf("listening on %s %s", s.App.Addr().Network(), s.Address)
			}
			if r := s.Get(t, "/hello/"+network); r.Text() != "hello "+network {
				t.Errorf("Get: %d %q", r.Status, r.Text())
			}
			c := s.Dial(t)
			c.Send(t, "GET /hello/raw HTTP/1.1\r\nHost: x\r\n\r\n")
			if r := c.ReadResponse(t, "GET"); r.Text() != "hello raw" {
				t.Errorf("Dial: %d %q", r.Status, r.Text())
			}
		})
	}
}

// TestConn drives a raw connection: pipelining, HEAD, reads mixed with
// the helpers, a half-close and the server's close.
func TestConn(t *testing.T) {
	s := eddytest.New(t, echoApp(eddy.Config{}))
	c := s.Dial(t)
	c.Send(t, "GET /hello/a HTTP/1.1\r\nHost: x\r\n\r\nHEAD /hello/b HTTP/1.1\r\nHost: x\r\n\r\nGET /hello/c HTTP/1.1\r\nHost: x\r\n\r\n")
	if r := c.ReadResponse(t, "GET"); r.Text() != "hello a" {
		t.Errorf("first: %q", r.Text())
	}
	if r := c.ReadResponse(t, "HEAD"); r.Status != 200 || len(r.Body) != 0 || r.Header.Get("Content-Length") != "7" {
		t.Errorf("HEAD: %d %q %q", r.Status, r.Body, r.Header)
	}
	// Read and the helpers share one buffer: the status line read by hand
	// is not lost to the helper.
	line := make([]byte, len("HTTP/1.1 200 OK\r\n"))
	if _, err := io.ReadFull(c, line); err != nil || string(line) != "HTTP/1.1 200 OK\r\n" {
		t.Fatalf("status line %q, %v", line, err)
	}
	if rest := c.Reader().Buffered(); rest == 0 {
		t.Errorf("the rest of the response is not buffered")
	}
	// After a half-close the server still sends what it owes, then closes.
	if err := c.CloseWrite(); err != nil {
		t.Fatalf("CloseWrite: %v", err)
	}
	if b := c.ReadToEOF(t); !strings.HasSuffix(string(b), "hello c") {
		t.Errorf("after CloseWrite: %q", b)
	}
	c2 := s.Dial(t)
	c2.Send(t, "GET /hello/bye HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	if b := c2.ReadToEOF(t); !strings.HasSuffix(string(b), "hello bye") {
		t.Errorf("ReadToEOF: %q", b)
	}
}

// TestDialClosesWithSubtest: a Conn dialled with a subtest's t closes when
// that subtest ends, not when the whole test does.
func TestDialClosesWithSubtest(t *testing.T) {
	s := eddytest.New(t, echoApp(eddy.Config{}))
	var c *eddytest.Conn
	t.Run("sub", func(t *testing.T) { c = s.Dial(t) })
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Read(make([]byte, 1)); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("read after the subtest: %v, want net.ErrClosed", err)
	}
}

// recorder is a testing.TB that records failures; Fatalf ends its
// goroutine as the real one does.
type recorder struct {
	testing.TB
	mu       sync.Mutex
	failures []string
	cleanups []func()
}

func (r *recorder) Helper() {}
func (r *recorder) Cleanup(f func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cleanups = append(r.cleanups, f)
}
func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failures = append(r.failures, fmt.Sprintf(format, args...))
}
func (r *recorder) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	runtime.Goexit()
}

// on runs f with r on a goroutine of its own, as a test would, and waits.
func (r *recorder) on(f func(testing.TB)) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(r)
	}()
	<-done
}

func (r *recorder) cleanup() {
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
}

// TestFailuresGoToTheCallersTB: each helper fails the testing.TB it was
// given, with an "eddytest:" message, and registers cleanups on it.
func TestFailuresGoToTheCallersTB(t *testing.T) {
	s := eddytest.New(t, echoApp(eddy.Config{}))
	var other recorder
	conn := s.Dial(&other)
	if len(other.cleanups) != 1 {
		t.Fatalf("Dial registered %d cleanups on its t, want 1", len(other.cleanups))
	}
	other.cleanup()
	if _, err := conn.Write([]byte("x")); !errors.Is(err, net.ErrClosed) {
		t.Errorf("write after the cleanup: %v, want net.ErrClosed", err)
	}

	live := eddytest.New(t, echoApp(eddy.Config{}))
	var down recorder
	down.on(func(tb testing.TB) {
		// A second Server whose app is shut down: requests fail.
		app := echoApp(eddy.Config{})
		srv := eddytest.New(tb, app)
		for _, f := range down.cleanups {
			f()
		}
		down.cleanups = nil
		srv.Get(tb, "/hello/x")
		t.Error("Get returned after a transport error")
	})
	if len(down.failures) != 1 || !strings.HasPrefix(down.failures[0], "eddytest: GET http://127.0.0.1:") {
		t.Errorf("failures %q, want one eddytest: GET ... error", down.failures)
	}
	var bad recorder
	bad.on(func(tb testing.TB) { live.PostJSON(tb, "/json", func() {}) })
	bad.on(func(tb testing.TB) { (&eddytest.Response{Body: []byte("{")}).JSON(tb, new(any)) })
	bad.on(func(tb testing.TB) { live.Request(tb, "BAD METHOD", "/", nil) })
	if len(bad.failures) != 3 {
		t.Fatalf("failures %q, want 3", bad.failures)
	}
	for _, f := range bad.failures {
		if !strings.HasPrefix(f, "eddytest: ") {
			t.Errorf("failure %q without the package prefix", f)
		}
	}
	if r := live.Get(t, "/hello/alive"); r.Text() != "hello alive" {
		t.Errorf("the first server was disturbed: %q", r.Text())
	}
}
