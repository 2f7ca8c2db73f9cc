package h1

import (
	"strings"
	"testing"

	"github.com/eddy-go/eddy/loop"
)

// TestMalformed: every class of bad input httpcodec rejects is answered
// with its status, "Connection: close", and a closed connection; a good
// request before it in the same batch is still answered.
func TestMalformed(t *testing.T) {
	cases := []struct {
		name   string
		req    string
		status int
	}{
		{"request-line", "GET\r\n\r\n", 400},
		{"method", "G(T / HTTP/1.1\r\nHost: x\r\n\r\n", 400},
		{"target", "GET /a b HTTP/1.1\r\nHost: x\r\n\r\n", 400},
		{"version-malformed", "GET / HTTP/1.x\r\nHost: x\r\n\r\n", 400},
		{"version-unsupported", "GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505},
		{"request-line-too-long", "GET /" + strings.Repeat("a", 9000) + " HTTP/1.1\r\nHost: x\r\n\r\n", 414},
		{"header-too-large", "GET / HTTP/1.1\r\nHost: x\r\nX-A: " + strings.Repeat("a", 33000) + "\r\n\r\n", 431},
		{"too-many-headers", "GET / HTTP/1.1\r\nHost: x\r\n" + strings.Repeat("X-A: 1\r\n", 101) + "\r\n", 431},
		{"bare-lf", "GET / HTTP/1.1\nHost: x\r\n\r\n", 400},
		{"bare-cr", "GET / HTTP/1.1\r\nHost: x\rY: z\r\n\r\n", 400},
		{"header-name", "GET / HTTP/1.1\r\nHost: x\r\nX(A: 1\r\n\r\n", 400},
		{"space-before-colon", "GET / HTTP/1.1\r\nHost: x\r\nX-A : 1\r\n\r\n", 400},
		{"obs-fold", "GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n 2\r\n\r\n", 400},
		{"header-value", "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n", 400},
		{"missing-host", "GET / HTTP/1.1\r\n\r\n", 400},
		{"duplicate-host", "GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", 400},
		{"content-length", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1x\r\n\r\n", 400},
		{"content-length-conflict", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", 400},
		{"cl-with-te", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
		{"te-unsupported", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501},
		{"te-malformed", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", 400},
		{"expectation", "POST /echo HTTP/1.1\r\nHost: x\r\nExpect: tea\r\nContent-Length: 1\r\n\r\nx", 417},
		{"chunk-size", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n0\r\n\r\n", 400},
		{"chunk-size-overflow", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n", 400},
		{"chunk-end", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n", 400},
		{"chunk-ext", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2;(\r\nab\r\n0\r\n\r\n", 400},
		{"leading-empty-lines", "\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n", 400},
	}
	ts := startServer(t, Config{}, loop.Config{})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, prefix := range []string{"", get("/later?first&ms=2")} {
				cl := ts.dial(t)
				cl.send(prefix + tc.req)
				if prefix != "" {
					cl.expect("GET", 200, "later first&ms=2")
				}
				r := cl.read("GET")
				if r.StatusCode != tc.status || !r.Close {
					t.Fatalf("got %d close=%v %q, want %d and close", r.StatusCode, r.Close, r.body, tc.status)
				}
				if !strings.Contains(r.body, ": ") {
					t.Fatalf("body %q is not a short reason", r.body)
				}
				cl.expectEOF()
			}
		})
	}
}

// TestHandlerMisuse: an on-loop Serve that returns without finishing gets
// a 500 and a closed connection, and is still released.
func TestHandlerMisuse(t *testing.T) {
	ts := startServer(t, Config{}, loop.Config{})
	cl := ts.dial(t)
	cl.send(get("/misuse"))
	r := cl.read("GET")
	if r.StatusCode != 500 || !r.Close {
		t.Fatalf("got %d close=%v", r.StatusCode, r.Close)
	}
	cl.expectEOF()
	if ts.h.released.Load() != ts.h.served.Load() {
		t.Fatalf("released %d of %d", ts.h.released.Load(), ts.h.served.Load())
	}
}
