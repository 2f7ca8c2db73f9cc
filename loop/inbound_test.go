package loop

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"time"
)

// hinted waits for one message of size bytes: a 4-byte header "SIZE", then the body. With
// useHint it says so (SetReceiveHint), else it returns 0 until the message is whole.
type hinted struct {
	*recorder
	size    int
	useHint bool
	calls   int
	got     chan []byte
}

func (h *hinted) DataReceived(c *Conn, data []byte) int {
	h.calls++
	if c.ReceiveHint() != 0 {
		panic("a hint still set when DataReceived was called") // aborts: the test fails
	}
	if len(data) < 4+h.size {
		if h.useHint {
			c.SetReceiveHint(4 + h.size)
			if c.ReceiveHint() != 4+h.size {
				panic("ReceiveHint does not report the hint set")
			}
		}
		return 0
	}
	h.got <- append([]byte(nil), data[4:4+h.size]...)
	_ = c.Write([]byte("ok"))
	return 4 + h.size
}

// A message arriving in 16 KiB pieces is offered once when the protocol gives a receive
// hint, and once per arrival without it.
func TestReceiveHint(t *testing.T) {
	for _, tc := range []struct {
		name    string
		useHint bool
	}{{"hint", true}, {"no hint", false}} {
		t.Run(tc.name, func(t *testing.T) {
			const size = 1 << 20
			h := &hinted{recorder: newRecorder(nil), size: size, useHint: tc.useHint, got: make(chan []byte, 1)}
			s := startServer(t, Config{Loops: 1, MaxInbound: 2 << 20}, func() Protocol { return h })
			c := dial(t, s)
			body := pattern(size, 9)
			msg := append([]byte("SIZE"), body...)
			for off := 0; off < len(msg); off += 16 << 10 {
				if _, err := c.Write(msg[off:min(off+16<<10, len(msg))]); err != nil {
					t.Fatal(err)
				}
			}
			if got := recv(t, h.got, "the message"); !bytes.Equal(got, body) {
				t.Fatal("message corrupted")
			}
			reply := make([]byte, 2)
			if _, err := io.ReadFull(c, reply); err != nil || string(reply) != "ok" {
				t.Fatalf("reply %q, %v", reply, err)
			}
			var calls int
			onLoop(t, s.Loops()[0], func() { calls = h.calls })
			t.Logf("%d DataReceived calls", calls)
			switch {
			case tc.useHint && calls > 2:
				t.Fatalf("%d DataReceived calls with the hint, want at most 2", calls)
			case !tc.useHint && calls < 8:
				t.Fatalf("%d DataReceived calls without the hint: the pieces were not separate arrivals", calls)
			}
		})
	}
}

// SetMaxInbound overrides Config.MaxInbound per connection, both ways.
func TestSetMaxInbound(t *testing.T) {
	for _, tc := range []struct {
		name     string
		connMax  int
		send     int
		overflow bool
	}{
		{"lower than the server's", 1000, 4000, true},
		{"higher than the server's", 256 << 10, 128 << 10, false},
		{"server's", 0, 128 << 10, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			done := make(chan int, 1)
			r := newRecorder(func(c *Conn, data []byte) int {
				if len(data) < tc.send || tc.overflow {
					return 0 // wait for all of it (or forever)
				}
				done <- len(data)
				return len(data)
			})
			p := &madeHook{recorder: r, made: func(c *Conn) {
				c.SetMaxInbound(tc.connMax)
				if want := cmpOr(tc.connMax, 64<<10); c.MaxInbound() != want {
					t.Errorf("MaxInbound %d, want %d", c.MaxInbound(), want)
				}
			}}
			s := startServer(t, Config{Loops: 1, MaxInbound: 64 << 10}, func() Protocol { return p })
			c := dial(t, s)
			go func() { _, _ = c.Write(make([]byte, tc.send)) }()
			if tc.overflow {
				if err := recv(t, r.lost, "ConnectionLost"); !errors.Is(err, ErrInboundOverflow) {
					t.Fatalf("ConnectionLost %v, want ErrInboundOverflow", err)
				}
				return
			}
			if n := recv(t, done, "the whole input"); n != tc.send {
				t.Fatalf("offered %d, want %d", n, tc.send)
			}
		})
	}
}

