package loop

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"testing"
	"time"
)

// pipeliner answers every "get\n" with a 128-byte line and stops reading while its
// output waits (WriteFlow), as a pipelining protocol does; it records the most input it
// was offered at once.
type pipeliner struct {
	*recorder
	maxOffered int
}

var pipeReply = append(bytes.Repeat([]byte("r"), 127), '\n')

func (p *pipeliner) DataReceived(c *Conn, data []byte) int {
	p.maxOffered = max(p.maxOffered, len(data))
	n := 0
	for !c.ReadingPaused() && !c.Closed() {
		i := bytes.IndexByte(data[n:], '\n')
		if i < 0 {
			break
		}
		n += i + 1
		_ = c.Write(pipeReply)
	}
	return n
}
func (p *pipeliner) PauseWriting(c *Conn)  { c.PauseReading() }
func (p *pipeliner) ResumeWriting(c *Conn) { c.ResumeReading() }

// EOFReceived closes once every request before the peer's EOF is answered (without it,
// the EOF would close the connection with requests still unread while paused).
func (p *pipeliner) EOFReceived(c *Conn) { _ = c.Close() }

// smallBuffers keeps the kernel from absorbing the replies (loopback buffers autotune
// to megabytes): the server's output waits, so it pauses reading.
var smallBuffers = Config{Loops: 1, MaxInbound: 32 << 10, SocketSendBuffer: 32 << 10}

// A client that pipelines far more requests than the inbound limit before it reads any
// reply is served in full: a paused connection is parked (taken out of gnet, so the
// kernel stops reading for it) instead of buffering without bound, and what it was
// offered at once stays bounded.
func TestNonReadingPipelinerServed(t *testing.T) {
	const n = 150000 // 600 KB of requests, 19 MB of replies
	p := &pipeliner{recorder: newRecorder(nil)}
	s := startServer(t, smallBuffers, func() Protocol { return p })
	c := dial(t, s)
	_ = c.(*net.TCPConn).SetReadBuffer(32 << 10)
	req := bytes.Repeat([]byte("get\n"), n)
	// The deadlines are on progress, not on the whole exchange: under the
	// race detector with the eddydebug checks (which parse runtime.Stack on
	// every Loop-only call) a loaded machine took over 20 s for it. Each
	// read has its own; the write progresses only as the replies are read.
	_ = c.SetWriteDeadline(time.Time{})
	wrote := make(chan error, 1)
	go func() { _, err := c.Write(req); wrote <- err }() // blocks while the server is parked
	// Read nothing until the server parked: its output cannot drain, so it must pause
	// reading, and paused input past the threshold parks the connection. (Reading at
	// once let a fast client keep the server from ever pausing.)
	for deadline := time.Now().Add(20 * time.Second); s.Loops()[0].Stats().Parks == 0; {
		if time.Now().After(deadline) {
			t.Fatal("never parked while the client read nothing")
		}
		time.Sleep(time.Millisecond) // polling a counter, with a deadline
	}
	got := 0
	r := bufio.NewReaderSize(progressReader{c, 10 * time.Second}, 64<<10)
	for got < n {
		line, err := r.ReadSlice('\n')
		if err != nil {
			select {
			case lerr := <-waitLost(p.lost):
				t.Fatalf("after %d replies: %v (ConnectionLost: %v)", got, err, lerr)
			default:
			}
			t.Fatalf("after %d replies: %v", got, err)
		}
		if !bytes.Equal(line, pipeReply) {
			t.Fatalf("reply %d: %q", got, line)
		}
		got++
	}
	var parks int64
	var maxOffered int
	onLoop(t, s.Loops()[0], func() { maxOffered = p.maxOffered })
	parks = s.Loops()[0].Stats().Parks
	t.Logf("%d replies, %d parks, at most %d bytes offered at once", got, parks, maxOffered)
	if err := <-wrote; err != nil {
		t.Fatal(err)
	}
	if parks == 0 {
		t.Fatal("never parked: the test did not pause reading")
	}
	if bound := parkAt + 64<<10; maxOffered > bound {
		t.Fatalf("offered %d bytes at once, want at most %d", maxOffered, bound)
	}
	select {
	case err := <-p.lost:
		t.Fatalf("connection lost: %v", err)
	default:
	}
	// The connection is back in gnet and works as before.
	if _, err := c.Write([]byte("get\n")); err != nil {
		t.Fatal(err)
	}
	line, err := r.ReadSlice('\n')
	if err != nil || !bytes.Equal(line, pipeReply) {
		t.Fatalf("after the parks: %q, %v", line, err)
	}
}

