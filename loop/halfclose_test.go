package loop

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"
)

// halfCloser writes a large output when asked, more again from a timer once the peer's
// input ended, then closes.
type halfCloser struct {
	first, second []byte
	ended         chan struct{}
	lost          chan error
}

func (h *halfCloser) ConnectionMade(*Conn) {}
func (h *halfCloser) DataReceived(c *Conn, data []byte) int {
	if bytes.IndexByte(data, '\n') < 0 {
		return 0
	}
	_ = c.Write(h.first)
	return len(data)
}
func (h *halfCloser) EOFReceived(c *Conn) {
	close(h.ended)
	c.Loop().CallLater(30*time.Millisecond, func() {
		if err := c.Write(h.second); err != nil {
			h.lost <- err
			return
		}
		_ = c.Close()
	})
}
func (h *halfCloser) ConnectionLost(_ *Conn, err error) { h.lost <- err }

func pattern(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = seed + byte(i%251)
	}
	return b
}

// goThenHalfClose dials s with a small receive buffer (the kernel holds little: most
// output waits in the loop), sends "go\n", half-closes and gives the reads 15 s.
func goThenHalfClose(t *testing.T, s *Server) *net.TCPConn {
	t.Helper()
	c := dial(t, s).(*net.TCPConn)
	_ = c.SetReadBuffer(32 << 10)
	if _, err := c.Write([]byte("go\n")); err != nil {
		t.Fatal(err)
	}
	if err := c.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(15 * time.Second))
	return c
}

// A peer that half-closes after its request and keeps reading gets every byte written
// before and after its EOF (gnet alone closes at EOF and cuts what the kernel did not take),
// EOFReceived runs, and ConnectionLost follows once the protocol closed.
func TestHalfClosedPeerGetsAllOutput(t *testing.T) {
	h := &halfCloser{
		first:  pattern(8<<20, 1),
		second: pattern(2<<20, 7),
		ended:  make(chan struct{}),
		lost:   make(chan error, 2),
	}
	s := startServer(t, Config{Loops: 1}, func() Protocol { return h })
	c := goThenHalfClose(t, s)
	got, err := io.ReadAll(c)
	want := append(append([]byte(nil), h.first...), h.second...)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("got %d bytes (equal %v, err %v), want %d", len(got), bytes.Equal(got, want), err, len(want))
	}
	select {
	case <-h.ended:
	default:
		t.Fatal("EOFReceived did not run")
	}
	if err := recv(t, h.lost, "ConnectionLost"); err != nil {
		t.Fatalf("ConnectionLost: %v", err)
	}
	waitFor(t, 5*time.Second, "NumConns 0", func() bool { return s.NumConns() == 0 })
}

// A protocol without EOFReceived that closes with output still queued (a flushing close)
// delivers all of it though the peer half-closes meanwhile.
func TestHalfClosedPeerGetsFlushOnClose(t *testing.T) {
	out := pattern(8<<20, 3)
	r := newRecorder(func(c *Conn, data []byte) int {
		_ = c.Write(out)
		_ = c.Close()
		return len(data)
	})
	s := startServer(t, Config{Loops: 1}, func() Protocol { return r })
	c := goThenHalfClose(t, s)
	got, err := io.ReadAll(c)
	if err != nil || !bytes.Equal(got, out) {
		t.Fatalf("got %d bytes (equal %v, err %v), want %d", len(got), bytes.Equal(got, out), err, len(out))
	}
	if err := recv(t, r.lost, "ConnectionLost"); err != nil {
		t.Fatalf("ConnectionLost: %v", err)
	}
	waitFor(t, 5*time.Second, "NumConns 0", func() bool { return s.NumConns() == 0 })
}

// silentEnder keeps a half-closed connection open and does nothing more.
type silentEnder struct{ *recorder }

func (silentEnder) EOFReceived(*Conn) {}

// A connection kept past the peer's EOF counts in NumConns until it closes, and Stop
// closes it (ConnectionLost gets ErrStopped; the peer sees EOF).
func TestHalfClosedConnClosedByStop(t *testing.T) {
	r := newRecorder(nil)
	s, err := New(Config{Addr: "127.0.0.1:0", Loops: 1}, func() Protocol { return silentEnder{r} })
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	c := dial(t, s).(*net.TCPConn)
	sc := recv(t, r.made, "ConnectionMade")
	if err := c.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "the EOF seen", func() bool {
		var kept bool
		onLoop(t, s.Loops()[0], func() { kept = sc.flags&fDetached != 0 })
		return kept
	})
	if n := s.NumConns(); n != 1 {
		t.Fatalf("NumConns %d after the peer's EOF, want 1 (kept open)", n)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if err := recv(t, r.lost, "ConnectionLost"); !errors.Is(err, ErrStopped) {
		t.Fatalf("ConnectionLost: %v, want ErrStopped", err)
	}
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, err := c.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Fatalf("read after Stop: %d, %v; want EOF", n, err)
	}
}

// closingFlushes are the ways a connection ends with output queued: Close, Shutdown,
// and the peer's EOF (which closes a protocol without EOFReceived). The flush that
// follows is bounded by WriteTimeout without progress, as any write is.
var closingFlushes = []struct {
	name string
	end  func(c *Conn) // nil: the client half-closes after its request
}{
	{"Close", func(c *Conn) { _ = c.Close() }},
	{"Shutdown", func(c *Conn) { _ = c.Shutdown() }},
	{"peer EOF", nil},
}

