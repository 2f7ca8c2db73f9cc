package eddy_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
)

// TestDrainTimeoutSaysWhatWasOpen: a drain cut short by its context says
// how long it ran and what was still open, and still wraps the context's
// error.
func TestDrainTimeoutSaysWhatWasOpen(t *testing.T) {
	app := eddy.New(eddy.Config{Logger: quietLogger(io.Discard), DrainIdleGrace: -1})
	started := make(chan struct{})
	release := make(chan struct{})
	defer close(release)
	app.Get("/hang", func(c *eddy.Ctx) error {
		close(started)
		select {
		case <-release:
		case <-time.After(10 * time.Second):
		}
		return c.Text("late")
	}, eddy.InPool)
	if err := app.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	go func() {
		cl := &http.Client{Timeout: 10 * time.Second}
		if resp, err := cl.Get("http://" + app.Addr().String() + "/hang"); err == nil {
			resp.Body.Close()
		}
	}()
	select {
	case <-started:
	case <-time.After(10 * time.Second):
		t.Fatal("the handler never started")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	err := app.Shutdown(ctx)
	t.Logf("Shutdown: %v", err)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Shutdown: %v, want it to wrap context.DeadlineExceeded", err)
	}
	if msg := fmtErr(err); !strings.Contains(msg, "eddy: drain timed out after ") ||
		!strings.Contains(msg, "with 1 connection open (1 pool jobs running)") {
		t.Errorf("Shutdown: %q, want what was open when the drain timed out", msg)
	}
}

func fmtErr(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

type recorder struct {
	mu sync.Mutex
	ev []string
}

func (r *recorder) add(s string) {
	r.mu.Lock()
	r.ev = append(r.ev, s)
	r.mu.Unlock()
}

func (r *recorder) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.ev, ", ")
}

func (r *recorder) hook(name string) eddy.Hook {
	return func(context.Context) error { r.add(name); return nil }
}

