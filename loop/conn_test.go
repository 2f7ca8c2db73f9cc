package loop

import (
	"bytes"
	"errors"
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
