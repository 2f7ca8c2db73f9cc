package h1

import (
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/eddy-go/eddy/loop"
)

func bytesOut(ts *testServer) int64 {
	var n int64
	for _, s := range ts.srv.Stats() {
		n += s.BytesOut
	}
	return n
}

func bytesIn(ts *testServer) int64 {
	var n int64
	for _, s := range ts.srv.Stats() {
		n += s.BytesIn
	}
	return n
}

// TestSlowReader: a client that pipelines requests for big responses and
// never reads makes the server stop parsing (a bounded number of requests
// is served) until the write-stall limit closes the connection.
func TestSlowReader(t *testing.T) {
	ts := startServer(t, Config{}, loop.Config{WriteTimeout: 300 * time.Millisecond})
	cl := ts.dialWith(t, 4096)
	cl.send(strings.Repeat(get("/big?n=1048576"), 200))
	waitFor(t, "the stalled connection closed", 5*time.Second, func() bool { return ts.srv.NumConns() == 0 })
	if n := ts.h.served.Load(); n > 8 {
		t.Fatalf("served %d requests to a client that reads nothing: parsing did not pause", n)
	}
	waitFor(t, "every exchange released", 2*time.Second, func() bool { return ts.h.released.Load() == ts.h.served.Load() })
}

// TestClientGoneMidRequest: a pool handler whose client disconnects sees
// its context cancelled (ErrConnClosed); its late response writes nothing
// and the exchange is still released. The client resets the connection: a
// plain close (FIN) looks like a half-close, whose responses are still
// sent (TestClientHalfClosesMidRequest).
func TestClientGoneMidRequest(t *testing.T) {
	for _, wait := range []string{"context", "unblock"} {
		t.Run(wait, func(t *testing.T) {
			ts := startServer(t, Config{}, loop.Config{})
			cl := ts.dial(t)
			cl.send(get("/plain?1") + get("/block") + get("/plain?3"))
			cl.expect("GET", 200, "plain 1")
			<-ts.h.blocked
			_ = cl.c.(*net.TCPConn).SetLinger(0)
			cl.c.Close()
			waitFor(t, "the server saw the close", 5*time.Second, func() bool { return ts.srv.NumConns() == 0 })
			before := bytesOut(ts)
			if wait == "unblock" {
				close(ts.h.unblock)
			}
			select {
			case err := <-ts.h.ctxDone:
				if !errors.Is(err, ErrConnClosed) {
					t.Fatalf("context cause %v", err)
				}
			case <-time.After(5 * time.Second):
				if wait == "context" {
					t.Fatal("context not cancelled")
				}
			}
			waitFor(t, "every exchange released", 5*time.Second, func() bool {
				return ts.h.released.Load() == ts.h.served.Load()
			})
			if after := bytesOut(ts); after != before {
				t.Fatalf("%d bytes written after the client left", after-before)
			}
		})
	}
}

// TestDrain: an idle connection gets the drain grace: a request that
// arrives within it is answered with Connection: close, then the
// connection closes; one that receives nothing closes once the grace has
// passed, not before. A connection with a request begun answers it with
// Connection: close; a busy one finishes its responses, the last with
// Connection: close; both then close.
func TestDrain(t *testing.T) {
	const grace = 400 * time.Millisecond
	ts := startServer(t, Config{DrainIdleGrace: grace}, loop.Config{})
	idle := ts.dial(t)
	idle.send(get("/plain?idle"))
	idle.expect("GET", 200, "plain idle")
	late := ts.dial(t)
	late.send(get("/plain?late0"))
	late.expect("GET", 200, "plain late0")
	lateConn := ts.conn(t, 1)
	busy := ts.dial(t)
	busy.send(get("/plain?a") + get("/block"))
	busy.expect("GET", 200, "plain a")
	<-ts.h.blocked
	partial := ts.dial(t)
	in0 := bytesIn(ts)
	partial.send("GET /plain?partial HTTP/1.1\r\n")
	waitFor(t, "the partial head received", 5*time.Second, func() bool { return bytesIn(ts) > in0 })

	start := time.Now()
	drained := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		drained <- ts.srv.Drain(ctx)
	}()
	waitFor(t, "the drain reached the idle connection", 5*time.Second, func() bool {
		return onLoop(t, lateConn, func() bool { return lateConn.flags&cfDraining != 0 })
	})
	// A request sent to an idle connection after the drain began (as if in
	// flight when it began) is answered, then the connection closes.
	late.send(get("/plain?late"))
	if r := late.expect("GET", 200, "plain late"); !r.Close {
		t.Fatal("a request within the drain grace: response lacks Connection: close")
	}
	late.expectEOF()
	late.c.Close()
	partial.send("Host: x\r\n\r\n") // a request already begun is still answered, then closed
	if r := partial.expect("GET", 200, "plain partial"); !r.Close {
		t.Fatal("a draining connection's response lacks Connection: close")
	}
	partial.expectEOF()
	partial.c.Close()
	idle.expectEOF()
	if d := time.Since(start); d < grace/2 {
		t.Fatalf("an idle connection closed %v after the drain began, within its grace of %v", d, grace)
	}
	close(ts.h.unblock)
	r := busy.expect("GET", 200, "unblocked")
	if !r.Close {
		t.Fatal("the last response of a draining connection lacks Connection: close")
	}
	busy.expectEOF()
	busy.c.Close() // the server lingers until the peer closes too
	if err := <-drained; err != nil {
		t.Fatalf("Drain: %v", err)
	}
}

