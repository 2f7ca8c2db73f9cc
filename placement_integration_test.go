package eddy_test

import (
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/eddytest"
)

// TestPlacementsPipelinedInOrder mixes on-loop, pool, deferred (timer) and
// Go handlers on one pipelined connection, the slow ones first, and checks
// every response comes back in request order.
func TestPlacementsPipelinedInOrder(t *testing.T) {
	app := eddy.New(eddy.Config{})
	app.Get("/loop/{n}", func(c *eddy.Ctx) error { return c.Text("loop " + c.Param("n")) })
	app.Get("/pool/{n}", func(c *eddy.Ctx) error {
		time.Sleep(20 * time.Millisecond) // blocking is fine in the pool
		return c.Text("pool " + c.Param("n"))
	}, eddy.InPool)
	app.Get("/later/{n}", func(c *eddy.Ctx) error {
		c.Defer()
		c.Loop().CallLater(15*time.Millisecond, func() {
			c.Text("later " + c.Param("n"))
		})
		return nil
	})
	app.Get("/go/{n}", func(c *eddy.Ctx) error {
		var v string
		return c.Go(func() error {
			time.Sleep(10 * time.Millisecond)
			v = "go"
			return nil
		}, func(c *eddy.Ctx) error { return c.Text(v + " " + c.Param("n")) })
	})
	app.Get("/goerr", func(c *eddy.Ctx) error {
		return c.Go(func() error { return eddy.ErrConflict }, func(c *eddy.Ctx) error { return c.Text("unreachable") })
	})
	app.Get("/complete", func(c *eddy.Ctx) error {
		c.Defer()
		go func() {
			if err := c.Complete(func(c *eddy.Ctx) error { return eddy.ErrGone }); err != nil {
				t.Error(err)
			}
		}()
		return nil
	})
	app.Post("/poolecho", func(c *eddy.Ctx) error { return c.Text(c.Body()) }, eddy.InPool)
	s := eddytest.New(t, app)

	kinds := []string{"pool", "later", "loop", "go", "pool", "loop", "later", "go"}
	var req strings.Builder
	var want []string
	for i, k := range kinds {
		fmt.Fprintf(&req, "GET /%s/%d HTTP/1.1\r\nHost: x\r\n\r\n", k, i)
		want = append(want, fmt.Sprintf("%s %d", k, i))
	}
	req.WriteString("GET /goerr HTTP/1.1\r\nHost: x\r\n\r\n")
	req.WriteString("GET /complete HTTP/1.1\r\nHost: x\r\n\r\n")
	req.WriteString("POST /poolecho HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n")
	want = append(want, "Conflict", "Gone", "abcde")
	c := s.Dial(t)
	// Split the batch at arbitrary points: the order must not depend on it.
	raw := req.String()
	for i := 0; i < len(raw); i += 37 {
		end := min(i+37, len(raw))
		if _, err := io.WriteString(c, raw[i:end]); err != nil {
			t.Fatal(err)
		}
	}
	rs := readResponses(t, c, len(want), "GET")
	for i, r := range rs {
		if body(r) != want[i] {
			t.Errorf("response %d: %d %q, want %q", i, r.StatusCode, body(r), want[i])
		}
	}
}

// TestPoolKeepsLoopFree: a blocking pool handler does not stall on-loop
// requests on the same loop.
func TestPoolKeepsLoopFree(t *testing.T) {
	release := make(chan struct{})
	var started atomic.Bool
	app := eddy.New(eddy.Config{Loops: 1})
	app.Get("/block", func(c *eddy.Ctx) error {
		started.Store(true)
		<-release
		return c.Text("unblocked")
	}, eddy.InPool)
	app.Get("/fast", func(c *eddy.Ctx) error { return c.Text("fast") })
	s := eddytest.New(t, app)
	blocked := s.Dial(t)
	io.WriteString(blocked, "GET /block HTTP/1.1\r\nHost: x\r\n\r\n")
	waitUntil(t, 5*time.Second, "the pool handler to start", started.Load)
	for i := 0; i < 20; i++ {
		if r := s.Get(t, "/fast"); r.Text() != "fast" {
			t.Fatalf("fast: %q", r.Text())
		}
	}
	close(release)
	if rs := readResponses(t, blocked, 1, "GET"); body(rs[0]) != "unblocked" {
		t.Errorf("blocked: %q", body(rs[0]))
	}
}

