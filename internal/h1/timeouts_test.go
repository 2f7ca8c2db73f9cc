package h1

import (
	"strings"
	"testing"
	"time"

	"github.com/eddy-go/eddy/loop"
)

// TestHeadTimeout: the head timeout runs from a request's first byte, so a
// client trickling bytes faster than any inactivity limit still gets 408.
func TestHeadTimeout(t *testing.T) {
	const limit = 300 * time.Millisecond
	ts := startServer(t, Config{HeaderTimeout: limit}, loop.Config{})
	cases := []struct {
		name    string
		trickle bool
	}{
		{"stalled", false},
		{"slowloris", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cl := ts.dial(t)
			cl.send(get("/plain?ok")) // a complete request first: the clock starts at the next one
			cl.expect("GET", 200, "plain ok")
			start := time.Now()
			cl.send("GET /plain HTTP/1.1\r\n")
			if tc.trickle {
				defer cl.trickle(20*time.Millisecond, "X")()
			}
			r := cl.read("GET")
			took := time.Since(start)
			if r.StatusCode != 408 || !r.Close {
				t.Fatalf("got %d close=%v", r.StatusCode, r.Close)
			}
			// Well below any other limit (the idle timeout is 75 s), with
			// room for a loaded machine.
			if took < limit-50*time.Millisecond || took > limit+5*time.Second {
				t.Fatalf("408 after %v, limit %v", took, limit)
			}
		})
	}
}

// TestBodyTimeout: a body that stops arriving gets 408.
func TestBodyTimeout(t *testing.T) {
	ts := startServer(t, Config{BodyTimeout: 200 * time.Millisecond}, loop.Config{})
	cl := ts.dial(t)
	cl.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc")
	r := cl.read("POST")
	if r.StatusCode != 408 || !r.Close {
		t.Fatalf("got %d close=%v", r.StatusCode, r.Close)
	}
	cl.expectEOF()
	waitFor(t, "the routed exchange released", 2*time.Second, func() bool { return ts.h.released.Load() == 1 })
}

// TestIdleTimeout: an idle keep-alive connection is closed silently.
func TestIdleTimeout(t *testing.T) {
	const limit = 200 * time.Millisecond
	ts := startServer(t, Config{IdleTimeout: limit}, loop.Config{})
	cl := ts.dial(t)
	cl.send(get("/plain?1"))
	cl.expect("GET", 200, "plain 1")
	start := time.Now()
	cl.expectEOF()
	if took := time.Since(start); took < limit-50*time.Millisecond {
		t.Fatalf("closed after %v, limit %v", took, limit)
	}
}

// TestHandlerTimeout: a handler past its limit is answered 503 in its
// place, its context is cancelled with ErrHandlerTimeout, the connection
// closes after the response, and the exchange is released once the
// handler finishes.
func TestHandlerTimeout(t *testing.T) {
	ts := startServer(t, Config{HandlerTimeout: 200 * time.Millisecond}, loop.Config{})
	cl := ts.dial(t)
	cl.send(get("/plain?before") + get("/slow") + get("/plain?after"))
	cl.expect("GET", 200, "plain before")
	r := cl.read("GET")
	if r.StatusCode != 503 || !r.Close || !strings.Contains(r.body, "timeout") {
		t.Fatalf("got %d close=%v %q", r.StatusCode, r.Close, r.body)
	}
	cl.expectEOF()
	ts.expectCause(t, ErrHandlerTimeout)
	waitFor(t, "every exchange released", 5*time.Second, func() bool {
		return ts.h.released.Load() == ts.h.served.Load() // "after" was served, its answer dropped
	})
}
