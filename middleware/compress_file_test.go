package middleware

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/eddytest"
)

// TestCompressStreamedFile: a file large enough to be streamed under its own
// Content-Length is compressed as a chunked stream instead (its encoded
// length is not known in advance), a range of it is sent as is, and a
// client without Accept-Encoding gets the file byte for byte.
func TestCompressStreamedFile(t *testing.T) {
	dir := t.TempDir()
	want := strings.Repeat("eddy streams this file in pieces. ", 8<<10) // ~270 KiB: streamed, not cached
	path := filepath.Join(dir, "big.txt")
	if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
		t.Fatal(err)
	}
	app := eddy.New(eddy.Config{})
	app.Use(Compress(CompressConfig{}))
	app.Get("/big", func(c *eddy.Ctx) error { return c.File(path) }, eddy.InPool)
	s := eddytest.New(t, app)

	for _, coding := range []string{"gzip", "zstd", "deflate"} {
		r := s.Get(t, "/big", eddytest.Header("Accept-Encoding", coding))
		if r.Status != 200 || r.Header.Get("Content-Encoding") != coding {
			t.Fatalf("%s: %d, Content-Encoding %q", coding, r.Status, r.Header.Get("Content-Encoding"))
		}
		if got := decodeBody(t, coding, r.Body); got != want {
			t.Fatalf("%s: decoded %d bytes, want the file's %d", coding, len(got), len(want))
		}
	}
	r := s.Get(t, "/big", eddytest.Header("Accept-Encoding", "gzip"), eddytest.Header("Range", "bytes=10-19"))
	if r.Status != 206 || r.Header.Get("Content-Encoding") != "" || string(r.Body) != want[10:20] {
		t.Fatalf("range: %d %q %q", r.Status, r.Header.Get("Content-Encoding"), r.Body)
	}
	r = s.Get(t, "/big")
	if r.Status != 200 || r.Header.Get("Content-Encoding") != "" || !bytes.Equal(r.Body, []byte(want)) {
		t.Fatalf("identity: %d %q, %d bytes", r.Status, r.Header.Get("Content-Encoding"), len(r.Body))
	}
}
