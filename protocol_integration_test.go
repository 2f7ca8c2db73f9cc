package eddy_test

import (
	"context"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/eddytest"
)

// TestMalformedRequestsThroughApp: every class of bad input gets its status
// and a closed connection, with the app's routes in place.
func TestMalformedRequestsThroughApp(t *testing.T) {
	app := eddy.New(eddy.Config{MaxRequestLine: 1024, MaxHeaderBytes: 4096, MaxBody: 64})
	app.Post("/x", func(c *eddy.Ctx) error { return c.Text("x") })
	s := eddytest.New(t, app)
	tests := []struct {
		name, raw string
		status    int
	}{
		{"bad request line", "GARBAGE\r\n\r\n", 400},
		{"bare LF", "GET /x HTTP/1.1\nHost: x\n\n", 400},
		{"long target", "GET /" + strings.Repeat("a", 2000) + " HTTP/1.1\r\nHost: x\r\n\r\n", 414},
		{"big head", "GET /x HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("b", 5000) + "\r\n\r\n", 431},
		{"CL and TE", "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
		{"duplicate CL", "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", 400},
		{"TE not ending in chunked", "POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 400},
		{"unknown TE", "POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501},
		{"bad version", "GET /x HTTP/2.0\r\nHost: x\r\n\r\n", 505},
		{"body too large", "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n" + strings.Repeat("z", 100), 413},
		{"bad chunk size", "POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400},
		{"obs-fold", "GET /x HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n", 400},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := s.Dial(t)
			io.WriteString(c, tc.raw)
			rs := readResponses(t, c, 1, "GET")
			if rs[0].StatusCode != tc.status {
				t.Errorf("status %d, want %d", rs[0].StatusCode, tc.status)
			}
			expectClosed(t, c)
		})
	}
}

// TestContextCancelledOnDisconnect: a pool handler waiting on Ctx.Context
// sees it cancelled when the client goes away mid-request.
func TestContextCancelledOnDisconnect(t *testing.T) {
	cancelled := make(chan error, 1)
	started := make(chan struct{})
	app := eddy.New(eddy.Config{})
	app.Get("/wait", func(c *eddy.Ctx) error {
		close(started)
		select {
		case <-c.Context().Done():
			cancelled <- context.Cause(c.Context())
		case <-time.After(10 * time.Second):
			cancelled <- nil
		}
		return c.Text("too late")
	}, eddy.InPool)
	app.Get("/ok", func(c *eddy.Ctx) error { return c.Text("ok") })
	s := eddytest.New(t, app)
	c, err := net.Dial("tcp", s.App.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(c, "GET /wait HTTP/1.1\r\nHost: x\r\n\r\n")
	<-started
	c.Close()
	select {
	case err := <-cancelled:
		if err == nil {
			t.Fatal("context not cancelled after the client left")
		}
	case <-time.After(15 * time.Second):
		t.Fatal("handler never returned")
	}
	if r := s.Get(t, "/ok"); r.Text() != "ok" {
		t.Errorf("after a disconnect: %q", r.Text())
	}
}

func TestHandlerTimeout(t *testing.T) {
	app := eddy.New(eddy.Config{HandlerTimeout: 50 * time.Millisecond})
	app.Get("/never", func(c *eddy.Ctx) error {
		c.Defer() // and never finish
		return nil
	})
	s := eddytest.New(t, app)
	if r := s.Get(t, "/never"); r.Status != 503 {
		t.Errorf("status %d, want 503", r.Status)
	}
}

// TestSlowCallbackNamesRoute: in debug mode, an on-loop handler that blocks
// is reported with its route.
func TestSlowCallbackNamesRoute(t *testing.T) {
	var logs logBuffer
	app := eddy.New(eddy.Config{SlowCallback: 10 * time.Millisecond, Logger: quietLogger(&logs)})
	app.Get("/blocks/{id}", func(c *eddy.Ctx) error {
		time.Sleep(30 * time.Millisecond) // wrong on the loop: that is the point
		return c.Text("done")
	})
	s := eddytest.New(t, app)
	s.Get(t, "/blocks/1")
	waitUntil(t, 5*time.Second, "a slow callback report", func() bool {
		return strings.Contains(logs.String(), "slow callback") && strings.Contains(logs.String(), "/blocks/{id}")
	})
}
