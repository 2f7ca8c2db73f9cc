package eddytest_test

import (
	"io"
	"testing"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/eddytest"
)

func TestServer(t *testing.T) {
	app := eddy.New(eddy.Config{})
	app.Get("/hello/{name}", func(c *eddy.Ctx) error { return c.Text("hello " + c.Param("name")) })
	app.Post("/echo", func(c *eddy.Ctx) error {
		return c.Blob(c.Header("Content-Type"), c.BodyBytes())
	})
	s := eddytest.New(t, app)
	tests := []struct {
		got  *eddytest.Response
		code int
		body string
	}{
		{s.Get("/hello/ada"), 200, "hello ada"},
		{s.Post("/echo", "text/x-test", []byte("ping")), 200, "ping"},
		{s.Request("PUT", "/echo", "", nil), 405, "Method Not Allowed"},
		{s.Get("/missing", "Accept", "application/json"), 404, `{"error":"Not Found","status":404}`},
	}
	for i, tc := range tests {
		if tc.got.Status != tc.code || tc.got.Text() != tc.body {
			t.Errorf("case %d: %d %q, want %d %q", i, tc.got.Status, tc.got.Text(), tc.code, tc.body)
		}
	}
	c := s.Dial()
	io.WriteString(c, "GET /hello/raw HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	b, err := io.ReadAll(c)
	if err != nil || len(b) == 0 {
		t.Fatalf("raw: %q, %v", b, err)
	}
}
