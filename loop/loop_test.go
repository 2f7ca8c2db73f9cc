package loop

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestTimers(t *testing.T) {
	s := startServer(t, Config{Loops: 1}, func() Protocol { return echoProto{} })
	l := s.Loops()[0]
	fired := make(chan string, 8)
	var cancelled *Timer
	onLoop(t, l, func() {
		start := l.Time()
		l.CallLater(30*time.Millisecond, func() { fired <- "later" })
		l.CallAt(start+10*time.Millisecond, func() { fired <- "at" })
		cancelled = l.CallLater(20*time.Millisecond, func() { fired <- "cancelled" })
		l.CallSoon(func() { fired <- "soon" })
	})
	onLoop(t, l, func() { cancelled.Cancel() })
	for _, want := range []string{"soon", "at", "later"} {
		if got := recv(t, fired, want); got != want {
			t.Fatalf("fired %q, want %q", got, want)
		}
	}
	select {
	case got := <-fired:
		t.Fatalf("unexpected %q", got)
	default:
	}
	if st := l.Stats(); st.TimersFired < 2 {
		t.Fatalf("stats: %+v", st)
	}
	// Second follows the wall clock and changes when its second does.
	before := time.Now().Unix()
	var first int64
	onLoop(t, l, func() { first = l.Second() })
	if after := time.Now().Unix(); first < before-1 || first > after {
		t.Fatalf("Second %d, wall clock %d..%d", first, before, after)
	}
	deadline := time.Now().Add(10 * time.Second)
	for l.Second() == first {
		if time.Now().After(deadline) {
			t.Fatalf("Second stuck at %d", first)
		}
		time.Sleep(time.Millisecond)
	}
	if sec := l.Second(); sec <= first || sec > time.Now().Unix() {
		t.Fatalf("Second went from %d to %d, wall clock %d", first, sec, time.Now().Unix())
	}
}

// One wake-up per batch of CallSoonThreadsafe calls, in order.
func TestCallSoonThreadsafeBatched(t *testing.T) {
	s := startServer(t, Config{Loops: 1}, func() Protocol { return echoProto{} })
	l := s.Loops()[0]
	block, running := make(chan struct{}), make(chan struct{})
	w0 := l.Stats().Wakeups
	_ = l.CallSoonThreadsafe(func() { close(running); <-block })
	<-running
	var got []int
	done := make(chan struct{})
	for i := range 1000 {
		if err := l.CallSoonThreadsafe(func() {
			got = append(got, i)
			if i == 999 {
				close(done)
			}
		}); err != nil {
			t.Fatal(err)
		}
	}
	close(block)
	recv(t, done, "batch")
	for i, v := range got {
		if v != i {
			t.Fatalf("order: got[%d]=%d", i, v)
		}
	}
	if w := l.Stats().Wakeups - w0; w > 2 {
		t.Fatalf("%d wake-ups for 1001 calls, want <= 2", w)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = s.Stop(ctx)
	if err := l.CallSoonThreadsafe(func() {}); !errors.Is(err, ErrStopped) {
		t.Fatalf("after stop: %v", err)
	}
}

func TestExecutor(t *testing.T) {
	s := startServer(t, Config{Loops: 1, PoolWorkers: 1, PoolQueue: 1}, func() Protocol { return echoProto{} })
	l := s.Loops()[0]
	release := make(chan struct{})
	started := make(chan struct{})
	results := make(chan int, 4)
	var n int // loop-owned
	if err := l.RunInExecutor(func() { close(started); <-release }, func() { n++; results <- n }); err != nil {
		t.Fatal(err)
	}
	<-started
	if err := l.RunInExecutor(func() {}, func() { n++; results <- n }); err != nil {
		t.Fatal(err)
	}
	if err := l.RunInExecutor(func() {}, nil); !errors.Is(err, ErrExecutorFull) {
		t.Fatalf("third job: %v, want ErrExecutorFull", err)
	}
	close(release)
	if a, b := recv(t, results, "done 1"), recv(t, results, "done 2"); a != 1 || b != 2 {
		t.Fatalf("done results %d %d", a, b)
	}
	// A panicking job is logged and its done still runs.
	if err := l.RunInExecutor(func() { panic("boom") }, func() { results <- -1 }); err != nil {
		t.Fatal(err)
	}
	if v := recv(t, results, "done after panic"); v != -1 {
		t.Fatal(v)
	}
}

func TestDeadline(t *testing.T) {
	timeouts := make(chan struct{}, 1)
	for _, tc := range []struct {
		name     string
		handle   bool
		wantLost error
	}{
		{"abort", false, ErrTimeout},
		{"timeouter", true, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lost := make(chan error, 1)
			s := startServer(t, Config{Loops: 1}, func() Protocol {
				p := &deadlineProto{lost: lost}
				if tc.handle {
					return &timeoutProto{deadlineProto: p, fired: timeouts}
				}
				return p
			})
			c := dial(t, s)
			if tc.handle {
				recv(t, timeouts, "Timeout")
			}
			if err := recv(t, lost, "lost"); !errors.Is(err, tc.wantLost) {
				t.Fatalf("lost %v, want %v", err, tc.wantLost)
			}
			_, _ = io.ReadAll(c)
		})
	}
}

