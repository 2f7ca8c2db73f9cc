package loop

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"
)

// Regression tests for the gnet v2.9.7 behaviours ("traps") that lose or misroute data,
// numbered: 2, bytes from Peek/Next are overwritten by the next read once the callback
// returns; 3, a write after OnClose can reach another client (fd numbers are reused);
// 4, gnet is level-triggered, so bytes left unconsumed do not fire OnTraffic again;
// 5, Engine.Stop does not drain, it closes every connection at once; 6, closing with
// unsent output truncates it. Each test fails if the guard it names is removed.

// Trap 3: a write to a closed conn must not reach the client that reuses its fd.
func TestTrapStaleFdWriteGuard(t *testing.T) {
	made := make(chan *Conn, 4)
	lost := make(chan struct{}, 4)
	s := startServer(t, Config{Loops: 1}, func() Protocol {
		return &funcProto{made: func(c *Conn) { made <- c }, lost: func(*Conn, error) { lost <- struct{}{} }}
	})
	a := dial(t, s)
	ca := recv(t, made, "conn A")
	var fdA int
	onLoop(t, ca.Loop(), func() { fdA = ca.gc.Fd() })
	a.Close()
	recv(t, lost, "A lost")
	b := dial(t, s)
	cb := recv(t, made, "conn B")
	var fdB int
	onLoop(t, cb.Loop(), func() { fdB = cb.gc.Fd() })
	if fdA != fdB {
		t.Skipf("fd not reused (A=%d B=%d); the trap cannot be shown", fdA, fdB)
	}
	var errWrite error
	onLoop(t, ca.Loop(), func() { errWrite = ca.Write([]byte("LEAK")) })
	if !errors.Is(errWrite, ErrClosed) {
		t.Fatalf("write after close: %v, want ErrClosed", errWrite)
	}
	if err := ca.Handle().Post(func(*Conn) {}); !errors.Is(err, ErrClosed) {
		t.Fatalf("post after close: %v, want ErrClosed", err)
	}
	onLoop(t, cb.Loop(), func() { _ = cb.Write([]byte("OK")) })
	buf := make([]byte, 4)
	_ = b.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, _ := io.ReadAtLeast(b, buf, 2)
	if string(buf[:n]) != "OK" {
		t.Fatalf("B received %q, want only OK", buf[:n])
	}
}

// Trap 2 and 4: unconsumed bytes are kept by the connection (not by reference to loop
// memory that the next read overwrites) and offered again with the next bytes.
func TestTrapLoopMemoryNotRetained(t *testing.T) {
	s := startServer(t, Config{Loops: 1}, func() Protocol { return &lineEcho{} })
	a, b := dial(t, s), dial(t, s)
	ra, rb := bufio.NewReader(a), bufio.NewReader(b)
	mustWrite(t, a, "hel")
	mustWrite(t, b, "xyzxyzxyz\n") // overwrites the loop's read buffer
	if got := readLine(t, rb); got != "xyzxyzxyz\n" {
		t.Fatalf("B got %q", got)
	}
	mustWrite(t, a, "lo\n")
	if got := readLine(t, ra); got != "hello\n" {
		t.Fatalf("A got %q, want hello", got)
	}
}

// Trap 4: gnet is level-triggered; bytes left after one DataReceived are offered again at
// once, not when more bytes arrive; after ResumeReading too.
func TestTrapLeftoverReoffered(t *testing.T) {
	var conn *Conn
	s := startServer(t, Config{Loops: 1}, func() Protocol {
		return &lineEcho{onePerCall: true, made: func(c *Conn) { conn = c }}
	})
	c := dial(t, s)
	r := bufio.NewReader(c)
	mustWrite(t, c, "a\nb\nc\n")
	for _, want := range []string{"a\n", "b\n", "c\n"} {
		if got := readLine(t, r); got != want {
			t.Fatalf("got %q want %q", got, want)
		}
	}
	// Paused: bytes wait; ResumeReading offers them without new input.
	onLoop(t, s.Loops()[0], func() { conn.PauseReading() })
	mustWrite(t, c, "d\ne\n")
	waitFor(t, 5*time.Second, "bytes buffered while paused", func() bool {
		n := 0
		onLoop(t, s.Loops()[0], func() { n = conn.InboundBuffered() })
		return n == 4
	})
	onLoop(t, s.Loops()[0], func() { conn.ResumeReading() })
	for _, want := range []string{"d\n", "e\n"} {
		if got := readLine(t, r); got != want {
			t.Fatalf("after resume got %q want %q", got, want)
		}
	}
}

// Trap 6: Close flushes pending output before closing; gnet alone truncates it.
func TestTrapCloseFlushes(t *testing.T) {
	const size = 16 << 20
	payload := bytes.Repeat([]byte("0123456789abcdef"), size/16)
	buffered := make(chan int, 1)
	s := startServer(t, Config{Loops: 1}, func() Protocol {
		return &funcProto{data: func(c *Conn, d []byte) int {
			_ = c.Write(payload)
			buffered <- c.OutboundBuffered()
			_ = c.Close()
			return len(d)
		}}
	})
	c := dial(t, s)
	mustWrite(t, c, "go")
	if n := recv(t, buffered, "write"); n == 0 {
		t.Fatal("nothing left buffered: the test did not exercise the flush")
	}
	got, err := io.ReadAll(c)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != size || !bytes.Equal(got, payload) {
		t.Fatalf("received %d bytes, want %d", len(got), size)
	}
}

