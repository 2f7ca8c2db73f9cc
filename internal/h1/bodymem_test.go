package h1

import (
	"net"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eddy-go/eddy/loop"
)

// liveHeap returns the live heap after two collections.
func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// TestBodyBufferFollowsArrival: a head announcing a large body costs what
// arrived, not what was announced: 64 connections that each announce
// 4 MiB and send 100 bytes hold small buffers, and the heap grows by far
// less than 64 x 4 MiB.
func TestBodyBufferFollowsArrival(t *testing.T) {
	const n, announced = 64, 4 << 20
	ts := startServer(t, Config{}, loop.Config{})
	heap0 := liveHeap()
	req := "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: " + strconv.Itoa(announced) + "\r\n\r\n" + strings.Repeat("b", 100)
	for range n {
		cl := ts.dial(t)
		cl.send(req)
	}
	waitFor(t, "every head routed", 10*time.Second, func() bool { return ts.h.routed.Load() == n })
	c0 := ts.conn(t, 0)
	var biggest int
	waitFor(t, "every body started", 10*time.Second, func() bool {
		return onLoop(t, c0, func() bool {
			biggest = 0
			ts.mu.Lock()
			defer ts.mu.Unlock()
			for _, c := range ts.conns {
				if c.cur == nil {
					return false
				}
				biggest = max(biggest, cap(c.cur.buf))
			}
			return len(ts.conns) == n
		})
	})
	heap1 := liveHeap()
	grew := int64(heap1) - int64(heap0)
	t.Logf("%d heads of %d B with 100 B each: largest body buffer %d B, heap %+d B", n, announced, biggest, grew)
	if biggest >= 64<<10 {
		t.Fatalf("a body buffer of %d B for 100 B received", biggest)
	}
	if grew > 32<<20 {
		t.Fatalf("heap grew %d B, want < 32 MiB (%d x %d B announced)", grew, n, announced)
	}
}

// TestRecycledExchangeReleasesBody: after uploads, the exchanges in the
// free list keep neither the body buffer nor a view into it, so the heap
// returns to where it was.
func TestRecycledExchangeReleasesBody(t *testing.T) {
	const n, size = 8, 4 << 20
	ts := startServer(t, Config{}, loop.Config{})
	heap0 := liveHeap()
	body := strings.Repeat("u", size)
	req := post("/echo", body)
	var wg sync.WaitGroup
	errs := make(chan string, n)
	for range n {
		c, err := net.DialTimeout("tcp", ts.addr, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = c.SetDeadline(time.Now().Add(20 * time.Second))
			if _, err := c.Write([]byte(req)); err != nil {
				errs <- err.Error()
				return
			}
			buf := make([]byte, 64<<10)
			total := 0
			for total < size {
				k, err := c.Read(buf)
				total += k
				if err != nil {
					errs <- err.Error()
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
	waitFor(t, "every exchange released", 10*time.Second, func() bool { return ts.h.released.Load() == n })
	c0 := ts.conn(t, 0)
	pinned := 0
	onLoop(t, c0, func() bool {
		for _, x := range append([]*Exchange{c0.ls.spare}, c0.ls.free...) {
			if x != nil && (len(x.req.Raw()) != 0 || cap(x.buf) > maxKeptBuffer) {
				pinned++
			}
		}
		return true
	})
	heap1 := liveHeap()
	grew := int64(heap1) - int64(heap0)
	t.Logf("%d uploads of %d B: %d free exchanges still pin a buffer, heap %+d B after GC", n, size, pinned, grew)
	if pinned != 0 {
		t.Fatalf("%d recycled exchanges still point into their old buffers", pinned)
	}
	if grew > 8<<20 {
		t.Fatalf("heap grew %d B after the uploads, want < 8 MiB", grew)
	}
}

// TestBodyBudget: a body whose buffer would take its loop past BodyBudget
// is answered 503 and its connection closed; a body alone on its loop may
// still grow past the budget to its MaxBody.
func TestBodyBudget(t *testing.T) {
	const budget, size = 64 << 10, 1 << 20
	ts := startServer(t, Config{BodyBudget: budget}, loop.Config{})
	head := "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: " + strconv.Itoa(size) + "\r\n\r\n"
	part := strings.Repeat("a", 40<<10)

	a := ts.dial(t)
	a.send(head + part)
	waitFor(t, "the first head routed", 5*time.Second, func() bool { return ts.h.routed.Load() == 1 }) // after ConnectionMade
	ca := ts.conn(t, 0)
	waitFor(t, "the first body charged", 5*time.Second, func() bool {
		return onLoop(t, ca, func() bool { return ca.cur != nil && ca.cur.got == int64(len(part)) })
	})

	b := ts.dial(t)
	b.send(head + part)
	r := b.read("POST")
	if r.StatusCode != 503 || !r.Close {
		t.Fatalf("second body: got %d close=%v %q, want 503 and close", r.StatusCode, r.Close, r.body)
	}
	b.expectEOF()

	waitFor(t, "only the first body charged", 5*time.Second, func() bool {
		return onLoop(t, ca, func() bool { return ca.ls.bodyBytes == ca.cur.held })
	})
	a.send(strings.Repeat("a", size-len(part)))
	r = a.read("POST")
	if r.StatusCode != 200 || len(r.body) != size {
		t.Fatalf("first body: got %d with %d B, want 200 with %d B", r.StatusCode, len(r.body), size)
	}
	waitFor(t, "the budget returned", 5*time.Second, func() bool {
		return onLoop(t, ca, func() bool { return ca.ls.bodyBytes == 0 })
	})
}
