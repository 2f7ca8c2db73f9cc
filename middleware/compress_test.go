package middleware

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/eddytest"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zlib"
	"github.com/klauspost/compress/zstd"
)

func TestNegotiate(t *testing.T) {
	names := []string{"zstd", "gzip", "deflate"}
	cases := []struct {
		ae        string
		want      string // "" for identity
		forbidden bool
	}{
		{"", "", false},
		{"gzip", "gzip", false},
		{"GZIP", "gzip", false},
		{"x-gzip", "gzip", false},
		{"gzip, deflate, br, zstd", "zstd", false},
		{"gzip;q=1.0, zstd;q=0.5", "gzip", false},
		{"gzip;q=0.5, deflate;q=0.5", "gzip", false}, // tie: server order
		{"deflate, gzip;q=0", "deflate", false},
		{"gzip;q=0", "", false},
		{"*", "zstd", false},
		{"*;q=0.1, gzip;q=0.5", "gzip", false},
		{"*;q=0", "", true},
		{"br", "", false},
		{"br, identity;q=0", "", true},
		{"gzip, identity;q=0", "gzip", true},
		{"identity", "", false},
		{"gzip;q=0.000", "", false},
		{"gzip;q=2", "", false}, // malformed q counts as 0
		{"gzip;q=abc, zstd", "zstd", false},
		{"gzip ; q=0.8 , zstd ; q=0.9", "zstd", false},
		{"zstd;q=0, *", "gzip", false}, // a named q=0 beats *
		{",,,", "", false},
	}
	for _, tc := range cases {
		i, forbidden := negotiate([]byte(tc.ae), names)
		got := ""
		if i >= 0 {
			got = names[i]
		}
		if got != tc.want || forbidden != tc.forbidden {
			t.Errorf("Accept-Encoding %q: got %q forbidden=%v, want %q forbidden=%v", tc.ae, got, forbidden, tc.want, tc.forbidden)
		}
	}
}

// decodeBody decodes b by its Content-Encoding or fails t.
func decodeBody(t *testing.T, coding string, b []byte) string {
	t.Helper()
	var r io.Reader
	var err error
	switch coding {
	case "":
		return string(b)
	case "gzip":
		r, err = gzip.NewReader(bytes.NewReader(b))
	case "deflate":
		r, err = zlib.NewReader(bytes.NewReader(b))
	case "zstd":
		var d *zstd.Decoder
		d, err = zstd.NewReader(bytes.NewReader(b))
		if err == nil {
			defer d.Close()
		}
		r = d
	default:
		t.Fatalf("unexpected Content-Encoding %q", coding)
	}
	if err != nil {
		t.Fatalf("%s: %v", coding, err)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("%s body: %v", coding, err)
	}
	return string(out)
}

