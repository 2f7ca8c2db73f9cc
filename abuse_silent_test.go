package eddy_test

import (
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/eddytest"
)

// TestAbuseSilentConnections: 200 connections that send nothing are
// closed, without a byte of answer, once HeaderTimeout (500 ms here) has
// passed since their accept, not after the 75 s keep-alive idle timeout.
func TestAbuseSilentConnections(t *testing.T) {
	const n, limit = 200, 500 * time.Millisecond
	logger, _ := boundedLog(t, 0)
	app := eddy.New(eddy.Config{HeaderTimeout: limit, Logger: logger})
	s := eddytest.New(t, app)
	addr := s.App.Addr().String()
	type result struct {
		after time.Duration
		bytes int64
		err   error
	}
	results := make([]result, n)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range n {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		dialed := time.Now()
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer c.Close()
			_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
			k, err := io.Copy(io.Discard, c)
			results[i] = result{time.Since(dialed), k, err}
		}()
	}
	wg.Wait()
	all := time.Since(start)
	var slowest time.Duration
	fastest := time.Hour
	for i, r := range results {
		if r.err != nil {
			t.Fatalf("connection %d not closed by the server: %v", i, r.err)
		}
		if r.bytes != 0 {
			t.Fatalf("connection %d got %d bytes, want a silent close", i, r.bytes)
		}
		slowest = max(slowest, r.after)
		fastest = min(fastest, r.after)
	}
	t.Logf("%d silent connections, HeaderTimeout %v: closed %v to %v after their connect, all within %v", n, limit,
		fastest.Round(time.Millisecond), slowest.Round(time.Millisecond), all.Round(time.Millisecond))
	if fastest < limit-100*time.Millisecond {
		t.Fatalf("a connection closed after %v, before HeaderTimeout %v", fastest, limit)
	}
	if slowest > limit+3*time.Second {
		t.Fatalf("a connection closed after %v, want within HeaderTimeout %v + 3 s", slowest, limit)
	}
}
