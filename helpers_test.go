package eddy_test

import (
	"bufio"
	"bytes"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/eddy-go/eddy/eddytest"
)

// readResponses reads n responses from a raw connection, each body whole,
// with a deadline.
func readResponses(t testing.TB, c net.Conn, n int, method string) []*http.Response {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(c)
	var out []*http.Response
	for i := 0; i < n; i++ {
		resp, err := http.ReadResponse(br, &http.Request{Method: method})
		if err != nil {
			t.Fatalf("response %d of %d: %v", i+1, n, err)
		}
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatalf("response %d body: %v", i+1, err)
		}
		resp.Body = io.NopCloser(strings.NewReader(string(b)))
		resp.Header.Set("X-Test-Body", string(b))
		out = append(out, resp)
	}
	return out
}

func body(r *http.Response) string { return r.Header.Get("X-Test-Body") }

// waitUntil polls cond until it holds or the deadline passes.
func waitUntil(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// expectClosed reads until EOF (the server closed) or fails.
func expectClosed(t testing.TB, c net.Conn) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.Copy(io.Discard, c); err != nil {
		t.Fatalf("connection not closed by the server: %v", err)
	}
}

// logBuffer is a goroutine-safe log sink for tests.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// smallRecvDialer dials with a 4 KiB socket receive buffer, so a client
// that never reads fills its window after a few kilobytes: a slow reader.
func smallRecvDialer() *net.Dialer {
	return &net.Dialer{Timeout: 5 * time.Second, Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
		})
		if err != nil {
			return err
		}
		return serr
	}}
}

// boundedLog returns a logger for an abuse test and registers a check that,
// when the test ends, fails t if the server logged more than max lines
// besides gnet's start and per-loop exit lines: an attacker may make the
// server log, but only in proportion to what it sent. Call it before
// eddytest.New, so the check runs after the server's shutdown and counts
// everything the attack made it log.
func boundedLog(t testing.TB, max int) (*slog.Logger, *logBuffer) {
	t.Helper()
	logs := new(logBuffer)
	t.Cleanup(func() {
		var n int
		var first []string
		for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
			if line == "" || lifecycleLogLine(line) {
				continue
			}
			n++
			if len(first) < 10 {
				first = append(first, line)
			}
		}
		t.Logf("%d log lines besides start and stop (bound %d)", n, max)
		if n > max {
			t.Errorf("%d log lines besides start and stop, want at most %d; the first:\n%s", n, max, strings.Join(first, "\n"))
		}
	})
	return quietLogger(logs), logs
}

// lifecycleLogLine tells gnet's lines for an engine's start and its loops'
// exit, logged once a server whatever its clients did.
func lifecycleLogLine(line string) bool {
	return strings.Contains(line, `msg="gnet: Starting gnet`) ||
		strings.Contains(line, `msg="gnet: default logging level`) ||
		strings.Contains(line, "is exiting in terms of the demand from user")
}

// checkTarget sends "GET target", the target exactly as written, on a fresh
// connection and checks the status and body of the one answer; it returns
// the connection.
func checkTarget(t testing.TB, s *eddytest.Server, target string, status int, want string) net.Conn {
	t.Helper()
	c := s.Dial(t)
	io.WriteString(c, "GET "+target+" HTTP/1.1\r\nHost: x\r\n\r\n")
	rs := readResponses(t, c, 1, "GET")
	if rs[0].StatusCode != status || body(rs[0]) != want {
		t.Errorf("%s: %d %q, want %d %q", target, rs[0].StatusCode, body(rs[0]), status, want)
	}
	return c
}

func isConnReset(err error) bool {
	return err != nil && (strings.Contains(err.Error(), "connection reset") || strings.Contains(err.Error(), "broken pipe"))
}

func quietLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// cpuContention samples how many threads the machine had runnable (the
// kernel's procs_running, in /proc/stat) while a test waited on work of its
// own, to scale a wall-clock bound on that work by the share of a CPU each
// runnable thread got. Threads of ours that sleep or block are not
// runnable, so a server that stalls instead of working is not excused.
type cpuContention struct{ sum, n int }

// sample reads procs_running once (nothing where /proc is missing).
func (c *cpuContention) sample() {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "procs_running "); ok {
			if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
				c.sum += n - 1 // not counting the sampling thread
				c.n++
			}
			return
		}
	}
}

// slowdown is the mean number of runnable threads per CPU over the
// samples, at least 1 (1 without samples): how many times longer than on a
// machine of its own CPU work took.
func (c *cpuContention) slowdown() float64 {
	if c.n == 0 {
		return 1
	}
	return max(1, float64(c.sum)/float64(c.n)/float64(runtime.NumCPU()))
}
