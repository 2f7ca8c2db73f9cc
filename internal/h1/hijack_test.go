package h1

import (
	"net"
	"testing"
	"time"

	"github.com/eddy-go/eddy/loop"
)

// TestHijackAbandoned: Hijack's abandoned callback runs once when the
// connection ends before the hand-over (the 101 waits behind a pool
// response when the client resets), and never once the new protocol has
// the connection.
func TestHijackAbandoned(t *testing.T) {
	upgrade := "GET /upgrade HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n"
	t.Run("handed-over", func(t *testing.T) {
		ts := startServer(t, Config{}, loop.Config{})
		cl := ts.dial(t)
		cl.send(upgrade)
		if r := cl.read("GET"); r.StatusCode != 101 {
			t.Fatalf("got %d", r.StatusCode)
		}
		cl.c.Close()
		waitFor(t, "the connection gone", 5*time.Second, func() bool { return ts.srv.NumConns() == 0 })
		if n := ts.h.abandoned.Load(); n != 0 {
			t.Fatalf("abandoned called %d times after the hand-over", n)
		}
	})
	t.Run("lost-before", func(t *testing.T) {
		ts := startServer(t, Config{}, loop.Config{})
		cl := ts.dial(t)
		cl.send(get("/slow") + upgrade)
		<-ts.h.blocked
		waitFor(t, "the upgrade served", 5*time.Second, func() bool { return ts.h.served.Load() == 2 })
		if err := cl.c.(*net.TCPConn).SetLinger(0); err != nil { // Close sends a reset
			t.Fatal(err)
		}
		cl.c.Close()
		waitFor(t, "abandoned called", 5*time.Second, func() bool { return ts.h.abandoned.Load() == 1 })
		<-ts.h.ctxDone // the slow handler ends with the connection
		waitFor(t, "the connection gone", 5*time.Second, func() bool { return ts.srv.NumConns() == 0 })
		if n := ts.h.abandoned.Load(); n != 1 {
			t.Fatalf("abandoned called %d times, want 1", n)
		}
	})
}
