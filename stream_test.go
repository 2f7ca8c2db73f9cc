package eddy_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/eddytest"
)

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
