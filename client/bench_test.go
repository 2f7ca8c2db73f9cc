package client

import (
	"context"
	"io"
	"testing"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/eddytest"
)

func benchServer(b *testing.B) string {
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
	l := s.srv.Loops()[0]
	req, _ := NewRequest("GET", url, nil)
	done := make(chan struct{})
	started, finished := 0, 0 // loop-owned
	var next func()
	next = func() {
		started++
		s.Start(l, req, func(resp *Response, err error) {
			if err != nil {
				b.Error(err)
			}
			if finished++; finished == b.N {
				close(done)
			} else if started < b.N {
				next()
			}
		})
	}
	b.ReportAllocs()
	b.ResetTimer()
	l.CallSoonThreadsafe(func() {
		for started < min(64, b.N) {
			next()
		}
	})
	<-done
}
