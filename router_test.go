package eddy_test

import (
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/eddytest"
)

func TestRoutesOverSockets(t *testing.T) {
	app := eddy.New(eddy.Config{})
	app.Get("/", func(c *eddy.Ctx) error { return c.Text("root") })
	app.Get("/users/{id}", func(c *eddy.Ctx) error { return c.Text("user " + c.Param("id")) })
	app.Get("/users/{id}/posts/{post:[0-9]+}", func(c *eddy.Ctx) error {
		return c.Text(c.Param("id") + "/" + c.Param("post") + " " + c.Method())
	})
	app.Post("/users", func(c *eddy.Ctx) error { return c.Status(201).Text("created") })
	app.Get("/static/{path:.*}", func(c *eddy.Ctx) error { return c.Text("file " + c.Param("path")) })
	app.Get("/q", func(c *eddy.Ctx) error {
		return c.Text(c.Query("a") + "|" + strings.Join(c.QueryValues("b"), ",") + "|" + c.Query("missing"))
	})
	app.Get("/raw/{p}", func(c *eddy.Ctx) error { return c.Text(c.Param("p") + " " + c.RawPath()) })
	app.Options("/custom-options", func(c *eddy.Ctx) error { return c.Text("mine") })
	app.Handle("PROPFIND", "/dav", func(c *eddy.Ctx) error { return c.Text(c.Method()) })
	s := eddytest.New(t, app)

	tests := []struct {
		method, path string
		status       int
		body         string
		allow        string
	}{
		{"GET", "/", 200, "root", ""},
		{"GET", "/users/42", 200, "user 42", ""},
		{"GET", "/users/7/posts/9", 200, "7/9 GET", ""},
		{"GET", "/users/7/posts/x", 404, "Not Found", ""},
		{"POST", "/users", 201, "created", ""},
		{"DELETE", "/users", 405, "Method Not Allowed", "OPTIONS, POST"},
		{"DELETE", "/users/1", 405, "Method Not Allowed", "GET, HEAD, OPTIONS"},
		{"HEAD", "/users/42", 200, "", ""},
		{"OPTIONS", "/users", 204, "", "OPTIONS, POST"},
		{"OPTIONS", "/users/1", 204, "", "GET, HEAD, OPTIONS"},
		{"OPTIONS", "/custom-options", 200, "mine", ""},
		{"GET", "/static/css/a.css", 200, "file css/a.css", ""},
		{"GET", "/nope", 404, "Not Found", ""},
		{"GET", "/q?a=1&b=x&b=y+z", 200, "1|x,y z|", ""},
		{"GET", "/raw/a%20b", 200, "a b /raw/a%20b", ""},
		{"GET", "/raw/a%2Fb", 200, "a%2Fb /raw/a%2Fb", ""},
		{"PROPFIND", "/dav", 200, "PROPFIND", ""},
	}
	for _, tc := range tests {
		r := s.Request(t, tc.method, tc.path, nil)
		if r.Status != tc.status || r.Text() != tc.body {
			t.Errorf("%s %s: %d %q, want %d %q", tc.method, tc.path, r.Status, r.Text(), tc.status, tc.body)
		}
		if got := r.Header.Get("Allow"); got != tc.allow {
			t.Errorf("%s %s: Allow %q, want %q", tc.method, tc.path, got, tc.allow)
		}
	}
	// A malformed escape (net/http refuses to send one: raw bytes).
	c := s.Dial(t)
	io.WriteString(c, "GET /raw/a%zz HTTP/1.1\r\nHost: x\r\n\r\n")
	if rs := readResponses(t, c, 1, "GET"); rs[0].StatusCode != 400 || body(rs[0]) != "malformed percent-escape in path" {
		t.Errorf("bad escape: %d %q", rs[0].StatusCode, body(rs[0]))
	}
	// HEAD gets GET's Content-Length and no body.
	r := s.Request(t, "HEAD", "/users/42", nil)
	if r.Header.Get("Content-Length") != "7" {
		t.Errorf("HEAD Content-Length %q, want 7", r.Header.Get("Content-Length"))
	}
}

func TestMiddlewareOrderAndGroups(t *testing.T) {
	mw := func(name string) eddy.Middleware {
		return func(next eddy.Handler) eddy.Handler {
			return func(c *eddy.Ctx) error {
				c.AddHeader("X-Trace", name+"-in")
				err := next(c)
				return err
			}
		}
	}
	app := eddy.New(eddy.Config{})
	app.Use(mw("app"))
	api := app.Group("/api", mw("api"))
	api.Get("/x", func(c *eddy.Ctx) error { return c.Text("x") }, eddy.With(mw("route")))
	admin := eddy.New(eddy.Config{})
	admin.Use(mw("admin"))
	admin.Get("/panel", func(c *eddy.Ctx) error { return c.Text("panel") }, eddy.Name("panel"))
	app.Mount("/admin", admin)
	s := eddytest.New(t, app)

	tests := []struct {
		path   string
		status int
		trace  []string
	}{
		{"/api/x", 200, []string{"app-in", "api-in", "route-in"}},
		{"/admin/panel", 200, []string{"app-in", "admin-in"}},
		{"/missing", 404, []string{"app-in"}}, // app middleware wraps 404s
	}
	for _, tc := range tests {
		r := s.Get(t, tc.path)
		if r.Status != tc.status || fmt.Sprint(r.Header.Values("X-Trace")) != fmt.Sprint(tc.trace) {
			t.Errorf("%s: %d, trace %q, want %d %q", tc.path, r.Status, r.Header.Values("X-Trace"), tc.status, tc.trace)
		}
	}
	if u, err := app.URL("panel"); err != nil || u != "/admin/panel" {
		t.Errorf("URL(panel) = %q, %v", u, err)
	}
}
