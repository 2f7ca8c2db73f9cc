package loop

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// logBuffer collects a server's log lines (text format, attributes included).
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *logBuffer) count(s string) int { return strings.Count(b.String(), s) }

func (b *logBuffer) logger() *slog.Logger { return slog.New(slog.NewTextHandler(b, nil)) }

// panicProto echoes, except for command bytes that make a callback panic:
// 'D' DataReceived itself, 'T' a CallLater function, 'S' a CallSoon function,
// 'M' its Timeout (a deadline 1 ms away), 'E' a RunInExecutor done function,
// 'W' ResumeWriting (after a write that leaves output pending).
type panicProto struct {
	lost      chan error
	madePanic bool
}

func (p *panicProto) ConnectionMade(c *Conn) {
	if p.madePanic {
		panic("made")
	}
}

func (p *panicProto) DataReceived(c *Conn, d []byte) int {
	l := c.Loop()
	for _, b := range d {
		switch b {
		case 'D':
			panic("data")
		case 'T':
			l.CallLater(time.Millisecond, func() { panic("timer") })
		case 'S':
			l.CallSoon(func() { panic("soon") })
		case 'M':
			c.SetDeadline(l.Time() + time.Millisecond)
		case 'E':
			_ = l.RunInExecutor(func() {}, func() { panic("executor done") })
		default:
			_ = c.Write([]byte{b})
		}
	}
	return len(d)
}

func (p *panicProto) Timeout(*Conn) { panic("timeout") }

func (p *panicProto) ConnectionLost(c *Conn, err error) { p.lost <- err }

// expectEcho writes s on c and reads it back.
func expectEcho(t *testing.T, c net.Conn, s string) {
	t.Helper()
	mustWrite(t, c, s)
	got := make([]byte, len(s))
	if _, err := io.ReadFull(c, got); err != nil || string(got) != s {
		t.Fatalf("echo %q: got %q, %v", s, got, err)
	}
}

// expectClosed reads from c until it fails: the server closed it.
func expectClosed(t *testing.T, c net.Conn) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, err := io.Copy(io.Discard, c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("connection still open after %d bytes", n)
	}
}

// A panic in any loop callback is recovered: the process survives, the loop keeps
// serving its other connections, the connection the callback worked for is aborted
// (ConnectionLost gets ErrPanicked), the panic is logged with its stack and counted.
func TestPanicInCallbacks(t *testing.T) {
	cases := []struct {
		name   string
		made   bool                     // ConnectionMade panics
		send   string                   // command written by the victim
		do     func(l *Loop, h *Handle) // or done from the test goroutine
		closed bool                     // the victim is aborted
	}{
		{name: "DataReceived", send: "D", closed: true},
		{name: "CallLater", send: "T", closed: true},
		{name: "CallSoon", send: "S", closed: true},
		{name: "Timeout", send: "M", closed: true},
		{name: "ConnectionMade", made: true, closed: true},
		{name: "Handle.Post", do: func(_ *Loop, h *Handle) {
			if err := h.Post(func(*Conn) { panic("post") }); err != nil {
				t.Error(err)
			}
		}, closed: true},
		{name: "CallSoonThreadsafe", do: func(l *Loop, _ *Handle) {
			if err := l.CallSoonThreadsafe(func() { panic("threadsafe") }); err != nil {
				t.Error(err)
			}
		}},
		{name: "RunInExecutor done", send: "E"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var logs logBuffer
			var madePanic atomic.Bool
			lost := make(chan error, 16)
			made := make(chan *Conn, 16)
			s := startServer(t, Config{Loops: 1, Logger: logs.logger()}, func() Protocol {
				p := &panicProto{lost: lost, madePanic: madePanic.Load()}
				if p.madePanic {
					return p
				}
				return &madeRecorder{panicProto: p, made: made}
			})
			l := s.Loops()[0]
			bystander := dial(t, s)
			expectEcho(t, bystander, "a")
			recv(t, made, "bystander ConnectionMade")

			madePanic.Store(tc.made)
			victim, reset := dialVictim(t, s, tc.made)
			var h *Handle
			if !tc.made {
				expectEcho(t, victim, "v")
				h = recv(t, made, "victim ConnectionMade").Handle()
			}
			if tc.send != "" {
				mustWrite(t, victim, tc.send)
			}
			if tc.do != nil {
				tc.do(l, h)
			}
			waitFor(t, 10*time.Second, "the panic", func() bool { return l.Stats().Panics == 1 })
			if tc.closed {
				if !reset {
					expectClosed(t, victim)
				}
				if err := recv(t, lost, "victim ConnectionLost"); !errors.Is(err, ErrPanicked) {
					t.Fatalf("ConnectionLost(%v), want ErrPanicked", err)
				}
			} else {
				expectEcho(t, victim, "still open")
			}
			expectEcho(t, bystander, "the loop still serves")
			log := logs.String()
			if !strings.Contains(log, "loop: callback panicked") || !strings.Contains(log, "panic_test.go") {
				t.Fatalf("log has no panic report with its stack:\n%s", log)
			}
			t.Logf("panics %d; victim closed %v", l.Stats().Panics, tc.closed)
		})
	}
}

// dialVictim dials s. A connection aborted in ConnectionMade is reset at once; on a
// loaded machine the reset can reach the dialer before its connect completes, which is
// the abort seen early (reset true), not a failure.
func dialVictim(t *testing.T, s *Server, abortedAtOnce bool) (c net.Conn, reset bool) {
	t.Helper()
	if !abortedAtOnce {
		return dial(t, s), false
	}
	c, err := net.DialTimeout(s.Addr().Network(), s.Addr().String(), 5*time.Second)
	if errors.Is(err, syscall.ECONNRESET) {
		return nil, true
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(20 * time.Second))
	return c, false
}

