package eddy_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/eddytest"
)

func quietLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

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

func TestStateKeys(t *testing.T) {
	userKey := eddy.NewKey[string]("user")
	countKey := eddy.NewKey[int]("count")
	dbKey := eddy.NewKey[*strings.Builder]("db")
	if userKey.Name() != "user" {
		t.Fatalf("Key.Name = %q, want user", userKey.Name())
	}
	app := eddy.New(eddy.Config{})
	app.OnStartup(func(ctx context.Context) error {
		dbKey.SetApp(app, &strings.Builder{})
		return nil
	})
	app.Use(func(next eddy.Handler) eddy.Handler {
		return func(c *eddy.Ctx) error {
			userKey.Set(c, c.Header("X-User"))
			return next(c)
		}
	})
	app.Get("/", func(c *eddy.Ctx) error {
		u, ok := userKey.Get(c)
		_, hasCount := countKey.Get(c) // never set on this request
		db, hasDB := dbKey.GetApp(c.App())
		return c.Text(fmt.Sprintf("%s %v %v %v", u, ok, hasCount, hasDB && db != nil))
	})
	s := eddytest.New(t, app)
	for _, u := range []string{"ada", "bob"} {
		if r := s.Get(t, "/", eddytest.Header("X-User", u)); r.Text() != u+" true false true" {
			t.Errorf("state: %q", r.Text())
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("SetApp on a running app did not panic")
		}
	}()
	dbKey.SetApp(app, nil)
}

