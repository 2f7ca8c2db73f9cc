package eddy_test

import (
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
