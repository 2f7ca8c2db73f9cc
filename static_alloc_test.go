//go:build !race

package eddy_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/eddytest"
)

// staticAllocCases feed TestStaticAllocs and BenchmarkStatic: a file in
// the Static's memory cache, and one kept open and sent with sendfile.
var staticAllocCases = []struct {
	name, file string
	size       int
}{
	{"memory", "4k.bin", 4 << 10},
	{"sendfile", "256k.bin", 256 << 10},
}

func staticAllocServer(t testing.TB) *eddytest.Server {
	dir := t.TempDir()
	for _, tc := range staticAllocCases {
		data := bytes.Repeat([]byte{'a' + byte(tc.size%26)}, tc.size)
		if err := os.WriteFile(filepath.Join(dir, tc.file), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	app := eddy.New(eddy.Config{Loops: 1})
	app.Static("/files", dir, eddy.StaticOptions{Revalidate: time.Hour})
	return eddytest.New(t, app)
}

// TestStaticAllocs: a cached static file costs no allocation per request,
// whether its bytes are in memory or it is kept open and sent with
// sendfile (as for TestServeAllocs, one Ctx handle slab per 32 requests).
func TestStaticAllocs(t *testing.T) {
	s := staticAllocServer(t)
	for _, tc := range staticAllocCases {
		t.Run(tc.name, func(t *testing.T) {
			c := s.Dial(t)
			req := []byte("GET /files/" + tc.file + " HTTP/1.1\r\nHost: x\r\n\r\n")
			body := bytes.Repeat([]byte{'a' + byte(tc.size%26)}, tc.size)
			buf := make([]byte, responseLen(t, c, req, string(body)))
			for range 100 {
				roundTrip(t, c, req, buf)
			}
			perK := allocsPer1000(t, func() { roundTrip(t, c, req, buf) })
			if !bytes.HasSuffix(buf, body) {
				t.Fatalf("response %.200q", buf)
			}
			if perK > 40 {
				t.Errorf("%d allocations per 1000 requests, want at most 40 (one Ctx handle slab per 32 requests)", perK)
			}
		})
	}
}

func BenchmarkStatic(b *testing.B) {
	s := staticAllocServer(b)
	for _, tc := range staticAllocCases {
		b.Run(tc.name, func(b *testing.B) {
			c := s.Dial(b)
			req := []byte("GET /files/" + tc.file + " HTTP/1.1\r\nHost: x\r\n\r\n")
			buf := make([]byte, responseLen(b, c, req, string(bytes.Repeat([]byte{'a' + byte(tc.size%26)}, tc.size))))
			b.ReportAllocs()
			b.SetBytes(int64(tc.size))
			b.ResetTimer()
			for range b.N {
				roundTrip(b, c, req, buf)
			}
		})
	}
}
