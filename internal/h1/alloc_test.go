//go:build !race

package h1

import (
	"strings"
	"testing"
	"time"
)

// plainResponseLen is the length of plainHandler's response: the Date
// value is always 29 bytes.
var plainResponseLen = len("HTTP/1.1 200 OK\r\nServer: eddy\r\nDate: \r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nHello, World!") + 29

// TestZeroAllocsPerRequest drives a real server over loopback and counts
// every allocation in the process around round trips: the client side
// (a blocking net.Conn with preallocated buffers) allocates nothing, so
// anything counted is the server's. An on-loop handler answering with a
// small body must cost zero allocations per request, keep-alive, pipelined
// or not, with a body or without.
func TestZeroAllocsPerRequest(t *testing.T) {
	cases := []struct {
		name  string
		req   string
		depth int
	}{
		{"keepalive", "GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n", 1},
		{"pipelined-16", "GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n", 16},
		{"post-body", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello", 1},
		{"http10-keepalive", "GET /plaintext HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", 1},
	}
	srv := startOneLoop(t, NewFactory(Config{ServerName: "eddy"}, plainHandler{}))
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := dialLoop(t, srv)
			_ = c.SetDeadline(time.Now().Add(30 * time.Second))
			req := []byte(strings.Repeat(tc.req, tc.depth))
			respLen := plainResponseLen * tc.depth
			if strings.Contains(tc.req, "HTTP/1.0") {
				respLen += len("Connection: keep-alive\r\n") * tc.depth
			}
			resp := make([]byte, respLen)
			roundTrip := roundTripper(t, c, req, resp)
			for i := 0; i < 200; i++ { // warm up the pools and buffers
				roundTrip()
			}
			if !strings.HasSuffix(string(resp), "Hello, World!") {
				t.Fatalf("response %q", resp)
			}
			allocs := testing.AllocsPerRun(2000, roundTrip)
			if perReq := allocs / float64(tc.depth); perReq > 0 {
				t.Fatalf("%.2f allocations per request, want 0", perReq)
			}
		})
	}
}

// TestZeroAllocsVaryingLength: an on-loop handler whose body length
// changes from one response to the next (the loop's cached head is made
// for each new length) costs zero allocations per request too.
func TestZeroAllocsVaryingLength(t *testing.T) {
	srv := startOneLoop(t, NewFactory(Config{ServerName: "eddy"}, varyHandler{}))
	for _, depth := range []int{2, 16} {
		t.Run("depth="+itoa(depth), func(t *testing.T) {
			c := dialLoop(t, srv)
			_ = c.SetDeadline(time.Now().Add(30 * time.Second))
			req, respLen := varyRequests(depth)
			resp := make([]byte, respLen)
			roundTrip := roundTripper(t, c, req, resp)
			for i := 0; i < 200; i++ { // warm up the pools and buffers
				roundTrip()
			}
			if !strings.HasSuffix(string(resp), "Content-Length: 13\r\n\r\n0123456789abc") {
				t.Fatalf("response %q", resp)
			}
			allocs := testing.AllocsPerRun(2000, roundTrip)
			if allocs > 0 {
				t.Fatalf("%.2f allocations per round trip, want 0", allocs)
			}
		})
	}
}