func cmpOr(a, b int) int {
	if a != 0 {
		return a
	}
	return b
}

// madeHook runs made in ConnectionMade.
type madeHook struct {
	*recorder
	made func(c *Conn)
}

func (m *madeHook) ConnectionMade(c *Conn) { m.made(c); m.recorder.ConnectionMade(c) }

// Pauses are counted: reading resumes when the last of several pauses is released.
func TestPauseReasonsCounted(t *testing.T) {
	got := make(chan string, 4)
	r := newRecorder(func(c *Conn, data []byte) int {
		got <- string(data)
		return len(data)
	})
	s := startServer(t, Config{Loops: 1}, func() Protocol { return r })
	c := dial(t, s)
	sc := recv(t, r.made, "ConnectionMade")
	l := s.Loops()[0]
	onLoop(t, l, func() { sc.PauseReading(); sc.PauseReading() })
	if _, err := c.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "the byte buffered", func() bool {
		var n int
		onLoop(t, l, func() { n = sc.InboundBuffered() })
		return n == 1
	})
	onLoop(t, l, func() {
		sc.ResumeReading()
		if !sc.ReadingPaused() {
			t.Error("one ResumeReading of two pauses resumed reading")
		}
	})
	onLoop(t, l, func() {}) // a re-offer, had one been queued, runs before this returns
	select {
	case d := <-got:
		t.Fatalf("offered %q with a pause still held", d)
	default:
	}
	onLoop(t, l, func() {
		sc.ResumeReading()
		sc.ResumeReading() // unmatched: does nothing
	})
	if d := recv(t, got, "the re-offer"); d != "x" {
		t.Fatalf("offered %q, want x", d)
	}
	onLoop(t, l, func() {
		if sc.ReadingPaused() {
			t.Error("paused after an unmatched ResumeReading")
		}
	})
}

// ReadDirect reads what follows the offered bytes straight from the socket, in order; a
// DataReceived that then consumes less than it was offered aborts the connection.
func TestReadDirect(t *testing.T) {
	for _, tc := range []struct {
		name   string
		misuse bool
	}{{"consumes all", false}, {"consumes less", true}} {
		t.Run(tc.name, func(t *testing.T) {
			const size = 4 << 20
			var got []byte
			var direct int
			done := make(chan struct{})
			r := newRecorder(func(c *Conn, data []byte) int {
				got = append(got, data...)
				for len(got) < size {
					buf := make([]byte, 64<<10)
					n := c.ReadDirect(buf)
					if n == 0 {
						break
					}
					direct += n
					got = append(got, buf[:n]...)
				}
				if len(got) >= size {
					close(done)
				}
				if tc.misuse && direct > 0 {
					return len(data) - 1
				}
				return len(data)
			})
			s := startServer(t, Config{Loops: 1}, func() Protocol { return r })
			c := dial(t, s)
			want := pattern(size, 3)
			go func() {
				for off := 0; off < size; off += 16 << 10 {
					if _, err := c.Write(want[off : off+16<<10]); err != nil {
						return
					}
				}
			}()
			if tc.misuse {
				if err := recv(t, r.lost, "ConnectionLost"); !errors.Is(err, ErrBadConsumed) {
					t.Fatalf("ConnectionLost %v, want ErrBadConsumed", err)
				}
				return
			}
			recv(t, done, "all the bytes")
			var d int
			onLoop(t, s.Loops()[0], func() { d = direct })
			if !bytes.Equal(got, want) {
				t.Fatalf("got %d bytes, corrupted or out of order", len(got))
			}
			if d == 0 {
				t.Fatal("ReadDirect never read: the test did not exercise it")
			}
			t.Logf("%d of %d bytes read directly", d, size)
		})
	}
}
