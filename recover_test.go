package eddy_test

import (
	"bufio"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/eddytest"
)

// TestPanicClosesConnection: a handler panic in every placement (on the
// loop, in the pool, in deferred code finished with Complete, in the pool
// job of Go and in its loop half, on the loop and in the pool) is answered
// 500 with Connection: close; requests pipelined behind it get nothing,
// although the server parsed (and sometimes served) them; the connection
// closes.
func TestPanicClosesConnection(t *testing.T) {
	var logs logBuffer
	var behind atomic.Int64 // requests behind a panic that reached a handler
	app := eddy.New(eddy.Config{Logger: quietLogger(&logs)})
	boom := func(c *eddy.Ctx) error {
		c.SetHeader("X-Leak", "yes")
		panic("kaboom " + c.Path())
	}
	noop := func() error { return nil }
	app.Get("/loop", boom)
	app.Get("/pool", boom, eddy.InPool)
	app.Get("/complete", func(c *eddy.Ctx) error {
		c.Defer()
		go c.Complete(boom)
		return nil
	})
	app.Get("/go-job", func(c *eddy.Ctx) error {
		return c.Go(func() error { return boom(c) }, func(c *eddy.Ctx) error { return c.Text("unreachable") })
	})
	app.Get("/go-handler", func(c *eddy.Ctx) error { return c.Go(noop, boom) })
	app.Get("/pool-go-job", func(c *eddy.Ctx) error {
		return c.Go(func() error { return boom(c) }, func(c *eddy.Ctx) error { return c.Text("unreachable") })
	}, eddy.InPool)
	app.Get("/after-response", func(c *eddy.Ctx) error {
		c.Text("sent")
		panic("kaboom after the response")
	})
	app.Get("/ok", func(c *eddy.Ctx) error { return c.Text("ok") })
	app.Get("/behind", func(c *eddy.Ctx) error { behind.Add(1); return c.Text("behind") })
	app.Post("/behind", func(c *eddy.Ctx) error { behind.Add(1); return c.Text("behind") })
	s := eddytest.New(t, app)

	cases := []struct {
		path      string
		status    int
		body      string
		wantClose bool // the response says Connection: close (its head went out after the panic)
	}{
		{"/loop", 500, "Internal Server Error", true},
		{"/pool", 500, "Internal Server Error", true},
		{"/complete", 500, "Internal Server Error", true},
		{"/go-job", 500, "Internal Server Error", true},
		{"/go-handler", 500, "Internal Server Error", true},
		{"/pool-go-job", 500, "Internal Server Error", true},
		{"/after-response", 200, "sent", false},
	}
	for _, tc := range cases {
		t.Run(strings.TrimPrefix(tc.path, "/"), func(t *testing.T) {
			c := s.Dial(t)
			defer c.Close()
			io.WriteString(c, "GET /ok HTTP/1.1\r\nHost: x\r\n\r\n"+
				"GET "+tc.path+" HTTP/1.1\r\nHost: x\r\n\r\n"+
				"GET /behind HTTP/1.1\r\nHost: x\r\n\r\n"+
				"POST /behind HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi")
			c.SetReadDeadline(time.Now().Add(10 * time.Second))
			br := bufio.NewReader(c)
			if r := readOne(t, br); r.StatusCode != 200 || body(r) != "ok" {
				t.Fatalf("before the panic: %d %q", r.StatusCode, body(r))
			}
			r := readOne(t, br)
			if r.StatusCode != tc.status || body(r) != tc.body {
				t.Fatalf("the panicking request: %d %q, want %d %q", r.StatusCode, body(r), tc.status, tc.body)
			}
			if tc.status == 500 && r.Header.Get("X-Leak") != "" {
				t.Error("the 500 carries a header the handler set before the panic")
			}
			if tc.wantClose && !r.Close {
				t.Error("the 500 lacks Connection: close")
			}
			// Nothing more: the requests behind the panic are dropped, and
			// the server closes.
			rest, err := io.ReadAll(br)
			if err != nil {
				t.Fatalf("connection not closed by the server: %v (read %q)", err, rest)
			}
			if len(rest) > 0 {
				t.Fatalf("bytes after the panic's response: %q", rest)
			}
		})
	}
	if !strings.Contains(logs.String(), "kaboom /pool-go-job") || !strings.Contains(logs.String(), "goroutine") {
		t.Error("panics and stacks not logged")
	}
	t.Logf("%d requests behind a panic reached their handler; none was answered", behind.Load())
}

// readOne reads one response and its whole body from br.
func readOne(t *testing.T, br *bufio.Reader) *http.Response {
	t.Helper()
	resp, err := http.ReadResponse(br, &http.Request{Method: "GET"})
	if err != nil {
		t.Fatalf("read response: %v", err)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	resp.Header.Set("X-Test-Body", string(b))
	return resp
}
