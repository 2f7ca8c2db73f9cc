package middleware

import (
	"bytes"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/eddytest"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zlib"
	"github.com/klauspost/compress/zstd"
)

func encodeWith(t *testing.T, coding string, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	switch coding {
	case "gzip", "x-gzip":
		w := gzip.NewWriter(&buf)
		w.Write(b)
		w.Close()
	case "deflate":
		w := zlib.NewWriter(&buf)
		w.Write(b)
		w.Close()
	case "zstd":
		w, _ := zstd.NewWriter(&buf)
		w.Write(b)
		w.Close()
	default:
		return b
	}
	return buf.Bytes()
}

func TestDecompress(t *testing.T) {
	app := eddy.New(eddy.Config{MaxBody: 1 << 20})
	app.Use(Decompress(DecompressConfig{MaxSize: 64 << 10}))
	app.Post("/json", func(c *eddy.Ctx) error {
		var v struct{ Name string }
		if err := c.BindJSON(&v); err != nil {
			return err
		}
		return c.Text(v.Name)
	})
	app.Post("/len", func(c *eddy.Ctx) error { return c.JSON(len(c.BodyBytes())) })
	s := eddytest.New(t, app)
	doc := []byte(`{"Name":"eddy"}`)
	bomb := make([]byte, 64<<20) // 64 MiB of zeros: ~64 KiB gzipped, ~2 KiB in zstd
	exact := make([]byte, 64<<10)
	noise := make([]byte, 40<<10) // incompressible: encoded past OffloadAbove, decoded in the pool
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range noise {
		noise[i] = byte(rng.Uint32())
	}
	cases := []struct {
		name, path, coding string
		sendAs             string // Content-Encoding sent, if not coding
		body               []byte
		raw                []byte // sent as is instead of encoding body
		status             int
		want               string
	}{
		{name: "plain", path: "/json", body: doc, status: 200, want: "eddy"},
		{name: "identity", path: "/json", sendAs: "identity", body: doc, status: 200, want: "eddy"},
		{name: "gzip", path: "/json", coding: "gzip", body: doc, status: 200, want: "eddy"},
		{name: "x-gzip", path: "/json", coding: "x-gzip", body: doc, status: 200, want: "eddy"},
		{name: "deflate", path: "/json", coding: "deflate", body: doc, status: 200, want: "eddy"},
		{name: "zstd", path: "/json", coding: "zstd", body: doc, status: 200, want: "eddy"},
		{name: "limit exactly", path: "/len", coding: "gzip", body: exact, status: 200, want: "65536"},
		{name: "offloaded gzip", path: "/len", coding: "gzip", body: noise, status: 200, want: "40960"},
		{name: "offloaded zstd", path: "/len", coding: "zstd", body: noise, status: 200, want: "40960"},
		{name: "gzip bomb", path: "/len", coding: "gzip", body: bomb, status: 413},
		{name: "zstd bomb", path: "/len", coding: "zstd", body: bomb, status: 413},
		{name: "deflate bomb", path: "/len", coding: "deflate", body: bomb, status: 413},
		{name: "one past", path: "/len", coding: "zstd", body: make([]byte, 64<<10+1), status: 413},
		{name: "garbage gzip", path: "/len", sendAs: "gzip", raw: []byte("not gzip at all"), status: 400},
		{name: "garbage zstd", path: "/len", sendAs: "zstd", raw: []byte("not zstd at all"), status: 400},
		{name: "truncated", path: "/len", sendAs: "gzip", raw: encodeWith(t, "gzip", doc)[:12], status: 400},
		{name: "unknown", path: "/len", sendAs: "br", raw: []byte("x"), status: 415},
		{name: "stacked", path: "/len", sendAs: "gzip, zstd", raw: []byte("x"), status: 415},
	}
	for _, tc := range cases {
		body := tc.raw
		if body == nil {
			body = encodeWith(t, tc.coding, tc.body)
		}
		ce := tc.sendAs
		if ce == "" {
			ce = tc.coding
		}
		var opts []eddytest.Option
		if ce != "" {
			opts = append(opts, eddytest.Header("Content-Encoding", ce))
		}
		r := s.Post(t, tc.path, "application/json", body, opts...)
		if r.Status != tc.status || tc.want != "" && r.Text() != tc.want {
			t.Errorf("%s: %d %.60q, want %d %q", tc.name, r.Status, r.Body, tc.status, tc.want)
		}
	}
}

// TestDecompressInlineBound: a body small enough to be decoded where the
// handler runs (the loop) is decoded there only up to 64 KiB of output:
// a few hundred bytes of zstd or gzip that stand for MiB of zeros are
// left to the pool instead of inflating MaxSize bytes on the loop, and
// the request still sees its whole body.
func TestDecompressInlineBound(t *testing.T) {
	const max = 8 << 20
	big := make([]byte, 4<<20)
	small := []byte(`{"Name":"eddy"}`)
	cases := []struct {
		name, coding string
		body         []byte
		done         bool
	}{
		{"small gzip", "gzip", small, true},
		{"small zstd", "zstd", small, true},
		{"at the bound", "gzip", make([]byte, maxInlineDecode), true},
		{"zstd of 4 MiB", "zstd", big, false},
		{"gzip of 4 MiB", "gzip", big, false},
		{"deflate of 4 MiB", "deflate", big, false},
	}
	for _, tc := range cases {
		enc := encodeWith(t, tc.coding, tc.body)
		if len(enc) >= 16<<10 {
			t.Fatalf("%s: %d encoded bytes: past OffloadAbove, not a test of the inline bound", tc.name, len(enc))
		}
		body, done, err := decodeInline(tc.coding, enc, max)
		if done != tc.done || done && (err != nil || !bytes.Equal(body, tc.body)) {
			t.Errorf("%s: done %v (want %v), err %v, %d bytes", tc.name, done, tc.done, err, len(body))
		}
	}
	// End to end: the same bodies reach the handler whole.
	app := eddy.New(eddy.Config{MaxBody: 1 << 20})
	app.Use(Decompress(DecompressConfig{MaxSize: max}))
	app.Post("/len", func(c *eddy.Ctx) error { return c.JSON(len(c.BodyBytes())) })
	s := eddytest.New(t, app)
	for _, tc := range cases {
		r := s.Post(t, "/len", "application/octet-stream", encodeWith(t, tc.coding, tc.body), eddytest.Header("Content-Encoding", tc.coding))
		if want := strconv.Itoa(len(tc.body)); r.Status != 200 || r.Text() != want {
			t.Errorf("%s: %d %q, want 200 %s", tc.name, r.Status, r.Text(), want)
		}
	}
}
