package loop

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"
)

// SetDeadlineAfter arms the deadline relative to the loop's clock; d <= 0 clears it.
func TestSetDeadlineAfter(t *testing.T) {
	for _, tc := range []struct {
		name    string
		d       time.Duration
		timeout bool
	}{{"armed", 30 * time.Millisecond, true}, {"cleared", -1, false}} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRecorder(nil)
			var armedAt time.Duration
			p := &madeHook{recorder: r, made: func(c *Conn) {
				c.SetDeadline(c.Loop().Time() + 20*time.Millisecond)
				c.SetDeadlineAfter(tc.d)
				armedAt = c.Loop().Time()
				if got := c.Deadline(); tc.d > 0 && got != armedAt+tc.d || tc.d <= 0 && got != 0 {
					t.Errorf("Deadline %v after SetDeadlineAfter(%v) at %v", got, tc.d, armedAt)
				}
			}}
			s := startServer(t, Config{Loops: 1}, func() Protocol { return p })
			dial(t, s)
			recv(t, r.made, "ConnectionMade")
			if !tc.timeout {
				select {
				case err := <-r.lost:
					t.Fatalf("ConnectionLost %v with the deadline cleared", err)
				case <-time.After(100 * time.Millisecond): // checking that nothing happens
				}
				return
			}
			if err := recv(t, r.lost, "ConnectionLost"); !errors.Is(err, ErrTimeout) {
				t.Fatalf("ConnectionLost %v, want ErrTimeout", err)
			}
		})
	}
}

// SetDeadline's shortcut for a deadline moved later (no look into the heap) holds
// because the connection's timer entry never fires after its deadline: checked after
// each of a random run of moves later, earlier and clears.
func TestSetDeadlineEntryNoLaterThanDeadline(t *testing.T) {
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	r := newRecorder(nil)
	bad := make(chan string, 1)
	p := &madeHook{recorder: r, made: func(c *Conn) {
		now := c.Loop().Time()
		for i := range 1000 {
			var at time.Duration
			switch rng.IntN(4) {
			case 0: // cleared
			case 1: // earlier
				at = now + time.Hour + time.Duration(rng.IntN(1000))*time.Millisecond
			default: // later, as an idle timeout moves
				at = max(c.Deadline(), now+time.Hour) + time.Duration(rng.IntN(1000))*time.Millisecond
			}
			c.SetDeadline(at)
			if c.Deadline() != at {
				bad <- fmt.Sprintf("step %d: Deadline %v after SetDeadline(%v)", i, c.Deadline(), at)
				return
			}
			if at != 0 && (c.hidx < 0 || c.loop.checks.when(c.hidx) > at) {
				bad <- fmt.Sprintf("step %d: deadline %v, entry %d fires later", i, at, c.hidx)
				return
			}
		}
		c.SetDeadline(0)
		bad <- ""
	}}
	s := startServer(t, Config{Loops: 1}, func() Protocol { return p })
	dial(t, s)
	if msg := recv(t, bad, "the run"); msg != "" {
		t.Fatal(msg)
	}
}

// upgrader hands its connection to next when a line "up\n" arrives, and
// counts what it got after that (nothing should come).
type upgrader struct {
	next  *recorder
	after atomic.Int32
	lost  atomic.Int32
}

func (u *upgrader) ConnectionMade(*Conn) {}
func (u *upgrader) DataReceived(c *Conn, d []byte) int {
	if c.Protocol() != Protocol(u) {
		u.after.Add(1)
	}
	if !bytes.HasPrefix(d, []byte("up\n")) {
		return 0
	}
	c.SetProtocol(u.next)
	u.next.ConnectionMade(c)
	return 3
}
func (u *upgrader) ConnectionLost(*Conn, error) { u.lost.Add(1) }

// SetProtocol: the bytes behind the switch, those that come later, the
// deadline and ConnectionLost go to the new protocol, none to the old one.
func TestSetProtocol(t *testing.T) {
	got := make(chan string, 16)
	next := newRecorder(func(c *Conn, d []byte) int {
		got <- string(d)
		if string(d) == "timeout" {
			c.SetDeadlineAfter(time.Millisecond)
		}
		return len(d)
	})
	u := &upgrader{next: next}
	s := startServer(t, Config{Loops: 1}, func() Protocol { return u })
	nc := dial(t, s)
	if _, err := nc.Write([]byte("up\nhello")); err != nil {
		t.Fatal(err)
	}
	recv(t, next.made, "the new protocol's ConnectionMade")
	if d := recv(t, got, "the bytes behind the switch"); d != "hello" {
		t.Fatalf("the new protocol got %q, want hello", d)
	}
	if _, err := nc.Write([]byte("timeout")); err != nil {
		t.Fatal(err)
	}
	if d := recv(t, got, "later bytes"); d != "timeout" {
		t.Fatalf("the new protocol got %q, want timeout", d)
	}
	if err := recv(t, next.lost, "the new protocol's ConnectionLost"); !errors.Is(err, ErrTimeout) {
		t.Fatalf("ConnectionLost %v, want ErrTimeout (no Timeouter)", err)
	}
	if n, l := u.after.Load(), u.lost.Load(); n != 0 || l != 0 {
		t.Fatalf("the old protocol got %d DataReceived and %d ConnectionLost after the switch", n, l)
	}
}
