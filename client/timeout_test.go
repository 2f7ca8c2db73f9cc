package client

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// stall answers each request with what, then holds the connection until the
// client or the test closes it; reads counts the requests it read.
func stall(t *testing.T, what string) (addr string, reads *atomic.Int64) {
	reads = new(atomic.Int64)
	addr, _ = rawServer(t, func(_ int, c net.Conn) {
		if _, err := readRequest(bufio.NewReader(c)); err != nil {
			return
		}
		reads.Add(1)
		io.WriteString(c, what)
		io.Copy(io.Discard, c)
	})
	return addr, reads
}

func TestTimeouts(t *testing.T) {
	for _, tc := range []struct {
		name    string
		reply   string // what the server sends before stalling
		cfg     Timeouts
		want    error
		inBody  bool          // the error comes from reading the body
		withCtx time.Duration // a context deadline instead of a session timeout
	}{
		// The mid-body cases give the head 1 s: on a loaded machine (the
		// race detector, other tests) the dial and the head alone can take
		// more than 100 ms, and the head must arrive before the timeout
		// for the error to come from the body.
		{"total before the head", "", Timeouts{Total: 100 * time.Millisecond}, ErrTotalTimeout, false, 0},
		{"response header", "HTTP/1.1 200 OK\r\n", Timeouts{ResponseHeader: 100 * time.Millisecond}, ErrHeaderTimeout, false, 0},
		{"read gap before the head", "HTTP/1.1 200 OK\r\n", Timeouts{ReadGap: 100 * time.Millisecond}, ErrReadGapTimeout, false, 0},
		{"read gap mid-body", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", Timeouts{ReadGap: time.Second}, ErrReadGapTimeout, true, 0},
		{"total mid-body", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n", Timeouts{Total: time.Second}, ErrTotalTimeout, true, 0},
		{"context mid-body", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", Timeouts{}, context.DeadlineExceeded, true, time.Second},
		{"context before the head", "", Timeouts{}, context.DeadlineExceeded, false, 100 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr, reads := stall(t, tc.reply)
			s := newSession(t, Config{Timeout: tc.cfg})
			ctx := ctxT(t)
			if tc.withCtx != 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.withCtx)
				defer cancel()
			}
			start := time.Now()
			resp, err := s.Get(ctx, addr)
			if tc.inBody {
				if err != nil {
					t.Fatalf("head: %v", err)
				}
				_, err = io.ReadAll(resp.Body)
				resp.Close()
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("err %v, want %v", err, tc.want)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v", d)
			}
			// The connection carrying the request closes. (When the deadline
			// passed while the dial was still running, which a loaded machine
			// can make last 100 ms, the new connection carried nothing: no
			// request reached the server, and it rests in the pool instead.)
			waitFor(t, "the connection to close", func() bool {
				return s.total.Load() == 0 || reads.Load() == 0 && s.total.Load() == int64(idleConns(s))
			})
		})
	}
}

// idleConns counts the session's pooled connections that carry no request.
func idleConns(s *Session) int {
	n := 0
	for _, l := range s.srv.Loops() {
		ch := make(chan int, 1)
		l.CallSoonThreadsafe(func() {
			k := 0
			for pc := range s.pool(l).conns {
				if pc.ex == nil && !pc.dead {
					k++
				}
			}
			ch <- k
		})
		n += <-ch
	}
	return n
}

// fullBacklog returns the address of a listener that never accepts and whose
// accept queue (backlog 0) is already full: a connect to it hangs, the SYN
// unanswered.
func fullBacklog(t *testing.T) string {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(sa.(*syscall.SockaddrInet4).Port))
	c, err := net.DialTimeout("tcp", addr, time.Second) // fills the queue
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return addr
}

func TestConnectTimeout(t *testing.T) {
	addr := fullBacklog(t)
	s := newSession(t, Config{Timeout: Timeouts{Connect: 100 * time.Millisecond}})
	start := time.Now()
	_, err := s.Get(ctxT(t), "http://"+addr+"/")
	if !errors.Is(err, ErrConnectTimeout) {
		t.Fatalf("err %v, want ErrConnectTimeout", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
	if s.total.Load() != 0 {
		t.Errorf("a timed-out dial holds a slot")
	}
}

func TestConnectRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	s := newSession(t, Config{})
	_, err = s.Get(ctxT(t), "http://"+addr+"/")
	if err == nil || errors.Is(err, ErrTimeout) {
		t.Fatalf("err %v, want a dial error", err)
	}
	if s.total.Load() != 0 {
		t.Errorf("a failed dial holds a slot")
	}
}

func TestCancelWhileWaitingForSlot(t *testing.T) {
	release := make(chan struct{})
	ts := newHTTPServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	defer close(release)
	s := newSession(t, Config{MaxConns: 1})
	go s.Get(context.Background(), ts.URL) // holds the only slot
	waitFor(t, "the first request to hold the slot", func() bool { return s.total.Load() == 1 })
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := s.Get(ctx, ts.URL)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v", err)
	}
	if w := s.waiting.Load(); w != 0 {
		t.Errorf("%d requests still queued", w)
	}
}
