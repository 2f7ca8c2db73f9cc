package eddy_test

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/eddytest"
)

// TestDeferredCallbackPanic: a deferred handler whose loop callback (a
// CallLater timer, a CallSoon function) panics does not kill the process:
// the panic is logged, that client gets its response if it was already
// sent, else a closed connection (never a hang), and the server, including
// the other connections of the same loop, keeps serving.
func TestDeferredCallbackPanic(t *testing.T) {
	var logs logBuffer
	app := eddy.New(eddy.Config{Loops: 1, Logger: quietLogger(&logs)})
	app.Get("/ok", func(c *eddy.Ctx) error { return c.Text("ok") })
	app.Get("/later", func(c *eddy.Ctx) error {
		c.Defer()
		c.Loop().CallLater(5*time.Millisecond, func() { panic("deferred timer") })
		return nil
	})
	app.Get("/later-after-text", func(c *eddy.Ctx) error {
		c.Defer()
		c.Loop().CallLater(5*time.Millisecond, func() {
			_ = c.Text("sent")
			panic("deferred timer after its response")
		})
		return nil
	})
	app.Get("/soon", func(c *eddy.Ctx) error {
		c.Defer()
		c.Loop().CallSoon(func() { panic("deferred soon") })
		return nil
	})
	s := eddytest.New(t, app)

	bystander := s.Dial(t)
	defer bystander.Close()
	bbr := bufio.NewReader(bystander)
	askOK := func(what string) {
		t.Helper()
		io.WriteString(bystander, "GET /ok HTTP/1.1\r\nHost: x\r\n\r\n")
		bystander.SetReadDeadline(time.Now().Add(10 * time.Second))
		r, err := http.ReadResponse(bbr, nil)
		if err != nil {
			t.Fatalf("%s: bystander: %v", what, err)
		}
		b, _ := io.ReadAll(r.Body)
		if r.StatusCode != 200 || string(b) != "ok" {
			t.Fatalf("%s: bystander got %d %q", what, r.StatusCode, b)
		}
	}
	askOK("before")
	panics := 0
	for _, path := range []string{"/later", "/later-after-text", "/soon"} {
		t.Run(strings.TrimPrefix(path, "/"), func(t *testing.T) {
			c := s.Dial(t)
			defer c.Close()
			io.WriteString(c, "GET "+path+" HTTP/1.1\r\nHost: x\r\n\r\n")
			c.SetReadDeadline(time.Now().Add(10 * time.Second))
			br := bufio.NewReader(c)
			r, err := http.ReadResponse(br, nil)
			var ne net.Error
			switch {
			case errors.As(err, &ne) && ne.Timeout():
				t.Fatal("no response and the connection is still open: the client hangs")
			case err != nil:
				t.Logf("connection closed: %v", err)
			default:
				b, _ := io.ReadAll(r.Body)
				t.Logf("response %d %q", r.StatusCode, b)
				if !(r.StatusCode == 500 || path == "/later-after-text" && r.StatusCode == 200 && string(b) == "sent") {
					t.Fatalf("got %d %q, want a 500 or a closed connection", r.StatusCode, b)
				}
			}
			panics++
			waitForLog(t, &logs, "loop: callback panicked", panics)
			askOK(path)
			if r := s.Get(t, "/ok"); r.Status != 200 || r.Text() != "ok" {
				t.Fatalf("new connection after %s: %d %q", path, r.Status, r.Text())
			}
		})
	}
}

// waitForLog waits until logs holds n lines containing msg.
func waitForLog(t *testing.T, logs *logBuffer, msg string, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for strings.Count(logs.String(), msg) < n {
		if time.Now().After(deadline) {
			t.Fatalf("log has %d %q lines, want %d:\n%s", strings.Count(logs.String(), msg), msg, n, logs.String())
		}
		time.Sleep(time.Millisecond) // polling interval, not synchronisation
	}
}

// TestCompleteAfterResponse: Complete on a Ctx whose response is already
// finished returns ErrResponded and never runs h; a Complete accepted
// before a response that other code then finished skips h on the loop.
// Either way nothing is logged (h would meet ErrResponded, which was logged
// as the server's error) and the client gets the one answer.
func TestCompleteAfterResponse(t *testing.T) {
	logger, _ := boundedLog(t, 0)
	app := eddy.New(eddy.Config{Loops: 1, Logger: logger})
	ran := make(chan string, 4)
	results := make(chan error, 4)
	h := func(path string) eddy.Handler {
		return func(c *eddy.Ctx) error {
			ran <- path
			return c.Text("from Complete")
		}
	}
	// In the pool the request cannot end before the handler returns, so
	// the refusal is the only possible answer.
	app.Get("/pool", func(c *eddy.Ctx) error {
		err := c.Text("direct")
		results <- c.Complete(h("/pool"))
		return err
	}, eddy.InPool)
	// On the loop: Complete's job is queued before the direct answer's
	// wake-up, so it runs while the request is still current, answered.
	app.Get("/queued", func(c *eddy.Ctx) error {
		c.Defer()
		results <- c.Complete(h("/queued"))
		return c.Text("direct")
	})
	s := eddytest.New(t, app)
	for _, tc := range []struct {
		path string
		want error
	}{
		{"/pool", eddy.ErrResponded},
		{"/queued", nil},
	} {
		if got := s.Get(t, tc.path).Text(); got != "direct" {
			t.Errorf("%s: body %q, want the direct answer", tc.path, got)
		}
		if err := <-results; !errors.Is(err, tc.want) {
			t.Errorf("%s: Complete = %v, want %v", tc.path, err, tc.want)
		}
	}
	if got := s.Get(t, "/pool").Text(); got != "direct" { // the connection state is sound after
		t.Errorf("again: body %q", got)
	}
	<-results
	select {
	case p := <-ran:
		t.Errorf("%s: Complete's h ran on an answered request", p)
	default:
	}
}
