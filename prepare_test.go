package eddy_test

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/eddytest"
)

// gzipEncoder is a BodyEncoder on the standard library's gzip.
var gzipEncoder = &eddy.BodyEncoder{Open: func(dst io.Writer) eddy.EncodeWriter { return gzip.NewWriter(dst) }}

// gunzipBody decodes b or fails t.
func gunzipBody(t *testing.T, b []byte) string {
	t.Helper()
	r, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("gzip header: %v (%q)", err, b)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("gzip body: %v", err)
	}
	return string(out)
}

func TestOnPrepare(t *testing.T) {
	big := strings.Repeat("eddy ", 4000)
	offload := &eddy.BodyEncoder{Open: gzipEncoder.Open, OffloadAbove: 1024}
	var seen []string
	prepare := func(enc *eddy.BodyEncoder) eddy.Middleware {
		return func(next eddy.Handler) eddy.Handler {
			hook := func(c *eddy.Ctx) {
				c.SetHeader("X-Prepared", c.ResponseHeader("Content-Type"))
				if b, whole := c.PreparedBody(); whole {
					seen = append(seen, string(b))
				}
				if c.Query("enc") != "" && c.StatusCode() < 300 {
					c.SetHeader("Content-Encoding", "gzip")
					c.EncodeBody(enc)
				}
				if err := c.Text("nested"); err == nil {
					c.SetHeader("X-Nested", "sent")
				}
			}
			return func(c *eddy.Ctx) error {
				c.OnPrepare(hook)
				return next(c)
			}
		}
	}
	app := eddy.New(eddy.Config{})
	app.Use(prepare(gzipEncoder))
	app.Get("/text", func(c *eddy.Ctx) error { return c.Text("hello") })
	app.Get("/big", func(c *eddy.Ctx) error { return c.Text(big) })
	app.Get("/offload", func(c *eddy.Ctx) error { return c.Text(big) }, eddy.With(prepare(offload)))
	app.Get("/pool", func(c *eddy.Ctx) error { return c.Text(big) }, eddy.With(prepare(offload)), eddy.InPool)
	app.Get("/err", func(c *eddy.Ctx) error { return eddy.ErrNotFound })
	app.Get("/stream", func(c *eddy.Ctx) error {
		s, err := c.Stream("text/plain")
		if err != nil {
			return err
		}
		for i := 0; i < 3; i++ {
			if _, err := s.WriteString("piece "); err != nil {
				return err
			}
		}
		return s.Close()
	})
	s := eddytest.New(t, app)
	cases := []struct {
		path, ct, body string
		gz             bool
	}{
		{"/text", "text/plain; charset=utf-8", "hello", false},
		{"/text?enc=1", "text/plain; charset=utf-8", "hello", true},
		{"/big?enc=1", "text/plain; charset=utf-8", big, true},
		{"/offload?enc=1", "text/plain; charset=utf-8", big, true},
		{"/pool?enc=1", "text/plain; charset=utf-8", big, true},
		{"/err?enc=1", "text/plain; charset=utf-8", "Not Found", false},
		{"/stream", "text/plain", "piece piece piece ", false},
		{"/stream?enc=1", "text/plain", "piece piece piece ", true},
	}
	for _, tc := range cases {
		r := s.Get(t, tc.path, eddytest.Header("Accept-Encoding", "gzip"))
		if r.Header.Get("X-Prepared") != tc.ct {
			t.Errorf("%s: X-Prepared %q, want %q", tc.path, r.Header.Get("X-Prepared"), tc.ct)
		}
		if r.Header.Get("X-Nested") != "" {
			t.Errorf("%s: a response method inside a hook sent something", tc.path)
		}
		got := string(r.Body)
		if tc.gz {
			if r.Header.Get("Content-Encoding") != "gzip" {
				t.Fatalf("%s: Content-Encoding %q", tc.path, r.Header.Get("Content-Encoding"))
			}
			got = gunzipBody(t, r.Body)
		}
		if got != tc.body {
			t.Errorf("%s: body %.40q (%d bytes), want %.40q", tc.path, got, len(got), tc.body)
		}
	}
	if len(seen) == 0 || seen[0] != "hello" {
		t.Errorf("PreparedBody saw %.20q", seen)
	}
}

// TestEncodeBodyError: an encoder failing on a whole body turns into a 500
// from the error handler, whose answer is not encoded.
func TestEncodeBodyError(t *testing.T) {
	bad := &eddy.BodyEncoder{Open: func(io.Writer) eddy.EncodeWriter { return failingEncoder{} }}
	app := eddy.New(eddy.Config{Logger: quietLogger(io.Discard)})
	app.Get("/", func(c *eddy.Ctx) error {
		c.OnPrepare(func(c *eddy.Ctx) {
			if c.StatusCode() == 200 {
				c.EncodeBody(bad)
			}
		})
		return c.Text("hello")
	})
	s := eddytest.New(t, app)
	r := s.Get(t, "/")
	if r.Status != 500 || r.Text() != "Internal Server Error" {
		t.Fatalf("got %d %q", r.Status, r.Body)
	}
}

type failingEncoder struct{}

func (failingEncoder) Write([]byte) (int, error) { return 0, errors.New("broken encoder") }
func (failingEncoder) Flush() error              { return nil }
func (failingEncoder) Close() error              { return nil }

func TestSetRequestBody(t *testing.T) {
	app := eddy.New(eddy.Config{})
	app.Use(func(next eddy.Handler) eddy.Handler {
		return func(c *eddy.Ctx) error {
			if c.Header("X-Replace") != "" {
				c.SetRequestBody([]byte(c.Header("X-Replace")))
			}
			return next(c)
		}
	})
	app.Post("/json", func(c *eddy.Ctx) error {
		var v struct{ A int }
		if err := c.BindJSON(&v); err != nil {
			return err
		}
		return c.JSON(v.A)
	})
	app.Post("/form", func(c *eddy.Ctx) error { return c.Text(c.FormValue("a") + "|" + c.Body()) })
	s := eddytest.New(t, app)
	cases := []struct {
		path, ct, body, replace string
		want                    string
	}{
		{"/json", "application/json", `{"A":1}`, "", "1"},
		{"/json", "application/json", `{"A":1}`, `{"A":2}`, "2"},
		{"/form", "application/x-www-form-urlencoded", "a=x", "", "x|a=x"},
		{"/form", "application/x-www-form-urlencoded", "a=x", "a=y", "y|a=y"},
	}
	for _, tc := range cases {
		var opts []eddytest.Option
		if tc.replace != "" {
			opts = append(opts, eddytest.Header("X-Replace", tc.replace))
		}
		r := s.Post(t, tc.path, tc.ct, []byte(tc.body), opts...)
		if r.Status != 200 || r.Text() != tc.want {
			t.Errorf("%s %q (replace %q): %d %q, want %q", tc.path, tc.body, tc.replace, r.Status, r.Body, tc.want)
		}
	}
}
