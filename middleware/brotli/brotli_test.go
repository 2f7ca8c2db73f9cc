package brotli

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/eddytest"
	"github.com/eddy-go/eddy/middleware"
	brrr "github.com/molecule-man/go-brrr"
)

func TestBrotli(t *testing.T) {
	body := strings.Repeat(`{"name":"eddy","n":1},`, 500)
	app := eddy.New(eddy.Config{})
	app.Use(middleware.Compress(middleware.CompressConfig{
		Encoders: []middleware.Encoder{Encoder(-1), middleware.Gzip(0)},
	}))
	app.Get("/", func(c *eddy.Ctx) error { return c.Blob("application/json", []byte(body)) })
	app.Get("/stream", func(c *eddy.Ctx) error {
		s, err := c.Stream("text/plain")
		if err != nil {
			return err
		}
		for range 20 {
			if _, err := s.WriteString("line\n"); err != nil {
				return err
			}
		}
		return s.Close()
	})
	s := eddytest.New(t, app)
	cases := []struct{ path, ae, coding, want string }{
		{"/", "gzip, deflate, br", "br", body},
		{"/", "br;q=0.5, gzip", "gzip", ""},
		{"/stream", "br", "br", strings.Repeat("line\n", 20)},
	}
	for _, tc := range cases {
		r := s.Get(t, tc.path, eddytest.Header("Accept-Encoding", tc.ae))
		if got := r.Header.Get("Content-Encoding"); got != tc.coding {
			t.Fatalf("%s %q: Content-Encoding %q, want %q", tc.path, tc.ae, got, tc.coding)
		}
		if tc.coding != "br" {
			continue
		}
		out, err := io.ReadAll(brrr.NewReader(bytes.NewReader(r.Body)))
		if err != nil || string(out) != tc.want {
			t.Fatalf("%s: decoded %d bytes, err %v", tc.path, len(out), err)
		}
	}
}