// madeRecorder is panicProto that also reports its Conn when made.
type madeRecorder struct {
	*panicProto
	made chan *Conn
}

func (p *madeRecorder) ConnectionMade(c *Conn) { p.made <- c }

// A panic skips only the function that panicked: the others of its batch (CallSoon
// queue, CallSoonThreadsafe batch, timer pass) still run, in order.
func TestPanicSkipsOnlyThePanickingFunction(t *testing.T) {
	var logs logBuffer
	s := startServer(t, Config{Loops: 1, Logger: logs.logger()}, func() Protocol { return echoProto{} })
	l := s.Loops()[0]
	var mu sync.Mutex
	var ran []string
	note := func(s string) func() {
		return func() { mu.Lock(); ran = append(ran, s); mu.Unlock() }
	}
	boom := func() { panic("boom") }
	check := func(want string, panics int64) {
		t.Helper()
		waitFor(t, 10*time.Second, want, func() bool {
			mu.Lock()
			defer mu.Unlock()
			return strings.Join(ran, ",") == want
		})
		if p := l.Stats().Panics; p != panics {
			t.Fatalf("Panics = %d, want %d", p, panics)
		}
		mu.Lock()
		ran = nil
		mu.Unlock()
	}

	onLoop(t, l, func() {
		l.CallSoon(note("s1"))
		l.CallSoon(boom)
		l.CallSoon(note("s2"))
		l.CallSoon(boom)
		l.CallSoon(note("s3"))
	})
	check("s1,s2,s3", 2)

	block, running := make(chan struct{}), make(chan struct{})
	_ = l.CallSoonThreadsafe(func() { close(running); <-block })
	<-running
	for _, fn := range []func(){note("t1"), boom, note("t2"), boom, boom, note("t3")} {
		if err := l.CallSoonThreadsafe(fn); err != nil {
			t.Fatal(err)
		}
	}
	close(block)
	check("t1,t2,t3", 5)

	onLoop(t, l, func() {
		at := l.Time() + 2*time.Millisecond
		l.CallAt(at, note("c1"))
		l.CallAt(at, boom)
		l.CallAt(at+time.Millisecond, note("c2"))
		l.CallAt(at+time.Millisecond, boom)
		l.CallAt(at+2*time.Millisecond, note("c3"))
	})
	check("c1,c2,c3", 7)

	c := dial(t, s)
	expectEcho(t, c, "alive")
	if n := logs.count("loop: callback panicked"); n != 7 {
		t.Fatalf("%d panic reports, want 7", n)
	}
}

// recoverProto echoes and recovers some panics of its DataReceived itself
// (DataRecoverer): 'P' panics and is answered "r" by DataPanicked, which resumes
// after it; 'X' panics and is not handled; 'Q' panics and DataPanicked panics too.
type recoverProto struct {
	lost chan error
	at   int // the offset DataPanicked resumes at; -1: not handled, -2: panic there
}

func (p *recoverProto) ConnectionMade(*Conn) {}

func (p *recoverProto) DataReceived(c *Conn, d []byte) int {
	for i, b := range d {
		switch b {
		case 'P':
			p.at = i + 1
			panic("handled")
		case 'X':
			p.at = -1
			panic("unhandled")
		case 'Q':
			p.at = -2
			panic("in recovery")
		}
		_ = c.Write([]byte{b})
	}
	return len(d)
}

func (p *recoverProto) DataPanicked(c *Conn, v any) (int, bool) {
	switch {
	case p.at == -2:
		panic("DataPanicked")
	case p.at < 0 || v != "handled":
		return 0, false
	}
	_ = c.Write([]byte("r"))
	return p.at, true
}

func (p *recoverProto) ConnectionLost(c *Conn, err error) { p.lost <- err }

// A DataRecoverer's DataPanicked handles a panic of its DataReceived through the loop's
// recover: the rest of the input is offered in order, nothing is counted or logged and
// the connection stays open; a panic it does not handle, or one of DataPanicked itself,
// aborts the connection as any callback's panic does.
func TestDataRecoverer(t *testing.T) {
	cases := []struct {
		name, send, want string
		panics           int64
	}{
		{name: "handled, rest served", send: "aPb", want: "arb"},
		{name: "two in a batch", send: "PPc", want: "rrc"},
		{name: "not handled", send: "aXb", want: "a", panics: 1},
		{name: "DataPanicked panics", send: "aQb", want: "a", panics: 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var logs logBuffer
			lost := make(chan error, 1)
			s := startServer(t, Config{Loops: 1, Logger: logs.logger()}, func() Protocol {
				return &recoverProto{lost: lost}
			})
			c := dial(t, s)
			mustWrite(t, c, tc.send)
			got := make([]byte, len(tc.want))
			if _, err := io.ReadFull(c, got); err != nil || string(got) != tc.want {
				t.Fatalf("read %q, %v; want %q", got, err, tc.want)
			}
			if tc.panics == 0 {
				expectEcho(t, c, "still open")
				if p := s.Loops()[0].Stats().Panics; p != 0 || logs.count("panicked") != 0 {
					t.Fatalf("Panics = %d, log:\n%s", p, logs.String())
				}
				return
			}
			expectClosed(t, c)
			if err := recv(t, lost, "ConnectionLost"); !errors.Is(err, ErrPanicked) {
				t.Fatalf("ConnectionLost(%v), want ErrPanicked", err)
			}
			if p := s.Loops()[0].Stats().Panics; p != tc.panics {
				t.Fatalf("Panics = %d, want %d", p, tc.panics)
			}
			if !strings.Contains(logs.String(), "panic_test.go") {
				t.Fatalf("log has no panic report with its stack:\n%s", logs.String())
			}
		})
	}
}
