package eddy_test

import (
	"context"
	"io"
	"net"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/eddytest"
)

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