// closingServer serves one closing flush of out: at the client's request it writes
// out and ends as end says. Its send buffer is small, so most of out waits in the
// loop's queue rather than in the kernel. It returns the server's side of the
// connection, the time of the write and the client.
func closingServer(t *testing.T, cfg Config, out []byte, end func(*Conn)) (*recorder, *Conn, time.Time, *net.TCPConn) {
	t.Helper()
	wrote := make(chan time.Time, 1)
	r := newRecorder(func(c *Conn, data []byte) int {
		_ = c.Write(out)
		wrote <- time.Now()
		if end != nil {
			end(c)
		}
		return len(data)
	})
	cfg.Loops = 1
	cfg.SocketSendBuffer = 64 << 10
	s := startServer(t, cfg, func() Protocol { return r })
	c := dial(t, s).(*net.TCPConn)
	_ = c.SetReadBuffer(32 << 10)
	sc := recv(t, r.made, "ConnectionMade")
	if _, err := c.Write([]byte("go\n")); err != nil {
		t.Fatal(err)
	}
	at := recv(t, wrote, "the write")
	if end == nil {
		if err := c.CloseWrite(); err != nil {
			t.Fatal(err)
		}
	}
	return r, sc, at, c
}

// closingQueued reports whether sc is closing with output still in its queue.
func closingQueued(t *testing.T, sc *Conn) bool {
	t.Helper()
	var ok bool
	onLoop(t, sc.Loop(), func() { ok = sc.flags&(fClosing|fShutdown) != 0 && sc.OutboundBuffered() > 0 })
	return ok
}

// A peer that pauses in the middle of a closing flush, longer than CloseLinger but less
// than WriteTimeout (TCP's retransmit backoff, a paused reader), gets every byte: the
// flush is bounded as any write, CloseLinger only bounds the wait for the peer's EOF
// once all is sent. (It used to be cut after CloseLinger without progress.)
func TestClosingFlushSurvivesPause(t *testing.T) {
	const linger = 200 * time.Millisecond
	for _, tc := range closingFlushes {
		t.Run(tc.name, func(t *testing.T) {
			out := pattern(8<<20, 9)
			r, sc, _, c := closingServer(t, Config{CloseLinger: linger, WriteTimeout: 20 * time.Second}, out, tc.end)
			got := make([]byte, 1<<20)
			if _, err := io.ReadFull(c, got); err != nil {
				t.Fatal(err)
			}
			waitFor(t, 5*time.Second, "the closing flush", func() bool { return closingQueued(t, sc) })
			time.Sleep(4 * linger) // the client's pause (what is tested, not synchronisation)
			var open bool
			onLoop(t, sc.Loop(), func() { open = sc.flags&fClosed == 0 })
			if open && !closingQueued(t, sc) {
				t.Fatal("the flush ended during the pause: the test proves nothing")
			}
			rest, err := io.ReadAll(c)
			got = append(got, rest...)
			if err != nil || !bytes.Equal(got, out) {
				t.Fatalf("got %d of %d bytes (equal %v), err %v", len(got), len(out), bytes.Equal(got, out), err)
			}
			_ = c.CloseWrite() // Shutdown waits for our EOF
			if err := recv(t, r.lost, "ConnectionLost"); err != nil {
				t.Fatalf("ConnectionLost: %v, want nil", err)
			}
		})
	}
}

// A peer that never reads is still cut: a closing flush without progress for
// WriteTimeout (not CloseLinger) aborts the connection with ErrLinger.
func TestClosingFlushStalledCutAfterWriteTimeout(t *testing.T) {
	const linger, wt = 100 * time.Millisecond, time.Second
	for _, tc := range closingFlushes {
		t.Run(tc.name, func(t *testing.T) {
			r, sc, wrote, _ := closingServer(t, Config{CloseLinger: linger, WriteTimeout: wt}, pattern(8<<20, 11), tc.end)
			waitFor(t, 5*time.Second, "the closing flush", func() bool { return closingQueued(t, sc) })
			err := recv(t, r.lost, "ConnectionLost")
			took := time.Since(wrote)
			if !errors.Is(err, ErrLinger) {
				t.Fatalf("ConnectionLost: %v, want ErrLinger", err)
			}
			if took < wt-10*time.Millisecond {
				t.Fatalf("cut %v after the write, before WriteTimeout (%v)", took, wt)
			}
		})
	}
}

// Once Shutdown's output is all sent, the wait for the peer's EOF (the lingering close)
// ends after CloseLinger: a peer that reads everything but never closes is closed then.
func TestShutdownLingerBounded(t *testing.T) {
	const linger = 200 * time.Millisecond
	shut := make(chan time.Time, 1)
	r := newRecorder(func(c *Conn, data []byte) int {
		_ = c.Write([]byte("bye"))
		_ = c.Shutdown()
		shut <- time.Now()
		return len(data)
	})
	s := startServer(t, Config{Loops: 1, CloseLinger: linger}, func() Protocol { return r })
	c := dial(t, s)
	if _, err := c.Write([]byte("go\n")); err != nil {
		t.Fatal(err)
	}
	if got, err := io.ReadAll(c); err != nil || string(got) != "bye" {
		t.Fatalf("got %q, %v; want bye then EOF", got, err)
	}
	at := recv(t, shut, "Shutdown")
	if err := recv(t, r.lost, "ConnectionLost"); err != nil {
		t.Fatalf("ConnectionLost: %v, want nil", err)
	}
	if took := time.Since(at); took < linger-10*time.Millisecond {
		t.Fatalf("closed %v after Shutdown, before CloseLinger (%v): the peer did not close", took, linger)
	}
}
