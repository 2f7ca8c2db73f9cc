package client

import (
	"context"
	"errors"
	"io"
	"testing"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/eddytest"
)

func benchServer(b testing.TB) string {
	app := eddy.New(eddy.Config{Loops: 1})
	app.Get("/plaintext", func(c *eddy.Ctx) error { return c.Text("Hello, World!") })
	return eddytest.New(b, app).URL + "/plaintext"
}

// BenchmarkGet: the blocking API, one request at a time on a keep-alive
// connection (a loopback round trip per op).
func BenchmarkGet(b *testing.B) {
	url := benchServer(b)
	s, err := New(Config{DisableCompression: true})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close(context.Background())
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		resp, err := s.Get(ctx, url)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Close()
	}
}

// BenchmarkStart: the loop-native API, 64 requests in flight from one loop,
// each callback starting the next.
func BenchmarkStart(b *testing.B) {
	url := benchServer(b)
	s, err := New(Config{DisableCompression: true})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close(context.Background())
	req, _ := NewRequest("GET", url, nil)
	b.ReportAllocs()
	b.ResetTimer()
	if err := startChain(s, req, b.N, 64); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkStartView: StartView, 64 requests in flight from one loop, each
// callback starting the next.
func BenchmarkStartView(b *testing.B) {
	url := benchServer(b)
	s, err := New(Config{DisableCompression: true})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close(context.Background())
	req, _ := NewRequest("GET", url, nil)
	b.ReportAllocs()
	b.ResetTimer()
	if err := viewChain(s, req, b.N, 64); err != nil {
		b.Fatal(err)
	}
}

// viewChain is startChain with StartView; each callback checks the body.
func viewChain(s *Session, req *Request, n, inflight int) error {
	l := s.srv.Loops()[0]
	done := make(chan error, 1)
	started, finished := 0, 0 // loop-owned
	var firstErr error
	var cb func(*View, error)
	cb = func(v *View, err error) {
		if err == nil && string(v.Body()) != "Hello, World!" {
			err = errBadBody
		}
		if err != nil && firstErr == nil {
			firstErr = err
		}
		if finished++; finished == n {
			done <- firstErr
		} else if started < n {
			started++
			s.StartView(l, req, cb)
		}
	}
	l.CallSoonThreadsafe(func() {
		for started < min(inflight, n) {
			started++
			s.StartView(l, req, cb)
		}
	})
	return <-done
}

var errBadBody = errors.New("unexpected body")

// startChain sends n requests with Start from one of s's loops, inflight at
// once, each callback starting the next, and waits for the last. The callback
// is made once: what it allocates is the session's alone.
func startChain(s *Session, req *Request, n, inflight int) error {
	l := s.srv.Loops()[0]
	done := make(chan error, 1)
	started, finished := 0, 0 // loop-owned
	var firstErr error
	var cb func(*Response, error)
	cb = func(resp *Response, err error) {
		if err != nil && firstErr == nil {
			firstErr = err
		}
		if finished++; finished == n {
			done <- firstErr
		} else if started < n {
			started++
			s.Start(l, req, cb)
		}
	}
	l.CallSoonThreadsafe(func() {
		for started < min(inflight, n) {
			started++
			s.Start(l, req, cb)
		}
	})
	return <-done
}
