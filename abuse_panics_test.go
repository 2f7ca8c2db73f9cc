package eddy_test

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/eddytest"
)

// TestAbusePanickingCallbacks: clients hit routes whose loop callbacks
// panic (a deferred handler's CallLater timer and CallSoon function, a
// CallSoonThreadsafe function from another goroutine, a RunInExecutor done
// function) from several goroutines at once. The process survives, every
// attack request gets a response or a closed connection (none hangs), and
// the server answers every ordinary request afterwards.
func TestAbusePanickingCallbacks(t *testing.T) {
	const attackers, perAttacker = 4, 40
	logger, logs := boundedLog(t, attackers*perAttacker) // a panic line for each attack request at most
	app := eddy.New(eddy.Config{Logger: logger})
	app.Get("/ok", func(c *eddy.Ctx) error { return c.Text("ok") })
	app.Get("/timer", func(c *eddy.Ctx) error {
		c.Defer()
		c.Loop().CallLater(time.Millisecond, func() { panic("abuse timer") })
		return nil
	})
	app.Get("/soon", func(c *eddy.Ctx) error {
		c.Defer()
		c.Loop().CallSoon(func() { panic("abuse soon") })
		return nil
	})
	app.Get("/threadsafe", func(c *eddy.Ctx) error {
		l := c.Loop()
		go func() { _ = l.CallSoonThreadsafe(func() { panic("abuse threadsafe") }) }()
		return c.Text("ok")
	})
	app.Get("/done", func(c *eddy.Ctx) error {
		c.Defer()
		return c.Loop().RunInExecutor(func() {}, func() {
			_ = c.Text("done")
			panic("abuse executor done")
		})
	})
	s := eddytest.New(t, app)
	addr := app.Addr().String()

	routes := []string{"/timer", "/soon", "/threadsafe", "/done"}
	var answered, closed, hung atomic.Int64
	goroutines := runtime.NumGoroutine()
	start := time.Now()
	var wg sync.WaitGroup
	for a := range attackers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perAttacker {
				path := routes[(a+i)%len(routes)]
				c, err := net.DialTimeout("tcp", addr, 5*time.Second)
				if err != nil {
					closed.Add(1)
					continue
				}
				io.WriteString(c, "GET "+path+" HTTP/1.1\r\nHost: x\r\n\r\n")
				c.SetReadDeadline(time.Now().Add(5 * time.Second))
				r, err := http.ReadResponse(bufio.NewReader(c), nil)
				var ne net.Error
				switch {
				case errors.As(err, &ne) && ne.Timeout():
					hung.Add(1)
				case err != nil:
					closed.Add(1)
				default:
					io.Copy(io.Discard, r.Body)
					answered.Add(1)
				}
				c.Close()
			}
		}()
	}
	wg.Wait()
	attack := time.Since(start)
	panics := strings.Count(logs.String(), "loop: callback panicked")

	const after = 200
	ok := 0
	for range after {
		if r := s.Get(t, "/ok"); r.Status == 200 && r.Text() == "ok" {
			ok++
		}
	}
	t.Logf("%d attack requests in %v: %d answered, %d closed, %d hung; %d panics recovered on the loops; "+
		"goroutines %d before, %d after; %d/%d ordinary requests succeeded after",
		attackers*perAttacker, attack.Round(time.Millisecond), answered.Load(), closed.Load(), hung.Load(),
		panics, goroutines, runtime.NumGoroutine(), ok, after)
	if hung.Load() != 0 {
		t.Fatalf("%d attack requests hung", hung.Load())
	}
	if panics < attackers*perAttacker/2 {
		t.Fatalf("only %d panics logged: the attack did not run", panics)
	}
	if ok != after {
		t.Fatalf("%d/%d ordinary requests succeeded after the attack", ok, after)
	}
}
