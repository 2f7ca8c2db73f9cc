package h1

import (
	"net"
	"testing"
	"time"

	"github.com/eddy-go/eddy/loop"
)

// TestHeadTimeoutFromAccept: the first request's head is timed from the
// accept. A connection that sends nothing is closed silently once
// HeaderTimeout has passed (not after IdleTimeout); one that starts its
// head late gets 408 at HeaderTimeout from the accept; after a request the
// keep-alive idle timeout applies again.
func TestHeadTimeoutFromAccept(t *testing.T) {
	// Two seconds, so that a head timed from its first byte (sent at 1.8 s)
	// would be answered at 3.8 s, far from the 2 s the accept gives: room
	// for a loaded machine between the two.
	const limit = 2 * time.Second
	ts := startServer(t, Config{HeaderTimeout: limit, IdleTimeout: 30 * time.Second}, loop.Config{})

	t.Run("silent", func(t *testing.T) {
		start := time.Now()
		cl := ts.dial(t)
		cl.expectEOF() // no bytes at all: a silent close
		took := time.Since(start)
		t.Logf("silent connection closed after %v", took)
		if took < limit-50*time.Millisecond || took > limit+2*time.Second {
			t.Fatalf("closed after %v, HeaderTimeout %v", took, limit)
		}
	})
	t.Run("late-head", func(t *testing.T) {
		start := time.Now()
		cl := ts.dial(t)
		time.Sleep(limit - 200*time.Millisecond) // the client's pace, not synchronisation
		sent := time.Since(start)
		cl.send("GET /plain HTTP/1.1\r\n")
		r := cl.read("GET")
		took := time.Since(start)
		t.Logf("late head answered %d after %v from the connect (its first byte sent at %v)", r.StatusCode, took, sent)
		if r.StatusCode != 408 || !r.Close {
			t.Fatalf("got %d close=%v, want 408 and close", r.StatusCode, r.Close)
		}
		// Timed from the first byte, the 408 could not come before
		// sent+limit; a loaded machine that oversleeps or fires late moves
		// both ends alike.
		if took >= sent+limit {
			t.Fatalf("408 after %v from the connect, %v from the first byte: timed from the first byte, not from the accept (HeaderTimeout %v)", took, took-sent, limit)
		}
	})
	t.Run("keep-alive", func(t *testing.T) {
		cl := ts.dial(t)
		cl.send(get("/plain?1"))
		cl.expect("GET", 200, "plain 1")
		// Idle past the head timeout: the idle timeout (30 s) applies.
		_ = cl.c.SetReadDeadline(time.Now().Add(2 * limit))
		if _, err := cl.br.ReadByte(); err == nil {
			t.Fatal("unexpected bytes on an idle connection")
		} else if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
			t.Fatalf("idle keep-alive connection closed: %v", err)
		}
		_ = cl.c.SetReadDeadline(time.Now().Add(5 * time.Second))
		cl.send(get("/plain?2"))
		cl.expect("GET", 200, "plain 2")
	})
}
