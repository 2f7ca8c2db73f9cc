package eddy_test

import (
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/eddytest"
)

func TestErrorsTextJSONAndPanics(t *testing.T) {
	var logs logBuffer
	app := eddy.New(eddy.Config{Logger: quietLogger(&logs)})
	app.Get("/notfound", func(c *eddy.Ctx) error { return eddy.ErrNotFound.WithMessage("no such user") })
	app.Get("/plain", func(c *eddy.Ctx) error { return errors.New("secret db password") })
	app.Get("/teapot", func(c *eddy.Ctx) error { return eddy.NewHTTPError(418, "short and stout") })
	app.Get("/auth", func(c *eddy.Ctx) error {
		c.SetHeader("WWW-Authenticate", `Bearer realm="x"`)
		c.SetHeader("Content-Type", "application/xml")
		return eddy.ErrUnauthorized
	})
	app.Get("/panic", func(c *eddy.Ctx) error {
		c.SetHeader("X-Leak", "no")
		panic("kaboom")
	})
	app.Get("/panic-later", func(c *eddy.Ctx) error {
		c.Defer()
		go c.Complete(func(c *eddy.Ctx) error { panic("later kaboom") })
		return nil
	})
	app.Get("/panic-pool", func(c *eddy.Ctx) error { panic("pool kaboom") }, eddy.InPool)
	app.Get("/badheader", func(c *eddy.Ctx) error { return c.SetHeader("X-Bad", "a\r\nInjected: yes").Text("sent?") })
	app.Get("/reserved", func(c *eddy.Ctx) error { return c.SetHeader("Content-Length", "5").Text("sent?") })
	app.Get("/ok", func(c *eddy.Ctx) error { return c.Text("ok") })
	s := eddytest.New(t, app)

	tests := []struct {
		path, accept string
		status       int
		body, ctype  string
	}{
		{"/notfound", "", 404, "no such user", "text/plain; charset=utf-8"},
		{"/notfound", "application/json", 404, `{"error":"no such user","status":404}`, "application/json"},
		{"/plain", "", 500, "Internal Server Error", "text/plain; charset=utf-8"},
		{"/plain", "application/json", 500, `{"error":"Internal Server Error","status":500}`, "application/json"},
		{"/teapot", "text/html,application/json;q=0.9,*/*;q=0.8", 418, `{"error":"short and stout","status":418}`, "application/json"},
		{"/auth", "", 401, "Unauthorized", "text/plain; charset=utf-8"},
		{"/badheader", "", 500, "Internal Server Error", "text/plain; charset=utf-8"},
		{"/reserved", "", 500, "Internal Server Error", "text/plain; charset=utf-8"},
	}
	for _, tc := range tests {
		r := s.Get(t, tc.path, eddytest.Header("Accept", tc.accept))
		if r.Status != tc.status || r.Text() != tc.body || r.Header.Get("Content-Type") != tc.ctype {
			t.Errorf("%s (Accept %q): %d %q %q, want %d %q %q", tc.path, tc.accept,
				r.Status, r.Text(), r.Header.Get("Content-Type"), tc.status, tc.body, tc.ctype)
		}
		if r.Header.Get("Injected") != "" {
			t.Errorf("%s: header injection", tc.path)
		}
	}
	if r := s.Get(t, "/auth"); r.Header.Get("WWW-Authenticate") == "" {
		t.Error("error response lost the WWW-Authenticate header the handler set")
	}
	if !strings.Contains(logs.String(), "secret db password") {
		t.Error("500 cause not logged")
	}

	// A panic: 500, stack logged, the connection closed, requests pipelined
	// behind it dropped.
	c := s.Dial(t)
	io.WriteString(c, "GET /ok HTTP/1.1\r\nHost: x\r\n\r\nGET /panic HTTP/1.1\r\nHost: x\r\n\r\nGET /ok HTTP/1.1\r\nHost: x\r\n\r\n")
	rs := readResponses(t, c, 2, "GET")
	if rs[0].StatusCode != 200 || rs[1].StatusCode != 500 || rs[1].Header.Get("X-Leak") != "" {
		t.Errorf("pipelined around a panic: %d, %d (X-Leak %q)", rs[0].StatusCode, rs[1].StatusCode, rs[1].Header.Get("X-Leak"))
	}
	expectClosed(t, c)
	if !strings.Contains(logs.String(), "kaboom") || !strings.Contains(logs.String(), "goroutine") {
		t.Error("panic and stack not logged")
	}
	// A panic in deferred code finished with Complete: the same.
	c = s.Dial(t)
	io.WriteString(c, "GET /panic-later HTTP/1.1\r\nHost: x\r\n\r\nGET /ok HTTP/1.1\r\nHost: x\r\n\r\n")
	if rs := readResponses(t, c, 1, "GET"); rs[0].StatusCode != 500 {
		t.Errorf("panic in Complete: %d", rs[0].StatusCode)
	}
	expectClosed(t, c)
	// In the pool: a 500 too (TestPanicClosesConnection covers every
	// placement's close).
	if r := s.Get(t, "/panic-pool"); r.Status != 500 {
		t.Errorf("panic in the pool: %d", r.Status)
	}
	// The server still serves.
	if r := s.Get(t, "/ok"); r.Status != 200 {
		t.Errorf("after the panic: %d", r.Status)
	}
}

func TestCustomErrorHandler(t *testing.T) {
	app := eddy.New(eddy.Config{ErrorHandler: func(c *eddy.Ctx, err error) {
		c.Status(eddy.StatusOf(err)).JSON(map[string]string{"oops": err.Error()})
	}})
	app.Get("/x", func(c *eddy.Ctx) error { return eddy.ErrConflict })
	s := eddytest.New(t, app)
	r := s.Get(t, "/x")
	var v map[string]string
	if r.Status != 409 || json.Unmarshal(r.Body, &v) != nil || v["oops"] != "eddy: 409 Conflict" {
		t.Errorf("custom error handler: %d %q", r.Status, r.Text())
	}
	if r := s.Get(t, "/none"); r.Status != 404 || !strings.Contains(r.Text(), "oops") {
		t.Errorf("404 through the custom handler: %d %q", r.Status, r.Text())
	}
}
