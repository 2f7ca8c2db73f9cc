package client

import (
	"fmt"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/eddytest"
)

// eddyUpstreams starts an eddy app with /a, /b (JSON), /echo (POST) and /gw,
// whose on-loop handler fans out to /a and /b with Start and answers the
// combined JSON from the callbacks, without leaving its loop.
func eddyUpstreams(t *testing.T, s func() *Session) *eddytest.Server {
	app := eddy.New(eddy.Config{})
	app.Get("/a", func(c *eddy.Ctx) error { return c.JSON(map[string]int{"a": 1}) })
	app.Get("/b", func(c *eddy.Ctx) error { return c.JSON(map[string]int{"b": 2}) })
	app.Post("/echo", func(c *eddy.Ctx) error { return c.Text(c.Body()) })
	var base string
	app.Get("/gw", func(c *eddy.Ctx) error {
		c.Defer()
		l := c.Loop()
		out := map[string]any{}
		pending := 2
		for _, name := range []string{"a", "b"} {
			req, _ := NewRequest("GET", base+"/"+name, nil)
			s().Start(l, req, func(resp *Response, err error) {
				l.AssertLoopOnly("Start callback") // runs on the handler's loop
				if err != nil {
					out[name] = err.Error()
				} else {
					var v map[string]int
					resp.JSON(&v)
					out[name] = v[name]
				}
				if pending--; pending == 0 {
					c.JSON(out)
				}
			})
		}
		return nil
	})
	srv := eddytest.New(t, app)
	base = srv.URL
	return srv
}

func TestEddyServer(t *testing.T) {
	var s *Session
	srv := eddyUpstreams(t, func() *Session { return s })
	s = newSession(t, Config{}) // closed before the app shuts down (cleanups run in reverse)
	for i := range 5 {
		resp, err := s.Post(ctxT(t), srv.URL+"/echo", "text/plain", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Close()
		var out map[string]int
		if _, err := s.GetJSON(ctxT(t), srv.URL+"/a", &out); err != nil || out["a"] != 1 {
			t.Fatalf("%d: %v %v", i, out, err)
		}
	}
	if n := s.total.Load(); n != 1 {
		t.Errorf("%d connections to eddy, want 1 (keep-alive)", n)
	}
}

func TestStartFanOutOnLoop(t *testing.T) {
	var s *Session
	srv := eddyUpstreams(t, func() *Session { return s })
	s = newSession(t, Config{})
	for range 3 {
		var got map[string]any
		if _, err := s.GetJSON(ctxT(t), srv.URL+"/gw", &got); err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got) != "map[a:1 b:2]" {
			t.Fatalf("gateway answered %v", got)
		}
	}
}

func TestStartErrorsAndCancel(t *testing.T) {
	var s *Session
	srv := eddyUpstreams(t, func() *Session { return s })
	s = newSession(t, Config{})
	l := s.srv.Loops()[0]
	type result struct {
		body string
		err  error
	}
	run := func(req *Request, cancelWith error) result {
		ch := make(chan result, 1)
		l.CallSoonThreadsafe(func() {
			cancel := s.Start(l, req, func(resp *Response, err error) {
				if err != nil {
					ch <- result{"", err}
					return
				}
				b, _ := resp.Bytes()
				ch <- result{string(b), nil}
			})
			if cancelWith != nil {
				cancel(cancelWith)
			}
		})
		select {
		case r := <-ch:
			return r
		case <-time.After(10 * time.Second):
			t.Fatal("no callback")
		}
		return result{}
	}
	req, _ := NewRequest("GET", srv.URL+"/a", nil)
	if r := run(req, nil); r.err != nil || r.body != `{"a":1}` {
		t.Errorf("%+v", r)
	}
	stop := fmt.Errorf("stop")
	if r := run(req, stop); r.err != stop {
		t.Errorf("cancelled: %+v", r)
	}
	bad := &Request{Method: "GET"}
	if r := run(bad, nil); r.err == nil {
		t.Errorf("no URL: %+v", r)
	}
}