func TestCompress(t *testing.T) {
	json := `{"items":[` + strings.Repeat(`{"name":"eddy","n":12345},`, 800) + `{}]}`
	small := `{"ok":true}`
	app := eddy.New(eddy.Config{})
	app.Use(Compress(CompressConfig{OffloadAbove: 8 << 10}))
	app.Get("/json", func(c *eddy.Ctx) error { return c.Blob("application/json", []byte(json)) })
	app.Get("/pool", func(c *eddy.Ctx) error { return c.Blob("application/json", []byte(json)) }, eddy.InPool)
	app.Get("/small", func(c *eddy.Ctx) error { return c.Blob("application/json", []byte(small)) })
	app.Get("/png", func(c *eddy.Ctx) error { return c.Blob("image/png", []byte(json)) })
	app.Get("/already", func(c *eddy.Ctx) error {
		c.SetHeader("Content-Encoding", "gzip")
		return c.Blob("application/json", []byte(json))
	})
	app.Get("/notransform", func(c *eddy.Ctx) error {
		c.SetHeader("Cache-Control", "no-transform")
		return c.Blob("application/json", []byte(json))
	})
	app.Get("/vary", func(c *eddy.Ctx) error {
		c.SetHeader("Vary", "Origin")
		return c.Blob("application/json", []byte(json))
	})
	app.Get("/nocontent", func(c *eddy.Ctx) error { return c.NoContent(204) })
	app.Get("/stream", func(c *eddy.Ctx) error {
		s, err := c.Stream("text/event-stream")
		if err != nil {
			return err
		}
		for i := 0; i < 50; i++ {
			if _, err := s.WriteString("data: piece\n\n"); err != nil {
				return err
			}
		}
		return s.Close()
	})
	app.Get("/err", func(c *eddy.Ctx) error {
		return eddy.NewHTTPError(400, strings.Repeat("bad ", 500))
	})
	s := eddytest.New(t, app)
	stream := strings.Repeat("data: piece\n\n", 50)
	cases := []struct {
		path, ae string
		status   int
		coding   string
		vary     string
		body     string
	}{
		{"/json", "", 200, "", "Accept-Encoding", json},
		{"/json", "gzip", 200, "gzip", "Accept-Encoding", json},
		{"/json", "deflate", 200, "deflate", "Accept-Encoding", json},
		{"/json", "zstd", 200, "zstd", "Accept-Encoding", json},
		{"/json", "gzip, deflate, br, zstd", 200, "zstd", "Accept-Encoding", json},
		{"/json", "gzip;q=0, identity", 200, "", "Accept-Encoding", json},
		{"/pool", "gzip", 200, "gzip", "Accept-Encoding", json},
		{"/small", "gzip", 200, "", "Accept-Encoding", small},
		{"/small", "gzip, identity;q=0", 200, "gzip", "Accept-Encoding", small},
		{"/small", "br, identity;q=0", 406, "", "", ""},
		{"/png", "gzip", 200, "", "", json},
		{"/already", "zstd", 200, "gzip", "", json}, // left alone: not compressed twice
		{"/notransform", "gzip", 200, "", "", json},
		{"/vary", "gzip", 200, "gzip", "Origin, Accept-Encoding", json},
		{"/nocontent", "gzip", 204, "", "", ""},
		{"/stream", "gzip", 200, "gzip", "Accept-Encoding", stream},
		{"/stream", "zstd", 200, "zstd", "Accept-Encoding", stream},
		{"/stream", "", 200, "", "Accept-Encoding", stream},
		{"/err", "gzip", 400, "gzip", "Accept-Encoding", strings.Repeat("bad ", 500)},
	}
	for _, tc := range cases {
		var opts []eddytest.Option
		if tc.ae != "" {
			opts = append(opts, eddytest.Header("Accept-Encoding", tc.ae))
		} else {
			// Go's client asks for gzip itself unless told otherwise.
			opts = append(opts, eddytest.Header("Accept-Encoding", "identity"))
		}
		r := s.Get(t, tc.path, opts...)
		if r.Status != tc.status {
			t.Errorf("%s %q: status %d, want %d (%q)", tc.path, tc.ae, r.Status, tc.status, r.Body)
			continue
		}
		if got := r.Header.Get("Content-Encoding"); got != tc.coding {
			t.Errorf("%s %q: Content-Encoding %q, want %q", tc.path, tc.ae, got, tc.coding)
			continue
		}
		if got := strings.Join(r.Header.Values("Vary"), ", "); got != tc.vary {
			t.Errorf("%s %q: Vary %q, want %q", tc.path, tc.ae, got, tc.vary)
		}
		if tc.status == 406 {
			continue
		}
		coding := tc.coding
		if tc.path == "/already" {
			coding = "" // the handler's own bytes, sent as they are
		}
		if got := decodeBody(t, coding, r.Body); got != tc.body {
			t.Errorf("%s %q: body %.30q (%d bytes), want %.30q (%d)", tc.path, tc.ae, got, len(got), tc.body, len(tc.body))
		}
		if tc.coding != "" && tc.path == "/json" && len(r.Body) >= len(json)/4 {
			t.Errorf("%s %q: %d bytes compressed from %d", tc.path, tc.ae, len(r.Body), len(json))
		}
	}
}

// TestCompressHead: HEAD gets the Content-Length of the compressed body
// GET would send, and no body.
func TestCompressHead(t *testing.T) {
	body := strings.Repeat("text ", 1000)
	app := eddy.New(eddy.Config{})
	app.Use(Compress(CompressConfig{Encoders: []Encoder{Gzip(1)}}))
	app.Get("/", func(c *eddy.Ctx) error { return c.Text(body) })
	s := eddytest.New(t, app)
	get := s.Get(t, "/", eddytest.Header("Accept-Encoding", "gzip"))
	head := s.Request(t, "HEAD", "/", nil, eddytest.Header("Accept-Encoding", "gzip"))
	if head.Header.Get("Content-Length") != get.Header.Get("Content-Length") || len(head.Body) != 0 ||
		head.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("HEAD: %v %q; GET Content-Length %s", head.Header, head.Body, get.Header.Get("Content-Length"))
	}
}

func TestCompressConfigPanics(t *testing.T) {
	for name, f := range map[string]func(){
		"gzip level": func() { Gzip(42) },
		"no name":    func() { Compress(CompressConfig{Encoders: []Encoder{{Open: Gzip(1).Open}}}) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}
