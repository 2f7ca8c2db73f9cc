package loop

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
	"time"
)

// socketPair returns both ends of a connected AF_UNIX stream socketpair as net.Conns.
func socketPair(t testing.TB) (a, b net.Conn) {
	t.Helper()
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	conns := make([]net.Conn, 2)
	for i, fd := range fds {
		f := os.NewFile(uintptr(fd), "socketpair")
		c, err := net.FileConn(f) // dups fd
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		conns[i] = c
	}
	t.Cleanup(func() { conns[0].Close(); conns[1].Close() })
	return conns[0], conns[1]
}

// startBare starts a server with no listener (cfg.Addr empty) and stops it at the end
// of the test.
func startBare(t testing.TB, cfg Config, f Factory) *Server {
	t.Helper()
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

func echoOver(t *testing.T, c net.Conn, msg string) {
	t.Helper()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, msg); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(c, got); err != nil || string(got) != msg {
		t.Fatalf("echo: got %q, %v; want %q", got, err, msg)
	}
}

func TestServeConnNoListener(t *testing.T) {
	s, err := New(Config{Loops: 2}, func() Protocol { return echoProto{} })
	if err != nil {
		t.Fatal(err)
	}
	_, theirs := socketPair(t)
	if err := s.ServeConn(theirs); !errors.Is(err, ErrNotStarted) {
		t.Fatalf("ServeConn before Start: %v, want ErrNotStarted", err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	if s.Addr() != nil {
		t.Fatalf("Addr without a listener: %v, want nil", s.Addr())
	}
	clients := make([]net.Conn, 3)
	for i := range clients {
		ours, theirs := socketPair(t)
		if err := s.ServeConn(theirs); err != nil {
			t.Fatalf("ServeConn: %v", err)
		}
		echoOver(t, ours, "ping "+string(rune('a'+i)))
		clients[i] = ours
	}
	waitFor(t, 5*time.Second, "3 conns", func() bool { return s.NumConns() == 3 })

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Drain(ctx); err != nil {
		t.Fatalf("Drain: %v", err)
	}
	for _, c := range clients {
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		if n, err := c.Read(make([]byte, 1)); err == nil {
			t.Fatalf("read %d bytes after Drain; want the connection closed", n)
		}
	}
	_, theirs = socketPair(t)
	if err := s.ServeConn(theirs); !errors.Is(err, ErrStopped) {
		t.Fatalf("ServeConn after Drain: %v, want ErrStopped", err)
	}
}

func TestServeConnRefuses(t *testing.T) {
	echo := func() Protocol { return echoProto{} }
	pipe := func(t *testing.T) net.Conn {
		a, b := net.Pipe()
		t.Cleanup(func() { a.Close(); b.Close() })
		return a
	}
	unixgram := func(t *testing.T) net.Conn {
		fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_DGRAM|syscall.SOCK_CLOEXEC, 0)
		if err != nil {
			t.Fatal(err)
		}
		syscall.Close(fds[1])
		f := os.NewFile(uintptr(fds[0]), "dgram")
		defer f.Close()
		c, err := net.FileConn(f)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	pair := func(t *testing.T) net.Conn { _, b := socketPair(t); return b }
	for _, tc := range []struct {
		name string
		cfg  Config
		conn func(*testing.T) net.Conn
		want error
	}{
		{"no descriptor", Config{}, pipe, errServeConnKind},
		{"datagram", Config{}, unixgram, errServeConnKind},
		{"reuseport", Config{ReusePort: true, Addr: "127.0.0.1:0"}, pair, errServeConnReusePort},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := startServer
			if tc.cfg.Addr == "" {
				start = startBare
			}
			s := start(t, tc.cfg, echo)
			c := tc.conn(t)
			if err := s.ServeConn(c); !errors.Is(err, tc.want) {
				t.Fatalf("ServeConn: %v, want %v", err, tc.want)
			}
			if _, err := c.Write([]byte("x")); err == nil {
				t.Fatal("nc still open after a refused ServeConn")
			}
		})
	}
	for _, cfg := range []Config{
		{ReusePort: true},
		{ProxyProtocol: ProxyOptional},
	} {
		if _, err := New(cfg, echo); err == nil {
			t.Errorf("New(%+v) accepted a contradictory config", cfg)
		}
	}
}

func TestServeConnDraining(t *testing.T) {
	// A connection that never closes keeps Drain waiting, so ServeConn meets a draining server.
	hold := newRecorder(func(c *Conn, d []byte) int { return len(d) })
	s := startBare(t, Config{}, func() Protocol { return &noDrain{hold} })
	ours, theirs := socketPair(t)
	if err := s.ServeConn(theirs); err != nil {
		t.Fatal(err)
	}
	recv(t, hold.made, "ConnectionMade")
	ctx, cancel := context.WithCancel(context.Background())
	drained := make(chan error, 1)
	go func() { drained <- s.Drain(ctx) }()
	waitFor(t, 5*time.Second, "Draining", s.Draining)
	_, theirs2 := socketPair(t)
	if err := s.ServeConn(theirs2); !errors.Is(err, ErrDraining) {
		t.Fatalf("ServeConn while draining: %v, want ErrDraining", err)
	}
	cancel()
	if err := recv(t, drained, "Drain"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Drain: %v, want context.Canceled", err)
	}
	_ = ours
}

// noDrain is a recorder whose connections ignore Drain (it implements Drainer).
type noDrain struct{ *recorder }

func (noDrain) Drain(*Conn) {}

func TestServeConnMaxConns(t *testing.T) {
	s := startBare(t, Config{MaxConns: 1}, func() Protocol { return echoProto{} })
	first, theirs := socketPair(t)
	if err := s.ServeConn(theirs); err != nil {
		t.Fatal(err)
	}
	echoOver(t, first, "one")
	second, theirs2 := socketPair(t)
	served := make(chan error, 1)
	go func() { served <- s.ServeConn(theirs2) }()
	select {
	case err := <-served:
		t.Fatalf("ServeConn at MaxConns returned %v before a slot was free", err)
	case <-time.After(50 * time.Millisecond): // checks it waits; the release below is what it waits on
	}
	first.Close()
	if err := recv(t, served, "ServeConn after a slot freed"); err != nil {
		t.Fatal(err)
	}
	echoOver(t, second, "two")
}