type deadlineProto struct{ lost chan error }

func (p *deadlineProto) ConnectionMade(c *Conn) {
	// Moved later twice: the heap entry is re-armed lazily.
	c.SetDeadline(c.Loop().Time() + 20*time.Millisecond)
	c.SetDeadline(c.Loop().Time() + 40*time.Millisecond)
}
func (p *deadlineProto) DataReceived(c *Conn, d []byte) int { return len(d) }
func (p *deadlineProto) ConnectionLost(c *Conn, err error)  { p.lost <- err }

type timeoutProto struct {
	*deadlineProto
	fired chan struct{}
}

func (p *timeoutProto) Timeout(c *Conn) { p.fired <- struct{}{}; _ = c.Close() }

func TestWriteStallAndFlow(t *testing.T) {
	events := make(chan string, 8)
	s := startServer(t, Config{Loops: 1, WriteTimeout: 200 * time.Millisecond}, func() Protocol {
		return &flowProto{events: events}
	})
	c := dial(t, s)
	if ev := recv(t, events, "pause"); ev != "pause" {
		t.Fatal(ev)
	}
	// The client never reads: the write stalls and the connection is aborted.
	if ev := recv(t, events, "lost"); ev != "lost: "+ErrWriteStall.Error() {
		t.Fatal(ev)
	}
	c.Close()

	// A reading client drains the output: ResumeWriting. This server has the
	// default stall limit, so a reader that starts late on a loaded machine
	// still counts as progress rather than a stall.
	s2 := startServer(t, Config{Loops: 1}, func() Protocol {
		return &flowProto{events: events}
	})
	c2 := dial(t, s2)
	if ev := recv(t, events, "pause"); ev != "pause" {
		t.Fatal(ev)
	}
	go io.Copy(io.Discard, c2)
	if ev := recv(t, events, "resume"); ev != "resume" {
		t.Fatal(ev)
	}
}

type flowProto struct{ events chan string }

func (p *flowProto) ConnectionMade(c *Conn)             { _ = c.Write(make([]byte, 32<<20)) }
func (p *flowProto) DataReceived(c *Conn, d []byte) int { return len(d) }
func (p *flowProto) ConnectionLost(c *Conn, err error) {
	if err != nil {
		p.events <- "lost: " + err.Error()
	}
}
func (p *flowProto) PauseWriting(*Conn)  { p.events <- "pause" }
func (p *flowProto) ResumeWriting(*Conn) { p.events <- "resume" }

func TestInboundOverflow(t *testing.T) {
	lost := make(chan error, 1)
	s := startServer(t, Config{Loops: 1, MaxInbound: 64 << 10}, func() Protocol {
		return &funcProto{data: func(*Conn, []byte) int { return 0 }, lost: func(_ *Conn, err error) { lost <- err }}
	})
	c := dial(t, s)
	go c.Write(make([]byte, 1<<20))
	if err := recv(t, lost, "lost"); !errors.Is(err, ErrInboundOverflow) {
		t.Fatalf("lost %v", err)
	}
}

