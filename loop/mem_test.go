//go:build !race

package loop

import (
	"os"
	"runtime"
	"runtime/pprof"
	"testing"
	"time"

	"github.com/eddy-go/eddy/internal/idleconns"
)

// An idle connection must cost less than 512 bytes of heap in total (about 450): our Conn
// and its check-heap entry, gnet's conn and its buffers, the remote address, the echo
// protocol. It was 561 before gnet's copies of the addresses were trimmed (gnetaddr.go). The client sockets live in a child
// process so the server's fd limit only has to cover the server side.
func TestIdleConnMemory(t *testing.T) {
	if idleconns.RunChild() {
		return
	}
	if testing.Short() {
		t.Skip("opens 10,000 connections")
	}
	const n = 10000
	idleconns.RaiseFDLimit(t, n)
	// LOOP_IDLE_HEAPPROFILE=file records every allocation (MemProfileRate 1) and writes
	// the heap profile with the connections held: go tool pprof -sample_index=inuse_space.
	profile := os.Getenv("LOOP_IDLE_HEAPPROFILE")
	if profile != "" {
		defer func(r int) { runtime.MemProfileRate = r }(runtime.MemProfileRate)
		runtime.MemProfileRate = 1
	}
	s := startServer(t, Config{}, func() Protocol { return echoProto{} })
	heap0, rss0 := idleconns.Mem()
	idleconns.Hold(t, "TestIdleConnMemory", s.Addr().String(), n, nil)
	// Accepting 10,000 takes as long as the machine lets it: fail only when
	// no connection came in for 10 s.
	for last, lastAt := 0, time.Now(); s.NumConns() != n; {
		if c := s.NumConns(); c != last {
			last, lastAt = c, time.Now()
		} else if time.Since(lastAt) > 10*time.Second {
			t.Fatalf("%d of %d connections, none in the last 10 s", c, n)
		}
		time.Sleep(time.Millisecond) // polling a counter, with a deadline
	}
	heap1, rss1 := idleconns.Mem()
	perHeap := float64(heap1-heap0) / n
	perRSS := float64(rss1-rss0) / n
	t.Logf("idle conn: %.0f B heap, %.0f B RSS (%d conns)", perHeap, perRSS, n)
	if profile != "" {
		f, err := os.Create(profile)
		if err != nil {
			t.Fatal(err)
		}
		if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	if perHeap >= 512 {
		t.Fatalf("idle connection costs %.0f B of heap, want < 512", perHeap)
	}
}
