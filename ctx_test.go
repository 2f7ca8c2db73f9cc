package eddy_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/eddytest"
)

// TestStaleCtxDoesNotReachNextRequest is the scenario of a handler that
// answers and leaks its Ctx to a goroutine which calls Text later, while
// the pooled state already serves another client's deferred request (one
// loop, so the second request reuses the first one's exchange): the second
// client gets its own response, the stale call gets ErrStaleCtx, nothing
// crashes.
func TestStaleCtxDoesNotReachNextRequest(t *testing.T) {
	app := eddy.New(eddy.Config{Loops: 1, Logger: quietLogger(io.Discard)})
	bServing := make(chan struct{})
	staleErr := make(chan error, 1)
	var leaked atomic.Bool
	app.Get("/a", func(c *eddy.Ctx) error {
		if leaked.Swap(true) {
			return c.Text("A") // only the first request leaks its Ctx
		}
		go func() {
			select {
			case <-bServing:
			case <-time.After(10 * time.Second):
			}
			staleErr <- c.Text("stale answer from A's goroutine")
		}()
		return c.Text("A")
	})
	bResult := make(chan error, 1)
	app.Get("/b", func(c *eddy.Ctx) error {
		c.Defer()
		close(bServing)
		go func() {
			var err error
			select {
			case err = <-staleErr:
				staleErr <- err
			case <-time.After(10 * time.Second):
			}
			bResult <- c.Complete(func(c *eddy.Ctx) error { return c.Text("B") })
		}()
		return nil
	})
	s := eddytest.New(t, app)

	get := func(path string) string {
		cl := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{}}
		defer cl.CloseIdleConnections()
		resp, err := cl.Get(s.URL + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatalf("GET %s: reading: %v", path, err)
		}
		return string(b)
	}
	if got := get("/a"); got != "A" {
		t.Fatalf("client A got %q", got)
	}
	if got := get("/b"); got != "B" {
		t.Errorf("client B got %q, want its own response", got)
	}
	if err := <-bResult; err != nil {
		t.Errorf("B's Complete: %v", err)
	}
	err := <-staleErr
	if !errors.Is(err, eddy.ErrStaleCtx) {
		t.Errorf("stale Text returned %v, want ErrStaleCtx", err)
	}
	// The server still serves.
	if got := get("/a"); got != "A" {
		t.Errorf("after: client A got %q", got)
	}
}

// TestContextCancelledOnDisconnect: a pool handler waiting on Ctx.Context
// sees it cancelled when the client goes away mid-request.
func TestContextCancelledOnDisconnect(t *testing.T) {
	cancelled := make(chan error, 1)
	started := make(chan struct{})
	app := eddy.New(eddy.Config{})
	app.Get("/wait", func(c *eddy.Ctx) error {
		close(started)
		select {
		case <-c.Context().Done():
			cancelled <- context.Cause(c.Context())
		case <-time.After(10 * time.Second):
			cancelled <- nil
		}
		return c.Text("too late")
	}, eddy.InPool)
	app.Get("/ok", func(c *eddy.Ctx) error { return c.Text("ok") })
	s := eddytest.New(t, app)
	c, err := net.Dial("tcp", s.App.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(c, "GET /wait HTTP/1.1\r\nHost: x\r\n\r\n")
	<-started
	c.Close()
	select {
	case err := <-cancelled:
		if err == nil {
			t.Fatal("context not cancelled after the client left")
		}
	case <-time.After(15 * time.Second):
		t.Fatal("handler never returned")
	}
	if r := s.Get(t, "/ok"); r.Text() != "ok" {
		t.Errorf("after a disconnect: %q", r.Text())
	}
}