// TestDrainNoGrace: with a negative DrainIdleGrace an idle connection
// closes as soon as the drain begins, while a busy one still waits for its
// handler.
func TestDrainNoGrace(t *testing.T) {
	ts := startServer(t, Config{DrainIdleGrace: -1, IdleTimeout: time.Hour}, loop.Config{})
	idle := ts.dial(t)
	idle.send(get("/plain?idle"))
	idle.expect("GET", 200, "plain idle")
	busy := ts.dial(t)
	busy.send(get("/block"))
	<-ts.h.blocked
	drained := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		drained <- ts.srv.Drain(ctx)
	}()
	idle.expectEOF() // the busy handler is still blocked: the drain is not over
	close(ts.h.unblock)
	if r := busy.expect("GET", 200, "unblocked"); !r.Close {
		t.Fatal("the last response of a draining connection lacks Connection: close")
	}
	busy.expectEOF()
	busy.c.Close()
	if err := <-drained; err != nil {
		t.Fatalf("Drain: %v", err)
	}
}

// TestStreamBackpressure: a 16 MiB stream to a client that does not read
// stalls well short of the end (the producer is held back: blocked in the
// pool, ErrBackpressure on the loop), then completes intact once the client
// reads.
func TestStreamBackpressure(t *testing.T) {
	const n = 1024 // chunks of 16 KiB
	for _, where := range []string{"pool", "loop"} {
		t.Run(where, func(t *testing.T) {
			ts := startServer(t, Config{}, loop.Config{})
			cl := ts.dialWith(t, 16<<10)
			q := "/bigstream?n=1024"
			if where == "pool" {
				q += "&pool=1"
			}
			cl.send(get(q))
			waitFor(t, "the producer to stall", 5*time.Second, func() bool {
				a := ts.h.chunks.Load()
				time.Sleep(100 * time.Millisecond) // a stall is no progress over a window
				return a > 0 && ts.h.chunks.Load() == a
			})
			if c := ts.h.chunks.Load(); c >= n {
				t.Fatalf("producer wrote all %d chunks to a client that reads nothing", c)
			}
			r := cl.read("GET")
			if len(r.body) != n*16<<10 {
				t.Fatalf("body %d bytes", len(r.body))
			}
			for i := 0; i < n; i++ {
				if r.body[i*16<<10] != byte(i) || r.body[(i+1)*16<<10-1] != byte(i) {
					t.Fatalf("chunk %d corrupt", i)
				}
			}
			cl.send(get("/plain?after"))
			cl.expect("GET", 200, "plain after")
		})
	}
}

// TestHijack: after the 101 the connection belongs to the new protocol,
// including bytes that arrived with the upgrade request.
func TestHijack(t *testing.T) {
	ts := startServer(t, Config{}, loop.Config{})
	cl := ts.dial(t)
	cl.send("GET /upgrade HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\nhello")
	r := cl.read("GET")
	if r.StatusCode != 101 || r.Header.Get("Upgrade") != "echo" {
		t.Fatalf("got %d %v", r.StatusCode, r.Header)
	}
	buf := make([]byte, 5)
	for _, msg := range []string{"hello", "again"} {
		if msg != "hello" {
			cl.send(msg)
		}
		if _, err := ioReadFull(cl, buf); err != nil || string(buf) != msg {
			t.Fatalf("echo %q, %v", buf, err)
		}
	}
}

// TestPoolFull: a full executor is answered 503.
func TestPoolFull(t *testing.T) {
	ts := startServer(t, Config{}, loop.Config{PoolWorkers: 1, PoolQueue: 1})
	defer close(ts.h.unblock)
	a := ts.dial(t)
	a.send(get("/block"))
	<-ts.h.blocked
	b := ts.dial(t)
	b.send(get("/block"))
	waitFor(t, "the second job queued", 5*time.Second, func() bool { return ts.h.routed.Load() == 2 })
	c := ts.dial(t)
	c.send(get("/pool?x"))
	r := c.read("GET")
	if r.StatusCode != 503 || !r.Close {
		t.Fatalf("got %d close=%v", r.StatusCode, r.Close)
	}
	c.expectEOF()
}

