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
	"github.com/eddy-go/eddy/loop"
)

// TestEngineErrorsAreEddys: the engine's errors a user meets (a stream's
// Write and Close, the cause of Ctx.Context's cancellation) are the root
// package's: "eddy:" messages, errors.Is against the root sentinels, and
// errors.Is against the engine's still holds for code written before.
func TestEngineErrorsAreEddys(t *testing.T) {
	for _, tc := range []struct {
		err, engine error
	}{
		{eddy.ErrConnClosed, h1.ErrConnClosed},
		{eddy.ErrBackpressure, h1.ErrBackpressure},
		{eddy.ErrHandlerTimeout, h1.ErrHandlerTimeout},
		{eddy.ErrServerStopped, loop.ErrStopped},
	} {
		if !strings.HasPrefix(tc.err.Error(), "eddy: ") {
			t.Errorf("%q: want the eddy: prefix", tc.err)
		}
		if !errors.Is(tc.err, tc.engine) {
			t.Errorf("errors.Is(%q, %q) = false", tc.err, tc.engine)
		}
	}

	app := eddy.New(eddy.Config{HandlerTimeout: 200 * time.Millisecond, Logger: quietLogger(io.Discard)})
	causes := make(chan error, 2)
	started := make(chan struct{}, 1)
	wait := func(c *eddy.Ctx) error {
		started <- struct{}{}
		ctx := c.Context()
		select {
		case <-ctx.Done():
			causes <- context.Cause(ctx)
		case <-time.After(10 * time.Second):
			causes <- errors.New("never cancelled")
		}
		return nil
	}
	app.Get("/timeout", wait, eddy.InPool)
	app.Get("/leave", wait, eddy.InPool)
	s := eddytest.New(t, app)
	for _, tc := range []struct {
		path  string
		leave bool
		want  error
	}{
		{"/timeout", false, eddy.ErrHandlerTimeout},
		{"/leave", true, eddy.ErrConnClosed},
	} {
		conn := s.Dial(t)
		io.WriteString(conn, "GET "+tc.path+" HTTP/1.1\r\nHost: x\r\n\r\n")
		<-started
		if tc.leave {
			conn.Close()
		}
		select {
		case cause := <-causes:
			if !errors.Is(cause, tc.want) || !strings.HasPrefix(cause.Error(), "eddy: ") {
				t.Errorf("%s: context cause %v, want %v", tc.path, cause, tc.want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: handler never reported", tc.path)
		}
		conn.Close()
	}
}