func TestResponsesCookiesForms(t *testing.T) {
	app := eddy.New(eddy.Config{})
	app.Get("/json", func(c *eddy.Ctx) error { return c.JSON(map[string]any{"message": "Hello, World!"}) })
	app.Get("/html", func(c *eddy.Ctx) error { return c.HTML("<p>hi</p>") })
	app.Get("/blob", func(c *eddy.Ctx) error { return c.Blob("image/png", []byte{1, 2, 3}) })
	app.Get("/redirect", func(c *eddy.Ctx) error { return c.Redirect(303, "/json") })
	app.Get("/nocontent", func(c *eddy.Ctx) error { return c.NoContent(204) })
	app.Get("/empty", func(c *eddy.Ctx) error { c.Status(202); return nil })
	app.Get("/setcookie", func(c *eddy.Ctx) error {
		if err := c.SetCookie(&eddy.Cookie{Name: "sid", Value: "abc", Path: "/", HttpOnly: true, Secure: true,
			SameSite: eddy.SameSiteStrict, MaxAge: 60, Partitioned: true}); err != nil {
			return err
		}
		if err := c.SetCookie(&eddy.Cookie{Name: "bad", Value: "a;b"}); !errors.Is(err, eddy.ErrInvalidCookie) {
			return fmt.Errorf("invalid cookie accepted: %v", err)
		}
		return c.Text("set")
	})
	app.Get("/getcookie", func(c *eddy.Ctx) error { return c.Text(c.Cookie("sid") + "|" + c.Cookie("other")) })
	app.Post("/form", func(c *eddy.Ctx) error {
		f, err := c.Form()
		if err != nil {
			return err
		}
		out := c.FormValue("name") + "|" + strings.Join(f.Values("tag"), ",")
		if file := f.File("upload"); file != nil {
			out += "|" + file.Filename + "=" + string(file.Data)
		}
		return c.Text(out)
	})
	type user struct {
		Name string `json:"name"`
		Age  int    `json:"age"`
	}
	app.Post("/bind", func(c *eddy.Ctx) error {
		var u user
		if err := c.BindJSON(&u); err != nil {
			return err
		}
		if u.Name == "" {
			return eddy.NewHTTPError(422, "name is required")
		}
		return c.Status(201).JSON(u)
	})
	app.Post("/echo", func(c *eddy.Ctx) error { return c.Blob("application/octet-stream", c.BodyBytes()) }, eddy.MaxBody(16))
	s := eddytest.New(t, app)

	check := func(name string, r *eddytest.Response, status int, body string, hdr ...string) {
		t.Helper()
		if r.Status != status || r.Text() != body {
			t.Errorf("%s: %d %q, want %d %q", name, r.Status, r.Text(), status, body)
		}
		for i := 0; i < len(hdr); i += 2 {
			if got := r.Header.Get(hdr[i]); got != hdr[i+1] {
				t.Errorf("%s: %s = %q, want %q", name, hdr[i], got, hdr[i+1])
			}
		}
	}
	check("json", s.Get(t, "/json"), 200, `{"message":"Hello, World!"}`, "Content-Type", "application/json")
	check("html", s.Get(t, "/html"), 200, "<p>hi</p>", "Content-Type", "text/html; charset=utf-8")
	check("blob", s.Get(t, "/blob"), 200, "\x01\x02\x03", "Content-Type", "image/png")
	check("redirect", s.Get(t, "/redirect"), 303, "", "Location", "/json")
	check("nocontent", s.Get(t, "/nocontent"), 204, "", "Content-Length", "")
	check("empty", s.Get(t, "/empty"), 202, "", "Content-Length", "0")
	check("setcookie", s.Get(t, "/setcookie"), 200, "set",
		"Set-Cookie", "sid=abc; Path=/; Max-Age=60; Secure; HttpOnly; SameSite=Strict; Partitioned")
	check("getcookie", s.Get(t, "/getcookie", eddytest.Header("Cookie", `a=1; sid="xyz"; b=2`)), 200, "xyz|")

	check("urlencoded", s.Post(t, "/form", "application/x-www-form-urlencoded", []byte("name=Ada+L&tag=a&tag=b%21")), 200, "Ada L|a,b!")
	var mp bytes.Buffer
	mw := multipart.NewWriter(&mp)
	mw.WriteField("name", "Bob")
	fw, _ := mw.CreateFormFile("upload", "hello.txt")
	fw.Write([]byte("file body"))
	mw.Close()
	check("multipart", s.Post(t, "/form", mw.FormDataContentType(), mp.Bytes()), 200, "Bob||hello.txt=file body")
	check("form wrong type", s.Post(t, "/form", "text/plain", []byte("x")), 415,
		"Content-Type must be application/x-www-form-urlencoded or multipart/form-data")

	check("bind", s.Post(t, "/bind", "application/json", []byte(`{"name":"Ada","age":36}`)), 201, `{"name":"Ada","age":36}`)
	check("bind invalid", s.Post(t, "/bind", "application/json", []byte(`{"name":`)), 400, "invalid JSON body")
	check("bind 422", s.Post(t, "/bind", "application/json", []byte(`{"age":1}`)), 422, "name is required")
	check("bind wrong type", s.Post(t, "/bind", "text/plain", []byte(`{}`)), 415, "Content-Type must be application/json")
	check("bind empty", s.Post(t, "/bind", "application/json", []byte{}), 400, "empty request body")

	check("echo", s.Post(t, "/echo", "", []byte("0123456789abcdef")), 200, "0123456789abcdef")
	c := s.Dial(t)
	io.WriteString(c, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 17\r\n\r\n0123456789abcdefg")
	if rs := readResponses(t, c, 1, "POST"); rs[0].StatusCode != 413 {
		t.Errorf("per-route MaxBody: %d, want 413", rs[0].StatusCode)
	}
}

func TestHTTPClientKeepAlive(t *testing.T) {
	app := eddy.New(eddy.Config{})
	app.Get("/n/{n}", func(c *eddy.Ctx) error { return c.Text(c.Param("n")) })
	s := eddytest.New(t, app)
	for i := 0; i < 50; i++ {
		req, _ := http.NewRequest("GET", fmt.Sprintf("%s/n/%d", s.URL, i), nil)
		if r := s.Do(t, req); r.Text() != fmt.Sprint(i) {
			t.Fatalf("request %d: %q", i, r.Text())
		}
	}
}