func TestAppDefaultPlacementInPool(t *testing.T) {
	app := eddy.New(eddy.Config{Placement: eddy.InPool})
	app.Get("/sleep", func(c *eddy.Ctx) error {
		time.Sleep(time.Millisecond)
		return c.Text("slept")
	})
	app.Get("/loop", func(c *eddy.Ctx) error {
		// Defer is how a handler learns it can finish later; on the loop
		// it is allowed, in the pool it is a no-op detach.
		return c.Text("loop")
	}, eddy.OnLoop)
	s := eddytest.New(t, app)
	if r := s.Get(t, "/sleep"); r.Text() != "slept" {
		t.Errorf("sleep: %q", r.Text())
	}
	if r := s.Get(t, "/loop"); r.Text() != "loop" {
		t.Errorf("loop: %q", r.Text())
	}
}

func TestStreams(t *testing.T) {
	app := eddy.New(eddy.Config{})
	app.Get("/stream", func(c *eddy.Ctx) error {
		st, err := c.Stream("text/plain")
		if err != nil {
			return err
		}
		for i := 0; i < 3; i++ {
			if _, err := fmt.Fprintf(st, "part %d\n", i); err != nil {
				return err
			}
		}
		return nil // closed for the handler
	})
	app.Get("/poolstream", func(c *eddy.Ctx) error {
		st, err := c.Stream("application/octet-stream")
		if err != nil {
			return err
		}
		chunk := []byte(strings.Repeat("x", 32<<10))
		for i := 0; i < 64; i++ { // 2 MiB: well past the high water mark, Write blocks
			if _, err := st.Write(chunk); err != nil {
				return err
			}
		}
		return st.Close()
	}, eddy.InPool)
	app.Get("/ticker", func(c *eddy.Ctx) error {
		st, err := c.Stream("text/event-stream")
		if err != nil {
			return err
		}
		c.Defer()
		n := 0
		var tick func()
		tick = func() {
			if n == 3 {
				st.Close()
				return
			}
			fmt.Fprintf(st, "data: %d\n\n", n)
			n++
			c.Loop().CallLater(5*time.Millisecond, tick)
		}
		tick()
		return nil
	})
	app.Get("/loopbig", func(c *eddy.Ctx) error {
		st, err := c.Stream("")
		if err != nil {
			return err
		}
		c.Defer()
		chunk := []byte(strings.Repeat("y", 16<<10))
		sent := 0
		var pump func()
		pump = func() {
			for sent < 128 { // 2 MiB from the loop, obeying backpressure
				if _, err := st.Write(chunk); err == eddy.ErrBackpressure {
					st.OnWritable(pump)
					return
				} else if err != nil {
					return
				}
				sent++
			}
			st.Close()
		}
		pump()
		return nil
	})
	s := eddytest.New(t, app)
	r := s.Get(t, "/stream")
	if r.Text() != "part 0\npart 1\npart 2\n" || r.Header.Get("Content-Type") != "text/plain" {
		t.Errorf("stream: %q %v", r.Text(), r.Header)
	}
	if r := s.Get(t, "/poolstream"); len(r.Body) != 2<<20 {
		t.Errorf("pool stream: %d bytes", len(r.Body))
	}
	if r := s.Get(t, "/ticker"); r.Text() != "data: 0\n\ndata: 1\n\ndata: 2\n\n" {
		t.Errorf("ticker: %q", r.Text())
	}
	if r := s.Get(t, "/loopbig"); len(r.Body) != 2<<20 || strings.Trim(r.Text(), "y") != "" {
		t.Errorf("loop stream with backpressure: %d bytes", len(r.Body))
	}
}