func TestLifecycleStartShutdown(t *testing.T) {
	var rec recorder
	app := eddy.New(eddy.Config{})
	app.OnStartup(rec.hook("startup"))
	app.CleanupCtx(func(context.Context) (eddy.Hook, error) {
		rec.add("setup db")
		return rec.hook("teardown db"), nil
	})
	app.CleanupCtx(func(context.Context) (eddy.Hook, error) {
		rec.add("setup cache")
		return rec.hook("teardown cache"), nil
	})
	app.OnShutdown(rec.hook("shutdown"))
	app.OnCleanup(rec.hook("cleanup"))
	sub := eddy.New(eddy.Config{})
	sub.OnStartup(rec.hook("sub startup"))
	sub.Get("/s", func(c *eddy.Ctx) error { return c.Text("sub") })
	app.Mount("/sub", sub)
	app.Get("/", func(c *eddy.Ctx) error { rec.add("request"); return c.Text("ok") })

	if err := app.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	if err := app.Start("127.0.0.1:0"); !errors.Is(err, eddy.ErrStarted) {
		t.Errorf("second Start: %v", err)
	}
	resp, err := http.Get("http://" + app.Addr().String() + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if err := app.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := app.Wait(); err != nil {
		t.Errorf("Wait after Shutdown: %v", err)
	}
	want := "startup, setup db, setup cache, sub startup, request, shutdown, teardown cache, teardown db, cleanup"
	if got := rec.String(); got != want {
		t.Errorf("order:\n got %s\nwant %s", got, want)
	}
	if _, err := net.DialTimeout("tcp", app.Addr().String(), time.Second); err == nil {
		t.Error("still accepting after Shutdown")
	}
}

func TestStartupFailure(t *testing.T) {
	var rec recorder
	boom := errors.New("no database")
	app := eddy.New(eddy.Config{})
	app.CleanupCtx(func(context.Context) (eddy.Hook, error) {
		rec.add("setup a")
		return rec.hook("teardown a"), nil
	})
	app.OnStartup(func(context.Context) error { return boom })
	app.OnStartup(rec.hook("never"))
	app.OnCleanup(rec.hook("cleanup"))
	if err := app.Start("127.0.0.1:0"); !errors.Is(err, boom) {
		t.Fatalf("Start: %v, want %v", err, boom)
	}
	if got := rec.String(); got != "setup a, teardown a, cleanup" {
		t.Errorf("order: %s", got)
	}
	if app.Addr() != nil {
		t.Error("bound despite the failed startup")
	}
	// A bind failure cleans up too.
	var rec2 recorder
	app2 := eddy.New(eddy.Config{})
	app2.OnCleanup(rec2.hook("cleanup"))
	if err := app2.Start("256.0.0.1:1"); err == nil {
		t.Fatal("Start on a bad address succeeded")
	}
	if rec2.String() != "cleanup" {
		t.Errorf("bind failure cleanup: %q", rec2.String())
	}
}

func TestReadinessDuringDrain(t *testing.T) {
	inHook := make(chan struct{})
	release := make(chan struct{})
	app := eddy.New(eddy.Config{ReadinessPath: "/readyz", LivenessPath: "/livez", DrainDelay: -1})
	app.OnShutdown(func(context.Context) error {
		close(inHook)
		<-release
		return nil
	})
	app.Get("/work", func(c *eddy.Ctx) error { return c.Text("work") })
	app.Use(func(next eddy.Handler) eddy.Handler {
		return func(c *eddy.Ctx) error {
			c.SetHeader("X-MW", "1")
			return next(c)
		}
	})
	if err := app.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	addr := app.Addr().String()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	get := func(path string) *http.Response {
		t.Helper()
		fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", path)
		return readResponses(t, c, 1, "GET")[0]
	}
	for _, p := range []string{"/readyz", "/livez"} {
		if r := get(p); r.StatusCode != 200 || body(r) != "ok" || r.Header.Get("X-MW") != "" {
			t.Errorf("%s before drain: %d %q (middleware %q)", p, r.StatusCode, body(r), r.Header.Get("X-MW"))
		}
	}
	done := make(chan error, 1)
	go func() { done <- app.Shutdown(context.Background()) }()
	<-inHook
	for _, p := range []string{"/readyz", "/livez"} {
		if r := get(p); r.StatusCode != 503 {
			t.Errorf("%s during drain: %d", p, r.StatusCode)
		}
	}
	if r := get("/work"); r.StatusCode != 200 {
		t.Errorf("work during drain: %d", r.StatusCode)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestDrainUnderLoad: clients keep sending on keep-alive connections
// throughout a drain, with a short random pause between requests so that
// most connections are idle at any moment (the drain finds them idle with
// the next request about to be written). Every request a client wrote gets
// its response: the drain grace answers the ones that reach an idle
// connection after the drain began, with Connection: close; new
// connections are refused. Closing idle connections at once (no grace)
// loses about one request per idle connection, and fails here.
func TestDrainUnderLoad(t *testing.T) {
	var served atomic.Int64
	// A grace far above the clients' pauses, so a slow scheduler on a busy
	// machine cannot make a connection look idle for the whole grace.
	app := eddy.New(eddy.Config{DrainDelay: -1, DrainIdleGrace: 3 * time.Second})
	app.Get("/slow", func(c *eddy.Ctx) error {
		time.Sleep(20 * time.Millisecond)
		served.Add(1)
		return c.Text("done")
	}, eddy.InPool)
	app.Get("/fast", func(c *eddy.Ctx) error { served.Add(1); return c.Text("done") })
	if err := app.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	addr := app.Addr().String()
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	const workers = 16
	var ok, lost, unsent, closes, refused atomic.Int64
	var shuttingDown atomic.Bool
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			rnd := rand.New(rand.NewPCG(uint64(seed), uint64(w)))
			path := "/fast"
			if w%4 == 0 {
				path = "/slow"
			}
			deadline := time.Now().Add(20 * time.Second)
			for time.Now().Before(deadline) {
				c, err := net.Dial("tcp", addr)
				if err != nil {
					if !shuttingDown.Load() {
						t.Errorf("dial before shutdown: %v", err)
					}
					refused.Add(1)
					return // refused: the drain closed the listener
				}
				br := bufio.NewReader(c)
				for time.Now().Before(deadline) {
					// Think time (not synchronisation): the connection is
					// idle while the client pauses, as keep-alive
					// connections mostly are.
					time.Sleep(time.Duration(rnd.IntN(2000)) * time.Microsecond)
					if _, err := fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", path); err != nil {
						unsent.Add(1) // never sent: the client knows it
						break
					}
					c.SetReadDeadline(time.Now().Add(10 * time.Second))
					resp, err := http.ReadResponse(br, nil)
					if err != nil {
						lost.Add(1)
						t.Errorf("a request written to an open connection got no response (shutting down: %v): %v",
							shuttingDown.Load(), err)
						break
					}
					b, _ := io.ReadAll(resp.Body)
					if string(b) != "done" {
						t.Errorf("body %q", b)
					}
					ok.Add(1)
					if resp.Close {
						closes.Add(1)
						if !shuttingDown.Load() {
							t.Error("Connection: close before the shutdown")
						}
						break
					}
				}
				c.Close()
			}
			t.Errorf("worker %d still served at its deadline: the drain did not end it", w)
		}(w)
	}
	waitUntil(t, 10*time.Second, "load to build up", func() bool { return ok.Load() >= 500 })
	shuttingDown.Store(true)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := app.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	wg.Wait()
	if lost.Load() != 0 {
		t.Errorf("%d requests written to an open connection got no response", lost.Load())
	}
	if served.Load() != ok.Load() {
		t.Errorf("handlers served %d requests, clients got %d responses", served.Load(), ok.Load())
	}
	if closes.Load() == 0 {
		t.Error("no response carried Connection: close during the drain")
	}
	if refused.Load() != workers {
		t.Errorf("%d of %d workers ended on a refused connect", refused.Load(), workers)
	}
	t.Logf("%d responses, %d ended with Connection: close, %d writes failed (not sent), %d connects refused",
		ok.Load(), closes.Load(), unsent.Load(), refused.Load())
}