func TestMaxConns(t *testing.T) {
	var made atomic.Int32
	s := startServer(t, Config{MaxConns: 2}, func() Protocol {
		return &funcProto{made: func(*Conn) { made.Add(1) }}
	})
	a := dial(t, s)
	dial(t, s)
	waitFor(t, 5*time.Second, "2 conns", func() bool { return made.Load() == 2 })
	c := dial(t, s) // queued in the kernel's backlog, not accepted
	onLoop(t, s.Loops()[0], func() {})
	if made.Load() != 2 || s.NumConns() != 2 {
		t.Fatalf("accepted past MaxConns: made %d", made.Load())
	}
	a.Close()
	waitFor(t, 5*time.Second, "third conn accepted after a close", func() bool { return made.Load() == 3 })
	_ = c
}

func TestDial(t *testing.T) {
	up, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer up.Close()
	go func() {
		for {
			c, err := up.Accept()
			if err != nil {
				return
			}
			go io.Copy(c, c)
		}
	}()
	s := startServer(t, Config{}, func() Protocol { return echoProto{} })
	got := make(chan string, 4)
	rec := &funcProto{data: func(_ *Conn, d []byte) int { got <- string(d); return len(d) }}
	l := s.Loops()[1]
	h, err := s.Dial(context.Background(), "tcp", up.Addr().String(), l, rec)
	if err != nil {
		t.Fatal(err)
	}
	if h.Loop() != l {
		t.Fatal("dialed conn not on the chosen loop")
	}
	if err := h.Post(func(c *Conn) { _ = c.Write([]byte("via handle")) }); err != nil {
		t.Fatal(err)
	}
	if v := recv(t, got, "echo"); v != "via handle" {
		t.Fatal(v)
	}
	// Loop.Dial: async, callback on the loop.
	cbErr := make(chan error, 2)
	onLoop(t, l, func() {
		l.Dial("tcp", up.Addr().String(), time.Second, rec, func(c *Conn, err error) {
			if err == nil && c.Loop() != l {
				err = errors.New("wrong loop")
			}
			if err == nil {
				err = c.Write([]byte("from loop"))
			}
			cbErr <- err
		})
		l.Dial("tcp", "127.0.0.1:1", time.Second, rec, func(c *Conn, err error) {
			if err == nil {
				err = errors.New("dial to a closed port succeeded")
			} else {
				err = nil
			}
			cbErr <- err
		})
	})
	for range 2 {
		if err := recv(t, cbErr, "dial callback"); err != nil {
			t.Fatal(err)
		}
	}
	if v := recv(t, got, "echo"); v != "from loop" {
		t.Fatal(v)
	}
}

func TestWatchdog(t *testing.T) {
	var mu sync.Mutex
	var logs []string
	h := &captureHandler{fn: func(msg string) { mu.Lock(); logs = append(logs, msg); mu.Unlock() }}
	s := startServer(t, Config{Loops: 1, SlowCallback: 20 * time.Millisecond, Logger: slog.New(h)}, func() Protocol {
		return &funcProto{data: func(c *Conn, d []byte) int {
			c.Loop().Annotate("busy")
			for t0 := time.Now(); time.Since(t0) < 60*time.Millisecond; {
			}
			_ = c.Write(d)
			return len(d)
		}}
	})
	c := dial(t, s)
	mustWrite(t, c, "x")
	_, _ = c.Read(make([]byte, 1))
	waitFor(t, 5*time.Second, "slow callback report", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return strings.Contains(strings.Join(logs, "|"), "loop: slow callback")
	})
	if st := s.Loops()[0].Stats(); st.Slow < 1 {
		t.Fatalf("stats: %+v", st)
	}
}

type captureHandler struct{ fn func(string) }

func (h *captureHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *captureHandler) Handle(_ context.Context, r slog.Record) error {
	h.fn(r.Message)
	return nil
}
func (h *captureHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *captureHandler) WithGroup(string) slog.Handler      { return h }
