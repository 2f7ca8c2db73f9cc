package eddy_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/eddytest"
)

// TestBodylessStatusHasNoContentType: a 204, 304 or 1xx answer carries no
// Content-Type, whether a response method would add one or the handler set
// one; a 200 keeps it.
func TestBodylessStatusHasNoContentType(t *testing.T) {
	app := eddy.New(eddy.Config{})
	app.Get("/204-json", func(c *eddy.Ctx) error { return c.Status(204).JSON(map[string]int{"a": 1}) })
	app.Get("/204-text", func(c *eddy.Ctx) error { return c.Status(204).Text("") })
	app.Get("/204-set", func(c *eddy.Ctx) error {
		return c.SetHeader("Content-Type", "application/json").NoContent(204)
	})
	app.Get("/304", func(c *eddy.Ctx) error { return c.Status(304).Text("not modified") })
	app.Get("/204-stream", func(c *eddy.Ctx) error {
		s, err := c.Status(204).Stream("text/plain")
		if err != nil {
			return err
		}
		return s.Close()
	})
	app.Get("/200", func(c *eddy.Ctx) error { return c.Text("ok") })
	s := eddytest.New(t, app)
	for _, path := range []string{"/204-json", "/204-text", "/204-set", "/304", "/204-stream"} {
		r := s.Get(t, path)
		if ct, ok := r.Header["Content-Type"]; ok || len(r.Body) != 0 {
			t.Errorf("%s: %d, Content-Type %q, body %q; want no Content-Type and no body", path, r.Status, ct, r.Body)
		}
	}
	if r := s.Get(t, "/200"); r.Header.Get("Content-Type") != "text/plain; charset=utf-8" {
		t.Errorf("/200: Content-Type %q", r.Header.Get("Content-Type"))
	}
}

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