// TestStreamClientGone: a producer blocked on backpressure is woken when
// the client leaves (StreamWrite returns ErrConnClosed) and the exchange is
// released.
func TestStreamClientGone(t *testing.T) {
	for _, where := range []string{"pool", "loop"} {
		t.Run(where, func(t *testing.T) {
			ts := startServer(t, Config{}, loop.Config{})
			cl := ts.dialWith(t, 16<<10)
			q := "/bigstream?n=1024"
			if where == "pool" {
				q += "&pool=1"
			}
			cl.send(get(q))
			waitFor(t, "the producer to start", 5*time.Second, func() bool { return ts.h.chunks.Load() > 0 })
			cl.c.Close()
			waitFor(t, "the exchange released", 5*time.Second, func() bool {
				return ts.srv.NumConns() == 0 && ts.h.released.Load() == 1
			})
		})
	}
}

// TestPoolStreamsDoNotStarveThePool: as many pool handlers as there are
// workers stream to clients that never read; each blocks in StreamWrite.
// An ordinary pool request from another client is still answered at once
// (a spare worker stands in for the blocked ones), not after the write
// stall.
func TestPoolStreamsDoNotStarveThePool(t *testing.T) {
	const workers = 4
	ts := startServer(t, Config{}, loop.Config{PoolWorkers: workers, WriteTimeout: time.Minute})
	for range workers {
		cl := ts.dialWith(t, 4096)
		cl.send(get("/bigstream?pool=1&n=1000000"))
	}
	waitFor(t, "every worker streaming", 10*time.Second, func() bool { return ts.srv.ExecutorBusy() >= workers })
	other := ts.dial(t)
	start := time.Now()
	_ = other.c.SetReadDeadline(start.Add(5 * time.Second))
	other.send(get("/pool?ordinary"))
	other.expect("GET", 200, "pool ordinary")
	st := ts.srv.ExecutorStats()
	t.Logf("ordinary pool request answered in %v while %d streams block; executor %+v",
		time.Since(start).Round(time.Millisecond), workers, st)
	if st.Workers > workers+4*workers {
		t.Fatalf("%d workers, want at most %d", st.Workers, workers+4*workers)
	}
}

// TestClientHalfClosesMidRequest: a client that shuts down its sending side
// while a pool handler runs (and keeps reading) gets every response owed,
// the last with "Connection: close", then EOF; the handler's context is
// cancelled as for a client that left (the two look the same), a request
// cut short by the EOF is not answered, and the exchanges are released.
func TestClientHalfClosesMidRequest(t *testing.T) {
	ts := startServer(t, Config{}, loop.Config{})
	cl := ts.dial(t)
	cl.send(get("/plain?1") + get("/block") + get("/plain?3") + "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc")
	cl.expect("GET", 200, "plain 1")
	<-ts.h.blocked
	if err := cl.c.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	ts.expectCause(t, ErrConnClosed)
	cl.expect("GET", 200, "too late")
	if r := cl.expect("GET", 200, "plain 3"); !r.Close {
		t.Fatalf("last response without Connection: close: %v", r.Header)
	}
	cl.expectEOF()
	waitFor(t, "the connection closed", 5*time.Second, func() bool { return ts.srv.NumConns() == 0 })
	waitFor(t, "every exchange released", 5*time.Second, func() bool {
		return ts.h.released.Load() == ts.h.routed.Load()
	})
	if n := ts.h.served.Load(); n != 3 {
		t.Fatalf("served %d requests, want 3 (the cut POST is not)", n)
	}
}

// TestHalfCloseAfterPipeline: a client that pipelines requests and shuts
// down its sending side gets every complete request answered in order,
// more requests than the pipeline holds at once included (they wait in
// the loop's input, offered again before the EOF is), then EOF; a partial
// head left at the end is dropped without an answer.
func TestHalfCloseAfterPipeline(t *testing.T) {
	for _, tail := range []string{"", "GET /plain?x HTTP/1.1\r\nHo"} {
		ts := startServer(t, Config{PipelineDepth: 4}, loop.Config{})
		cl := ts.dial(t)
		var req strings.Builder
		for i := range 10 {
			req.WriteString(get("/pool?" + strconv.Itoa(i)))
		}
		cl.send(req.String() + tail)
		if err := cl.c.(*net.TCPConn).CloseWrite(); err != nil {
			t.Fatal(err)
		}
		for i := range 10 {
			cl.expect("GET", 200, "pool "+strconv.Itoa(i))
		}
		cl.expectEOF()
		waitFor(t, "the connection closed", 5*time.Second, func() bool { return ts.srv.NumConns() == 0 })
	}
}
