package middleware

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/eddytest"
	"github.com/klauspost/compress/gzip"
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

// goid returns the calling goroutine's id, from its stack header.
func goid() string {
	var buf [64]byte
	f := strings.Fields(string(buf[:runtime.Stack(buf[:], false)]))
	return f[1]
}

// goidWriter is a gzip writer that records the goroutine of each Write.
type goidWriter struct {
	*gzip.Writer
	mu   *sync.Mutex
	seen map[string]int
}

func (w goidWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	w.seen[goid()] += len(p)
	w.mu.Unlock()
	return w.Writer.Write(p)
}

// TestCompressFileOffLoop: a file streamed from an on-loop handler behind
// Compress is compressed in the pool, piece by piece as it is read, never
// on the loop (a large file would hold the loop for as long as it takes
// to compress); the client decodes the whole file.
func TestCompressFileOffLoop(t *testing.T) {
	dir := t.TempDir()
	want := strings.Repeat("eddy compresses files in the pool. ", 32<<10) // ~1 MiB, 8 pieces
	path := filepath.Join(dir, "big.txt")
	if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	seen := map[string]int{}
	enc := Encoder{Name: "gzip", Open: func(dst io.Writer) eddy.EncodeWriter {
		return goidWriter{gzip.NewWriter(dst), &mu, seen}
	}}
	var loopG string
	app := eddy.New(eddy.Config{Loops: 1})
	app.Use(Compress(CompressConfig{Encoders: []Encoder{enc}}))
	app.Get("/big", func(c *eddy.Ctx) error {
		loopG = goid() // an on-loop handler runs on the loop's goroutine
		return c.File(path)
	})
	s := eddytest.New(t, app)
	r := s.Get(t, "/big", eddytest.Header("Accept-Encoding", "gzip"))
	if r.Status != 200 || r.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("%d, Content-Encoding %q", r.Status, r.Header.Get("Content-Encoding"))
	}
	if got := decodeBody(t, "gzip", r.Body); got != want {
		t.Fatalf("decoded %d bytes, want the file's %d", len(got), len(want))
	}
	mu.Lock()
	defer mu.Unlock()
	if n := seen[loopG]; n > 0 {
		t.Errorf("%d of the file's %d bytes were compressed on the loop", n, len(want))
	}
	total := 0
	for _, n := range seen {
		total += n
	}
	if total != len(want) {
		t.Errorf("the encoder saw %d bytes, want %d", total, len(want))
	}
}
