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

// TestCompressEventStream: an event stream (text/event-stream, compressible
// by default) written from the loop goes through the encoder like any
// stream, on the loop and from a pool handler: before, its writes bypassed
// the encoder and sent raw bytes under Content-Encoding.
func TestCompressEventStream(t *testing.T) {
	app := eddy.New(eddy.Config{})
	app.Use(Compress(CompressConfig{Encoders: []Encoder{Gzip(1)}}))
	handler := func(c *eddy.Ctx) error {
		es, err := c.SSE(eddy.SSEOptions{})
		if err != nil {
			return err
		}
		go func() {
			for _, d := range []string{"one", "two", "three"} {
				if err := es.Send(eddy.Event{Data: d}); err != nil {
					t.Errorf("Send: %v", err)
				}
			}
			_ = es.Close()
		}()
		return nil
	}
	app.Get("/events", handler)
	app.Get("/pool/events", handler, eddy.InPool)
	s := eddytest.New(t, app)
	for _, path := range []string{"/events", "/pool/events"} {
		r := s.Get(t, path, eddytest.Header("Accept-Encoding", "gzip"))
		if r.Status != 200 || r.Header.Get("Content-Encoding") != "gzip" {
			t.Fatalf("%s: %d, Content-Encoding %q", path, r.Status, r.Header.Get("Content-Encoding"))
		}
		got := decodeBody(t, "gzip", r.Body)
		for _, d := range []string{"data: one\n", "data: two\n", "data: three\n"} {
			if !strings.Contains(got, d) {
				t.Fatalf("%s: decoded body %q lacks %q", path, got, d)
			}
		}
	}
}
