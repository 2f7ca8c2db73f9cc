package main

import (
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// serve starts an HTTP server on 127.0.0.1:0 answering every request with h.
func serve(t *testing.T, h http.HandlerFunc) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

func TestRunSendsEveryRequest(t *testing.T) {
	var n atomic.Int64
	addr := serve(t, func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.Header().Set("Date", "Mon, 02 Jan 2006 15:04:05 GMT") // fixed length
		w.Write([]byte("Hello, World!"))
	})
	if err := run(addr, 3, 4, 5, "/plaintext"); err != nil {
		t.Fatal(err)
	}
	// One request learns the response size, then 3 connections x 4 batches x 5.
	if got, want := n.Load(), int64(1+3*4*5); got != want {
		t.Errorf("server saw %d requests, want %d", got, want)
	}
}

func TestRunRejectsResponsesWithoutLength(t *testing.T) {
	addr := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.(http.Flusher).Flush() // chunked: no Content-Length
		w.Write([]byte("x"))
	})
	err := run(addr, 1, 1, 1, "/")
	if err == nil || !strings.Contains(err.Error(), "Content-Length") {
		t.Fatalf("err = %v, want a missing Content-Length error", err)
	}
}

func TestTimedReportsLatency(t *testing.T) {
	var n atomic.Int64
	addr := serve(t, func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.Header().Set("Date", "Mon, 02 Jan 2006 15:04:05 GMT") // fixed length
		w.Write([]byte("Hello, World!"))
	})
	var out strings.Builder
	if err := timed(&out, addr, 2, 4, "/plaintext", 200*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	var reqs, p50, p99, p999, top int64
	var secs, rps float64
	if _, err := fmt.Sscanf(out.String(), "%d requests in %fs\nRequests/sec: %f\nLATENCY %d %d %d %d\n", &reqs, &secs, &rps, &p50, &p99, &p999, &top); err != nil {
		t.Fatalf("output %q: %v", out.String(), err)
	}
	// One request learns the response size; every batch after it is 4 requests.
	if reqs == 0 || reqs%4 != 0 || n.Load() != 1+reqs {
		t.Errorf("reported %d requests, server saw %d", reqs, n.Load())
	}
	if !(0 < p50 && p50 <= p99 && p99 <= p999 && p999 <= top) {
		t.Errorf("percentiles out of order: %d %d %d %d", p50, p99, p999, top)
	}
	if secs < 0.2 {
		t.Errorf("ran %.2fs, want at least 0.2s", secs)
	}
}
