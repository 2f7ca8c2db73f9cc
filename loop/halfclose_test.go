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

// A closing connection whose peer keeps reading, more slowly than CloseLinger allows for
// the whole output, is not cut: CloseLinger bounds a close that makes no progress.
func TestCloseLingerCountsFromProgress(t *testing.T) {
	out := pattern(8<<20, 5)
	r := newRecorder(func(c *Conn, data []byte) int {
		_ = c.Write(out)
		_ = c.Close()
		return len(data)
	})
	s := startServer(t, Config{Loops: 1, CloseLinger: 500 * time.Millisecond}, func() Protocol { return r })
	c := goThenHalfClose(t, s)
	got := make([]byte, 0, len(out))
	buf := make([]byte, 64<<10)
	start := time.Now()
	for {
		n, err := c.Read(buf)
		got = append(got, buf[:n]...)
		if err != nil {
			break
		}
		time.Sleep(5 * time.Millisecond) // a slow reader: the whole takes longer than CloseLinger (at least 256 reads of the 32 KiB receive buffer)
	}
	took := time.Since(start)
	if !bytes.Equal(got, out) {
		t.Fatalf("got %d of %d bytes in %v", len(got), len(out), took)
	}
	if took < 500*time.Millisecond {
		t.Logf("the reader was faster than CloseLinger (%v): the test proves nothing this run", took)
	}
	if err := recv(t, r.lost, "ConnectionLost"); err != nil {
		t.Fatalf("ConnectionLost: %v", err)
	}
}
