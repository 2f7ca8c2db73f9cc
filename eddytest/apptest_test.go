package eddytest_test

import (
	"net/http"
	"testing"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/eddytest"
)

func TestTest(t *testing.T) {
	app := eddy.New(eddy.Config{})
	app.Get("/hello/{name}", func(c *eddy.Ctx) error {
		return c.Text("hello " + c.Param("name") + " " + c.Query("x") + " " + c.Cookie("k"))
	})
	app.Post("/echo", func(c *eddy.Ctx) error {
		var v map[string]int
		if err := c.BindJSON(&v); err != nil {
			return err
		}
		v["n"]++
		return c.JSON(v)
	})
	app.Get("/login", func(c *eddy.Ctx) error {
		return c.SetCookie(&eddy.Cookie{Name: "k", Value: "v1"})
	})
	// The first call, from the test owning app, starts it until the test
	// ends; the subtests below reuse it.
	if r := eddytest.Test(t, app, eddytest.NewRequest("GET", "/hello/x", nil)); r.StatusCode != 200 {
		t.Fatalf("status %d", r.StatusCode)
	}
	cases := []struct {
		name   string
		req    *http.Request
		status int
		body   string
	}{
		{"path and query", eddytest.NewRequest("GET", "/hello/ada?x=1", nil), 200, "hello ada 1 "},
		{"json", eddytest.NewJSONRequest("POST", "/echo", map[string]int{"n": 1}), 200, `{"n":2}`},
		{"bad json", eddytest.NewRequest("POST", "/echo", []byte("{")), 400, ""},
		{"not found", eddytest.NewRequest("GET", "/nowhere", nil), 404, ""},
		{"absolute URL", eddytest.NewRequest("GET", "http://example.com/hello/bob", nil), 200, "hello bob  "},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp := eddytest.Test(t, app, tc.req)
			body := make([]byte, 100)
			n, _ := resp.Body.Read(body)
			if resp.StatusCode != tc.status || tc.body != "" && string(body[:n]) != tc.body {
				t.Errorf("%d %q, want %d %q", resp.StatusCode, body[:n], tc.status, tc.body)
			}
		})
	}
	login := eddytest.Test(t, app, eddytest.NewRequest("GET", "/login", nil))
	req := eddytest.WithCookies(eddytest.NewRequest("GET", "/hello/ada", nil), login)
	var got string
	resp := eddytest.Test(t, app, req)
	b := make([]byte, 64)
	n, _ := resp.Body.Read(b)
	got = string(b[:n])
	if got != "hello ada  v1" {
		t.Errorf("with cookies: %q", got)
	}
	var v map[string]int
	eddytest.DecodeJSON(t, eddytest.Test(t, app, eddytest.NewJSONRequest("POST", "/echo", map[string]int{"n": 5})), &v)
	if v["n"] != 6 {
		t.Errorf("DecodeJSON: %v", v)
	}
}
