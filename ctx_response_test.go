package eddy_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"strings"
	"testing"

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

// TestResponseHeaderAfterSend: the Content-Type a response method adds is
// a response header like any other once the response went out, for a
// middleware after its handler returned and for an OnFinish callback (the
// method hands the constant line to the engine without copying it into
// the Ctx's header lines); a Content-Type the handler set wins, and one
// deleted is gone.
func TestResponseHeaderAfterSend(t *testing.T) {
	tests := []struct {
		path       string
		h          eddy.Handler
		want       string
		wantFinish string // seen by OnFinish, which runs as the response goes
	}{
		{"/text", func(c *eddy.Ctx) error { return c.Text("hi") }, "text/plain; charset=utf-8", "text/plain; charset=utf-8"},
		{"/json", func(c *eddy.Ctx) error { return c.JSON(1) }, "application/json", "application/json"},
		{"/blob", func(c *eddy.Ctx) error { return c.Blob("image/png", []byte{1}) }, "image/png", "image/png"},
		{"/set", func(c *eddy.Ctx) error { return c.SetHeader("Content-Type", "text/csv").Text("a,b") }, "text/csv", "text/csv"},
		{"/deleted", func(c *eddy.Ctx) error {
			if err := c.Text("hi"); err != nil {
				return err
			}
			c.DelHeader("Content-Type")
			return nil
		}, "", "text/plain; charset=utf-8"},
	}
	app := eddy.New(eddy.Config{})
	seen := make(chan [2]string, 2*len(tests))
	app.Use(func(next eddy.Handler) eddy.Handler {
		return func(c *eddy.Ctx) error {
			c.OnFinish(func(c *eddy.Ctx) { seen <- [2]string{"finish " + c.Path(), c.ResponseHeader("Content-Type")} })
			err := next(c)
			seen <- [2]string{"after " + c.Path(), c.ResponseHeader("content-type")}
			return err
		}
	})
	for _, tt := range tests {
		app.Get(tt.path, tt.h)
	}
	s := eddytest.New(t, app)
	for _, tt := range tests {
		r := s.Get(t, tt.path)
		if got := r.Header.Get("Content-Type"); got != tt.wantFinish {
			t.Errorf("%s: sent Content-Type %q, want %q", tt.path, got, tt.wantFinish)
		}
		for _, want := range []string{tt.wantFinish, tt.want} {
			got := <-seen
			if got[1] != want {
				t.Errorf("%s: ResponseHeader = %q, want %q", got[0], got[1], want)
			}
		}
	}
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
