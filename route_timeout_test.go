package eddy_test

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/eddytest"
)

// TestHandlerTimeoutRoute: a route's HandlerTimeout answers 503 in its
// handler's place, whatever the app's (longer) limit, for a deferred
// on-loop handler and a pool handler; other routes keep the app's limit.
func TestHandlerTimeoutRoute(t *testing.T) {
	app := eddy.New(eddy.Config{HandlerTimeout: time.Minute, Logger: quietLogger(io.Discard)})
	cause := make(chan error, 1)
	app.Get("/pool", func(c *eddy.Ctx) error {
		<-c.Context().Done()
		cause <- context.Cause(c.Context())
		return nil
	}, eddy.InPool, eddy.HandlerTimeout(100*time.Millisecond))
	app.Get("/defer", func(c *eddy.Ctx) error {
		c.Defer() // never answered
		return nil
	}, eddy.HandlerTimeout(100*time.Millisecond))
	app.Get("/slow", func(c *eddy.Ctx) error {
		c.Defer()
		c.Loop().CallLater(300*time.Millisecond, func() { _ = c.Text("late but allowed") })
		return nil
	})
	s := eddytest.New(t, app)
	cases := []struct {
		path   string
		status int
		body   string
	}{
		{"/pool", 503, ""},
		{"/defer", 503, ""},
		{"/slow", 200, "late but allowed"},
	}
	for _, tc := range cases {
		r := s.Get(t, tc.path)
		if r.Status != tc.status || tc.body != "" && r.Text() != tc.body {
			t.Errorf("%s: %d %q, want %d %q", tc.path, r.Status, r.Body, tc.status, tc.body)
		}
	}
	select {
	case err := <-cause:
		if !errors.Is(err, eddy.ErrHandlerTimeout) {
			t.Errorf("pool handler's context cause: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("pool handler's context never cancelled")
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("HandlerTimeout(0) did not panic")
			}
		}()
		eddy.HandlerTimeout(0)
	}()
}