// Half-close: Shutdown flushes, sends FIN (the peer reads EOF after every byte), then
// waits for the peer's FIN; the peer's own half-close after a request still gets the
// answer.
func TestHalfClose(t *testing.T) {
	const size = 8 << 20
	payload := bytes.Repeat([]byte("x"), size)
	lost := make(chan error, 2)
	s := startServer(t, Config{Loops: 1}, func() Protocol {
		return &funcProto{
			data: func(c *Conn, d []byte) int {
				if string(d) == "big" {
					_ = c.Write(payload)
					_ = c.Shutdown()
				} else {
					_ = c.Write(append([]byte("re:"), d...))
				}
				return len(d)
			},
			lost: func(_ *Conn, err error) { lost <- err },
		}
	})
	c := dial(t, s).(*net.TCPConn)
	mustWrite(t, c, "big")
	got, err := io.ReadAll(c) // EOF from our SHUT_WR, while c can still write
	if err != nil || len(got) != size {
		t.Fatalf("read %d bytes, err %v; want %d", len(got), err, size)
	}
	if _, err := c.Write([]byte("ignored")); err != nil {
		t.Fatalf("write after server half-close: %v", err)
	}
	c.CloseWrite()
	if err := recv(t, lost, "lost"); err != nil {
		t.Fatalf("ConnectionLost(%v), want nil", err)
	}

	d := dial(t, s).(*net.TCPConn)
	mustWrite(t, d, "ping")
	d.CloseWrite()
	got, err = io.ReadAll(d)
	if err != nil || string(got) != "re:ping" {
		t.Fatalf("peer half-close: got %q, %v", got, err)
	}
	if err := recv(t, lost, "lost"); err != nil {
		t.Fatalf("ConnectionLost(%v), want nil", err)
	}
}

// Trap 5: a drain (graceful shutdown) refuses new connections first and loses no
// response.
func TestTrapDrainLosesNoResponse(t *testing.T) {
	got := make(chan struct{}, 1)
	s := startServer(t, Config{}, func() Protocol { return &slowAnswer{delay: 150 * time.Millisecond, got: got} })
	c := dial(t, s)
	idle := dial(t, s)
	mustWrite(t, c, "q")
	recv(t, got, "request")
	// idle must be accepted before the drain: one still in the listen backlog when the
	// listener closes gets a reset from the kernel, not our EOF.
	waitFor(t, 5*time.Second, "both connections accepted", func() bool { return s.NumConns() == 2 })
	drained := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		drained <- s.Drain(ctx)
	}()
	// The idle connection is closed at once; new connections are refused.
	_ = idle.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, err := idle.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("idle conn: n=%d err=%v, want EOF", n, err)
	}
	waitFor(t, 5*time.Second, "listener closed", func() bool {
		nc, err := net.DialTimeout("tcp", s.Addr().String(), time.Second)
		if err == nil {
			nc.Close()
		}
		return err != nil
	})
	answer, err := io.ReadAll(c)
	if err != nil || string(answer) != "answer:q" {
		t.Fatalf("busy conn got %q, %v; want the answer then EOF", answer, err)
	}
	if err := recv(t, drained, "drain"); err != nil {
		t.Fatalf("Drain: %v", err)
	}
	if err := s.Wait(); err != nil {
		t.Fatalf("Wait after drain: %v", err)
	}
}

// slowAnswer answers each request after delay; as a Drainer it closes when idle.
type slowAnswer struct {
	delay    time.Duration
	got      chan struct{}
	busy     bool
	draining bool
}

func (p *slowAnswer) ConnectionMade(*Conn) {}
func (p *slowAnswer) DataReceived(c *Conn, d []byte) int {
	q := string(d)
	p.busy = true
	p.got <- struct{}{}
	c.Loop().CallLater(p.delay, func() {
		_ = c.Write([]byte("answer:" + q))
		p.busy = false
		if p.draining {
			_ = c.Close()
		}
	})
	return len(d)
}
func (p *slowAnswer) ConnectionLost(*Conn, error) {}
func (p *slowAnswer) Drain(c *Conn) {
	p.draining = true
	if !p.busy {
		_ = c.Close()
	}
}

// lineEcho echoes complete lines; onePerCall consumes one line per DataReceived.
type lineEcho struct {
	onePerCall bool
	made       func(*Conn)
}

func (p *lineEcho) ConnectionMade(c *Conn) {
	if p.made != nil {
		p.made(c)
	}
}
func (p *lineEcho) DataReceived(c *Conn, d []byte) int {
	n := 0
	for {
		i := bytes.IndexByte(d[n:], '\n')
		if i < 0 {
			return n
		}
		_ = c.Write(d[n : n+i+1])
		n += i + 1
		if p.onePerCall {
			return n
		}
	}
}
func (p *lineEcho) ConnectionLost(*Conn, error) {}

// funcProto is a Protocol made of optional functions.
type funcProto struct {
	made func(*Conn)
	data func(*Conn, []byte) int
	lost func(*Conn, error)
}

func (p *funcProto) ConnectionMade(c *Conn) {
	if p.made != nil {
		p.made(c)
	}
}
func (p *funcProto) DataReceived(c *Conn, d []byte) int {
	if p.data == nil {
		return len(d)
	}
	return p.data(c, d)
}
func (p *funcProto) ConnectionLost(c *Conn, err error) {
	if p.lost != nil {
		p.lost(c, err)
	}
}

func mustWrite(t testing.TB, c net.Conn, s string) {
	t.Helper()
	if _, err := c.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
}

func readLine(t testing.TB, r *bufio.Reader) string {
	t.Helper()
	s, err := r.ReadString('\n')
	if err != nil {
		t.Fatalf("read: %v (got %q)", err, s)
	}
	return s
}
