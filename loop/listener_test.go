package loop

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestLogLimiter(t *testing.T) {
	var r logLimiter
	t0 := time.Unix(1000, 0)
	if ok, n := r.allow(t0); !ok || n != 0 {
		t.Fatalf("first: %v %d", ok, n)
	}
	for i := range 100 {
		if ok, _ := r.allow(t0.Add(time.Duration(i) * time.Millisecond)); ok {
			t.Fatalf("line %d let through within the second", i)
		}
	}
	if ok, n := r.allow(t0.Add(time.Second)); !ok || n != 100 {
		t.Fatalf("after a second: %v, suppressed %d; want true, 100", ok, n)
	}
	if ok, n := r.allow(t0.Add(3 * time.Second)); !ok || n != 0 {
		t.Fatalf("quiet: %v %d", ok, n)
	}
}

// At the descriptor limit each accepted connection is refused (gnet's dup fails with
// EMFILE) and closed; the log gets at most one line a second, with the count of the
// refusals not logged, not one line per refusal. The child process lowers its own fd
// limit, so the test's process is not affected.
func TestAcceptAtFDLimitLogRateLimited(t *testing.T) {
	if os.Getenv("LOOP_FDLIMIT_CHILD") == "1" {
		fdLimitChild()
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestAcceptAtFDLimitLogRateLimited$", "-test.count=1")
	cmd.Env = append(os.Environ(), "LOOP_FDLIMIT_CHILD=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	lines := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	next := func(prefix string) string {
		t.Helper()
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("child exited before %q", prefix)
				}
				if r, ok := strings.CutPrefix(l, prefix); ok {
					return r
				}
			case <-time.After(20 * time.Second):
				t.Fatalf("child: no %q", prefix)
			}
		}
	}
	addr := next("ADDR ")
	refused, made := 0, 0
	try := func() {
		made++
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			return
		}
		_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
		if _, err := c.Read(make([]byte, 1)); err != nil && !os.IsTimeout(err) {
			refused++ // closed by the server
		}
		c.Close()
	}
	const attempts = 300
	start := time.Now()
	for i := 0; i < attempts && time.Since(start) < 10*time.Second; i++ {
		try()
	}
	// One more after the limiter's one-second window: its line reports the
	// refusals not logged before.
	time.Sleep(1100 * time.Millisecond)
	try()
	elapsed := time.Since(start)
	// The server closes a refused connection before it logs the refusal: tell the
	// child how many we saw, so it reports once its log has caught up (or gives up).
	_, _ = fmt.Fprintln(in, refused)
	_ = in.Close()
	var logged, total int
	if _, err := fmt.Sscanf(next("LOG "), "%d %d", &logged, &total); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d of %d connections refused in %v: %d log lines reporting %d failures", refused, made, elapsed.Round(time.Millisecond), logged, total)
	// A busy machine makes fewer attempts in the 10 s allowed; what counts is that
	// most of those made were refused and every refusal was reported.
	if made < 10 || refused < made/2 || total < refused {
		t.Fatalf("the attack did not reach the limit: %d of %d refused, %d failures reported", refused, made, total)
	}
	if limit := 2 + int(elapsed/time.Second); logged > limit {
		t.Fatalf("%d log lines in %v, want <= %d (one a second)", logged, elapsed, limit)
	}
}

// countingHandler counts the server's log records about refused connections and adds
// the counts they report as suppressed.
type countingHandler struct{ lines, total atomic.Int64 }

func (h *countingHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *countingHandler) Handle(_ context.Context, r slog.Record) error {
	if !strings.Contains(r.Message, "accept failed") && !strings.Contains(r.Message, "enrolling") {
		return nil
	}
	h.lines.Add(1)
	h.total.Add(1)
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "suppressed" {
			h.total.Add(a.Value.Int64())
		}
		return true
	})
	return nil
}
func (h *countingHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *countingHandler) WithGroup(string) slog.Handler      { return h }

func fdLimitChild() {
	h := &countingHandler{}
	s, err := New(Config{Addr: "127.0.0.1:0", Loops: 1, Logger: slog.New(h)}, func() Protocol { return echoProto{} })
	if err == nil {
		err = s.Start()
	}
	if err != nil {
		fmt.Println("START failed:", err)
		return
	}
	exhaustFDs(1) // every descriptor but one: accept gets it, gnet's dup then fails
	fmt.Println("ADDR", s.Addr().String())
	var refused int64
	_, _ = fmt.Fscan(os.Stdin, &refused) // the parent is done: how many it saw refused
	_, _ = io.Copy(io.Discard, os.Stdin) // until the parent closes
	for deadline := time.Now().Add(10 * time.Second); h.total.Load() < refused && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond) // polling the child's own counter, with a deadline
	}
	fmt.Println("LOG", h.lines.Load(), h.total.Load())
}

// Accepted connections are handed to the loops side by side: while a loop is busy (here
// blocked by a callback) the accept goroutine goes on accepting, up to enrollPending
// connections on their way at once, instead of waiting for the loop to register each
// one before it accepts the next. Then all of them are served.
func TestAcceptEnrollsSideBySide(t *testing.T) {
	s := startServer(t, Config{Loops: 1}, func() Protocol { return echoProto{} })
	release := make(chan struct{})
	var once atomic.Bool
	unblock := func() {
		if once.CompareAndSwap(false, true) {
			close(release)
		}
	}
	t.Cleanup(unblock) // before the server stops (cleanups run last first)
	if err := s.loops[0].CallSoonThreadsafe(func() { <-release }); err != nil {
		t.Fatal(err)
	}
	const n = 4 // fewer than enrollPending
	conns := make([]net.Conn, n)
	for i := range conns {
		conns[i] = dial(t, s)
	}
	waitFor(t, 10*time.Second, fmt.Sprintf("%d enrollments in flight while the loop is busy", n), func() bool {
		return len(s.enrolling) == n
	})
	unblock()
	for i, c := range conns {
		msg := fmt.Sprintf("conn %d\n", i)
		if _, err := io.WriteString(c, msg); err != nil {
			t.Fatal(err)
		}
		got, err := bufio.NewReader(c).ReadString('\n')
		if err != nil || got != msg {
			t.Fatalf("conn %d: echo %q, %v; want %q", i, got, err, msg)
		}
	}
	waitFor(t, 10*time.Second, "no enrollment in flight", func() bool { return len(s.enrolling) == 0 })
}

// A burst of connections enrolled side by side still spreads over the loops: gnet's
// least-connections choice counts registered connections only, so the ones on their
// way at once may all pick one loop, but never more than enrollPending of them.
func TestAcceptBurstBalanced(t *testing.T) {
	s := startServer(t, Config{Loops: 2}, func() Protocol { return echoProto{} })
	const n = 128
	errs := make(chan error, n)
	for range n {
		go func() {
			c, err := net.DialTimeout("tcp", s.Addr().String(), 5*time.Second)
			if err == nil {
				t.Cleanup(func() { c.Close() })
			}
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, 10*time.Second, fmt.Sprintf("%d connections registered", n), func() bool {
		return s.loops[0].Stats().Conns+s.loops[1].Stats().Conns == n
	})
	a, b := s.loops[0].Stats().Conns, s.loops[1].Stats().Conns
	if d := a - b; d > enrollPending || d < -enrollPending {
		t.Fatalf("loops hold %d and %d connections: %d apart, want at most enrollPending (%d)", a, b, d, enrollPending)
	}
	t.Logf("loops hold %d and %d connections", a, b)
}
