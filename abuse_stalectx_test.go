package eddy_test

import (
	"errors"
	"io"
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/eddytest"
)

// TestAbuseStaleCtx: many clients, on-loop, deferred and pool handlers that
// leak their Ctx to goroutines calling response methods (and accessors,
// and Stream) after the response: no client ever receives another's body
// or a leaked answer, every leaked call is refused, the process survives.
func TestAbuseStaleCtx(t *testing.T) {
	logger, _ := boundedLog(t, 0)
	app := eddy.New(eddy.Config{Loops: 2, Logger: logger})
	var (
		pending  atomic.Int64 // leaked goroutines not done
		stopLeak atomic.Bool  // the attack is over: handlers leak no more
		calls    atomic.Int64 // leaked calls made
		stale    atomic.Int64 // refused with ErrStaleCtx
		respond  atomic.Int64 // refused with ErrResponded (the request had not ended yet)
		accepted atomic.Int64 // a leaked call that did something: the failure
	)
	leak := func(c *eddy.Ctx, id string) {
		if stopLeak.Load() {
			return
		}
		pending.Add(1)
		go func() {
			defer pending.Add(-1)
			n, _ := strconv.Atoi(id)
			time.Sleep(time.Duration(1+n%5) * time.Millisecond) // later, spread

			check := func(err error) {
				calls.Add(1)
				switch {
				case errors.Is(err, eddy.ErrStaleCtx):
					stale.Add(1)
				case errors.Is(err, eddy.ErrResponded):
					respond.Add(1)
				default:
					accepted.Add(1)
				}
			}
			check(c.Text("LEAK from " + id))
			check(c.JSON(map[string]string{"leak": id}))
			_, err := c.Stream("text/plain")
			check(err)
			// Every leaked Ctx was answered before it leaked: Complete
			// refuses at once (ErrResponded while the request has not
			// ended), rather than run h to meet ErrResponded on the loop.
			check(c.Complete(func(c *eddy.Ctx) error { return c.Text("LEAK complete " + id) }))
			c.SetHeader("X-Leak", id)
			if p := c.Param("id"); p != "" && p != id {
				t.Errorf("leaked Ctx of %s read another request's param %q", id, p)
			}
		}()
	}
	app.Get("/loop/{id}", func(c *eddy.Ctx) error {
		id := c.Param("id")
		err := c.Text(id)
		leak(c, id)
		return err
	})
	app.Get("/defer/{id}", func(c *eddy.Ctx) error {
		id := c.Param("id")
		c.Defer()
		go func() {
			_ = c.Complete(func(c *eddy.Ctx) error {
				err := c.Text(id)
				leak(c, id)
				return err
			})
		}()
		return nil
	})
	app.Get("/pool/{id}", func(c *eddy.Ctx) error {
		id := c.Param("id")
		err := c.Text(id)
		leak(c, id)
		return err
	}, eddy.InPool)
	s := eddytest.New(t, app)

	var m0 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	g0 := runtime.NumGoroutine()

	const clients, perClient = 16, 60
	var wrong, failed atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for i := 0; i < clients; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			cl := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{}}
			defer cl.CloseIdleConnections()
			for j := 0; j < perClient; j++ {
				id := strconv.Itoa(i*perClient + j)
				path := [...]string{"/loop/", "/defer/", "/pool/"}[j%3] + id
				resp, err := cl.Get(s.URL + path)
				if err != nil {
					failed.Add(1)
					continue
				}
				b, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil || string(b) != id || resp.Header.Get("X-Leak") != "" {
					if wrong.Add(1) <= 5 {
						t.Errorf("%s: got %q (X-Leak %q, err %v)", path, b, resp.Header.Get("X-Leak"), err)
					}
				}
			}
		}(i)
	}
	wg.Wait()
	took := time.Since(start)
	stopLeak.Store(true)
	for deadline := time.Now().Add(10 * time.Second); pending.Load() != 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d leaked goroutines still running after 10 s", pending.Load())
		}
	}

	runtime.GC()
	var m1 runtime.MemStats
	runtime.ReadMemStats(&m1)
	t.Logf("%d requests in %v: %d wrong bodies, %d transport failures", clients*perClient, took, wrong.Load(), failed.Load())
	t.Logf("leaked calls %d: %d ErrStaleCtx, %d ErrResponded, %d accepted",
		calls.Load(), stale.Load(), respond.Load(), accepted.Load())
	t.Logf("heap %d KiB -> %d KiB, goroutines %d -> %d", m0.HeapAlloc>>10, m1.HeapAlloc>>10, g0, runtime.NumGoroutine())
	if wrong.Load() != 0 || failed.Load() != 0 {
		t.Errorf("%d wrong answers, %d failures, want none", wrong.Load(), failed.Load())
	}
	if accepted.Load() != 0 {
		t.Errorf("%d leaked calls were accepted, want every one refused", accepted.Load())
	}
	if stale.Load() == 0 {
		t.Errorf("no leaked call saw ErrStaleCtx")
	}
	if m1.HeapAlloc > m0.HeapAlloc+16<<20 {
		t.Errorf("heap grew by %d KiB, want < 16 MiB", (m1.HeapAlloc-m0.HeapAlloc)>>10)
	}
	if got := s.Get(t, "/loop/7").Text(); got != "7" {
		t.Errorf("after the attack: %q", got)
	}
}