// A parked connection still delivers the peer's EOF (after the input before it) and its
// close flushes; one closed while parked discards its input and closes cleanly.
func TestParkedConnCloses(t *testing.T) {
	for _, tc := range []struct {
		name     string
		half     bool // the client half-closes after its requests
		close    bool // the server closes while parked
		shutdown bool // the server shuts down while parked
	}{{"peer EOF", true, false, false}, {"client reads", false, false, false},
		{"closed while parked", false, true, false}, {"shut down while parked", false, false, true}} {
		t.Run(tc.name, func(t *testing.T) {
			const n = 100000
			p := &pipeliner{recorder: newRecorder(nil)}
			s := startServer(t, smallBuffers, func() Protocol { return p })
			c := dial(t, s).(*net.TCPConn)
			_ = c.SetReadBuffer(32 << 10)
			if _, err := c.Write(bytes.Repeat([]byte("get\n"), n)); err != nil {
				t.Fatal(err)
			}
			if tc.half {
				_ = c.CloseWrite()
			}
			waitFor(t, 10*time.Second, "a park", func() bool { return s.Loops()[0].Stats().Parks > 0 })
			if tc.shutdown {
				// Shutdown flushes, half-closes, and goes back to gnet to read and
				// discard the input until the peer's EOF.
				sc := recv(t, p.made, "ConnectionMade")
				onLoop(t, s.Loops()[0], func() {
					if sc.flags&fParked == 0 {
						t.Error("not parked at the shutdown")
					}
					_ = sc.Shutdown()
				})
				all, err := io.ReadAll(progressReader{c, 10 * time.Second})
				if err != nil || len(all)%len(pipeReply) != 0 || len(all) == 0 {
					t.Fatalf("read %d bytes, then %v; want whole replies, then EOF", len(all), err)
				}
				_ = c.CloseWrite() // the EOF the shutdown waits for
				if err := recv(t, p.lost, "ConnectionLost"); err != nil {
					t.Fatalf("ConnectionLost %v", err)
				}
				return
			}
			if tc.close {
				// Close flushes what is queued, then discards the input the park
				// left in the socket (closing over unread input would reset), then closes.
				sc := recv(t, p.made, "ConnectionMade")
				var parked bool
				onLoop(t, s.Loops()[0], func() {
					parked = sc.flags&fParked != 0
					_ = sc.Close()
				})
				if !parked {
					t.Fatal("not parked at the close: the client has read nothing, the output cannot have drained")
				}
				all, err := io.ReadAll(progressReader{c, 10 * time.Second})
				if err != nil || len(all)%len(pipeReply) != 0 || len(all) == 0 {
					t.Fatalf("read %d bytes, then %v; want whole replies, then EOF", len(all), err)
				}
				if err := recv(t, p.lost, "ConnectionLost"); err != nil {
					t.Fatalf("ConnectionLost %v", err)
				}
				return
			}
			all, err := io.ReadAll(io.LimitReader(progressReader{c, 10 * time.Second}, int64(n*len(pipeReply))))
			if err != nil || len(all) != n*len(pipeReply) {
				t.Fatalf("read %d of %d bytes: %v", len(all), n*len(pipeReply), err)
			}
			if tc.half {
				// EOFReceived closes once every request is answered and the output is out.
				if err := recv(t, p.lost, "ConnectionLost"); err != nil {
					t.Fatalf("ConnectionLost %v", err)
				}
				return
			}
			waitFor(t, 5*time.Second, "NumConns 1", func() bool { return s.NumConns() == 1 })
		})
	}
}

func waitLost(ch chan error) chan error {
	out := make(chan error, 1)
	select {
	case err := <-ch:
		out <- err
	case <-time.After(2 * time.Second):
	}
	return out
}
