package eddy_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/eddytest"
	"github.com/eddy-go/eddy/internal/h1"
)

// TestHandlerTimeoutDefault: a zero HandlerTimeout means 60 s, for the app
// and for the engine; a negative one means none.
func TestHandlerTimeoutDefault(t *testing.T) {
	if got := eddy.New(eddy.Config{}).Config().HandlerTimeout; got != 60*time.Second {
		t.Errorf("default HandlerTimeout %v, want 60s", got)
	}
	if got := eddy.New(eddy.Config{HandlerTimeout: -1}).Config().HandlerTimeout; got >= 0 {
		t.Errorf("HandlerTimeout -1 became %v, want it kept negative (none)", got)
	}
	if h1.DefaultHandlerTimeout != 60*time.Second {
		t.Errorf("h1.DefaultHandlerTimeout %v", h1.DefaultHandlerTimeout)
	}
}

// TestHandlerTimeoutBounds: with a short HandlerTimeout, a hung pool
// handler and a deferred response never completed are answered 503 (the
// handler's context cancelled), while a streamed response that started
// runs past the timeout uncut.
func TestHandlerTimeoutBounds(t *testing.T) {
	const limit = 150 * time.Millisecond
	app := eddy.New(eddy.Config{HandlerTimeout: limit, Logger: quietLogger(io.Discard)})
	cause := make(chan error, 1)
	app.Get("/pool-hang", func(c *eddy.Ctx) error {
		ctx := c.Context()
		select {
		case <-ctx.Done():
			cause <- context.Cause(ctx)
		case <-time.After(10 * time.Second):
			cause <- errors.New("never cancelled")
		}
		return nil
	}, eddy.InPool)
	app.Get("/never", func(c *eddy.Ctx) error {
		c.Defer() // and never finish
		return nil
	})
	app.Get("/slow-stream", func(c *eddy.Ctx) error {
		s, err := c.Stream("text/plain")
		if err != nil {
			return err
		}
		for i := 0; i < 8; i++ { // 8 x 50 ms: well past the limit
			if _, err := s.WriteString("tick\n"); err != nil {
				return err
			}
			time.Sleep(50 * time.Millisecond)
		}
		return s.Close()
	}, eddy.InPool)
	s := eddytest.New(t, app)

	start := time.Now()
	if r := s.Get(t, "/pool-hang"); r.Status != 503 {
		t.Errorf("/pool-hang: status %d, want 503", r.Status)
	}
	if err := <-cause; !errors.Is(err, h1.ErrHandlerTimeout) {
		t.Errorf("/pool-hang: context cause %v", err)
	}
	if r := s.Get(t, "/never"); r.Status != 503 {
		t.Errorf("/never: status %d, want 503", r.Status)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("two timeouts of %v took %v", limit, took)
	}
	r := s.Get(t, "/slow-stream")
	if r.Status != 200 || r.Text() != strings.Repeat("tick\n", 8) {
		t.Errorf("/slow-stream: %d %q, want the whole stream", r.Status, r.Text())
	}
}
