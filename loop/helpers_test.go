package loop

import (
	"context"
	"net"
	"testing"
	"time"
)

// echoProto writes back everything it receives.
type echoProto struct{}

func (echoProto) ConnectionMade(*Conn) {}
func (echoProto) DataReceived(c *Conn, data []byte) int {
	_ = c.Write(data)
	return len(data)
}
func (echoProto) ConnectionLost(*Conn, error) {}

// startServer starts a server on 127.0.0.1:0 and stops it at the end of the test.
func startServer(t testing.TB, cfg Config, f Factory) *Server {
	t.Helper()
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	if cfg.Loops == 0 {
		cfg.Loops = 2
	}
	s, err := New(cfg, f)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Stop(ctx); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	return s
}

func dial(t testing.TB, s *Server) net.Conn {
	t.Helper()
	c, err := net.DialTimeout(s.Addr().Network(), s.Addr().String(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(20 * time.Second))
	return c
}

// progressReader reads c with a deadline on each read rather than on the
// whole exchange: it fails after d without a byte, however long a large
// exchange takes on a loaded machine.
type progressReader struct {
	c net.Conn
	d time.Duration
}

func (p progressReader) Read(b []byte) (int, error) {
	_ = p.c.SetReadDeadline(time.Now().Add(p.d))
	return p.c.Read(b)
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond) // polling interval, not synchronisation
	}
}

// onLoop runs fn on l and waits for it.
func onLoop(t testing.TB, l *Loop, fn func()) {
	t.Helper()
	done := make(chan struct{})
	if err := l.CallSoonThreadsafe(func() { fn(); close(done) }); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("loop did not run the function")
	}
}

// recorder is a protocol whose callbacks are configurable and whose events are recorded.
type recorder struct {
	made   chan *Conn
	lost   chan error
	onData func(c *Conn, data []byte) int
}

func newRecorder(onData func(c *Conn, data []byte) int) *recorder {
	return &recorder{made: make(chan *Conn, 16), lost: make(chan error, 16), onData: onData}
}

func (r *recorder) ConnectionMade(c *Conn) { r.made <- c }
func (r *recorder) DataReceived(c *Conn, d []byte) int {
	if r.onData == nil {
		return len(d)
	}
	return r.onData(c, d)
}
func (r *recorder) ConnectionLost(c *Conn, err error) { r.lost <- err }

func recv[T any](t testing.TB, ch chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
		var zero T
		return zero
	}
}