func TestRunSignal(t *testing.T) {
	// Keep stray SIGTERMs from killing the test binary while Run has not
	// registered its own handler yet.
	absorb := make(chan os.Signal, 16)
	signal.Notify(absorb, syscall.SIGTERM)
	defer signal.Stop(absorb)
	var rec recorder
	var shutdownBegan atomic.Bool
	app := eddy.New(eddy.Config{})
	app.OnShutdown(func(ctx context.Context) error {
		shutdownBegan.Store(true)
		return rec.hook("shutdown")(ctx)
	})
	app.OnCleanup(rec.hook("cleanup"))
	done := make(chan error, 1)
	go func() { done <- app.Run("127.0.0.1:0") }()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if rec.String() != "shutdown, cleanup" {
				t.Errorf("hooks: %q", rec.String())
			}
			return
		case <-tick.C:
			// Signal until Run's handler has it (a signal sent before Run
			// registers goes to absorb), and no more once the shutdown
			// began: a SIGTERM the kernel delivers after the last
			// signal.Stop (this test's end) kills the test binary.
			if app.Addr() != nil && !shutdownBegan.Load() {
				syscall.Kill(os.Getpid(), syscall.SIGTERM)
			}
		case <-timeout:
			t.Fatal("Run did not return after SIGTERM")
		}
	}
}

func TestUnixSocket(t *testing.T) {
	path := t.TempDir() + "/eddy.sock"
	app := eddy.New(eddy.Config{Network: "unix"})
	app.Get("/", func(c *eddy.Ctx) error { return c.Text("over unix") })
	if err := app.Start(path); err != nil {
		t.Fatal(err)
	}
	defer app.Shutdown(context.Background())
	c, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	if rs := readResponses(t, c, 1, "GET"); body(rs[0]) != "over unix" {
		t.Errorf("unix: %q", body(rs[0]))
	}
}
