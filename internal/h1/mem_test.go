package h1

import (
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"github.com/eddy-go/eddy/internal/idleconns"
	"github.com/eddy-go/eddy/loop"
)

// TestConnStateSize: the engine's own per-connection state fits the
// allocator's 96-byte size class, which every idle keep-alive connection
// pays. What it holds, in bytes: ls 8, lc 16 (an interface, for the
// socketless tests), parser 16, cur, head and tail 24, n 4, flags 2 (and 2
// of padding), headStart and lastRead 16, hijack 8. State of a few
// connections lives elsewhere: the drain grace's end in the loop's state
// (one for the loop), the hijacking protocol in a box of its own.
func TestConnStateSize(t *testing.T) {
	if s := unsafe.Sizeof(conn{}); s > 96 {
		t.Fatalf("conn is %d bytes, want <= 96 (the 96-byte size class; the next is 112)", s)
	}
}

// countingHandler is plainHandler with a count of served requests.
type countingHandler struct {
	plainHandler
	served atomic.Int64
}

func (h *countingHandler) Serve(x *Exchange) {
	h.served.Add(1)
	h.plainHandler.Serve(x)
}

// TestIdleKeepAliveMemory: 10,000 keep-alive connections that each made
// one request and now sit idle cost less than idleHeapBudget bytes of
// server heap each, the loop's and gnet's state included (about 550 B:
// gnet's conn 256 and the remote address it keeps 80, the loop's Conn 64
// and its heap entry 16, this engine's conn 96, gnet's connection matrix
// about 30; it was 676 B before the drain grace moved to the loop and the
// loop trimmed gnet's other copies of the addresses). The harness's RSS
// figure (bench/peers/cmd/idleconns) adds to it the garbage of each accept
// (gnet's EnrollContext and net's accept, about 550 B) that the GC has not
// collected yet. The clients live in a child process so only the server is
// measured.
func TestIdleKeepAliveMemory(t *testing.T) {
	if idleconns.RunChild() {
		return
	}
	if testing.Short() {
		t.Skip("opens 10,000 connections")
	}
	const n, idleHeapBudget = 10000, 640
	idleconns.RaiseFDLimit(t, n)
	h := &countingHandler{}
	srv, err := loop.New(loop.Config{Addr: "127.0.0.1:0", Loops: 2}, NewFactory(Config{}, h))
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer srv.Stop(t.Context())
	heap0, rss0 := idleconns.Mem()
	idleconns.Hold(t, "TestIdleKeepAliveMemory", srv.Addr().String(), n,
		[]byte("GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n"))
	waitFor(t, "10,000 requests served", 60*time.Second, func() bool {
		return srv.NumConns() == n && h.served.Load() == n
	})
	heap1, rss1 := idleconns.Mem()
	per := float64(heap1-heap0) / n
	t.Logf("idle keep-alive connection: %.0f B of server heap, %.0f B RSS (%d conns)",
		per, float64(int64(rss1)-int64(rss0))/n, n)
	if per >= idleHeapBudget {
		t.Fatalf("an idle keep-alive connection costs %.0f B of heap, want < %d", per, idleHeapBudget)
	}
}
