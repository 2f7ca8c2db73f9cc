//go:build !race

package eddy_test

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/eddytest"
)

// procStatus reads a size in bytes from /proc/self/status (VmRSS, the
// resident set, or VmHWM, its peak); 0 where there is none.
func procStatus(t *testing.T, field string) int64 {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range bytes.Lines(b) {
		if v, ok := bytes.CutPrefix(line, []byte(field+":")); ok {
			kb, err := strconv.ParseInt(string(bytes.TrimSuffix(bytes.TrimSpace(v), []byte(" kB"))), 10, 64)
			if err != nil {
				t.Fatalf("%s: %q: %v", field, v, err)
			}
			return kb << 10
		}
	}
	return 0
}

// rssWatch returns the resident set now and a function that returns its
// peak since: VmHWM, after resetting it (Linux's clear_refs), or, where
// it cannot be reset, the resident set when it is called.
func rssWatch(t *testing.T) (now int64, peak func() int64) {
	t.Helper()
	now = procStatus(t, "VmRSS")
	if os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) != nil {
		return now, func() int64 { return procStatus(t, "VmRSS") }
	}
	return now, func() int64 { return procStatus(t, "VmHWM") }
}

// TestStreamBodyFullSpeedUpload uploads 1 GiB (EDDY_UPLOAD_FULL_MIB
// changes the size) as fast as loopback takes it, unpaced, to a
// StreamBody handler that reads it with io.Copy(io.Discard, ...): with a
// Content-Length under the default MaxInbound (1 MiB), chunked, and with
// a MaxInbound (32 KiB) below one read of the loop's (64 KiB). The
// handler is slower than the client, so the server pauses reading
// whenever the body's pipe is full; the connection then leaves the
// poller and TCP's window slows the client down, instead of the client
// being cut off at MaxInbound. The in-use heap may grow by at most
// 24 MiB and the peak RSS by at most 48 MiB: the body is never held.
func TestStreamBodyFullSpeedUpload(t *testing.T) {
	size := int64(1 << 30)
	if v := os.Getenv("EDDY_UPLOAD_FULL_MIB"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			t.Fatalf("EDDY_UPLOAD_FULL_MIB=%q: a positive number of MiB", v)
		}
		size = n << 20
	}
	tests := []struct {
		name       string
		maxInbound int
		chunked    bool
	}{
		{"content-length", 0, false},
		{"chunked", 0, true},
		{"small-maxinbound", 32 << 10, false},
	}
	const heapBound = 24 << 20
	const rssBound = 48 << 20
	tightGC(t)
	for _, tc := range tests {
		app := eddy.New(eddy.Config{MaxInbound: tc.maxInbound})
		app.Post("/up", func(c *eddy.Ctx) error {
			n, err := io.Copy(io.Discard, c.BodyReader())
			if err != nil {
				return err
			}
			return c.Text(strconv.FormatInt(n, 10))
		}, eddy.StreamBody, eddy.MaxBody(2<<30))
		s := eddytest.New(t, app)
		base := heapNow()
		rss0, rssPeak := rssWatch(t)
		stop := heapWatch()
		start := time.Now()
		c := s.Dial(t)
		sent := make(chan error, 1)
		go func() { sent <- sendBody(c, size, tc.chunked) }()
		c.SetReadDeadline(time.Now().Add(2 * time.Minute))
		resp, err := http.ReadResponse(c.Reader(), &http.Request{Method: "POST"})
		if err != nil {
			t.Fatalf("%s: upload: %v (the client's writes: %v)", tc.name, err, <-sent)
		}
		b, _ := io.ReadAll(resp.Body)
		peak := stop()
		rss1 := rssPeak()
		if err := <-sent; err != nil {
			t.Fatalf("%s: the client's writes failed: %v", tc.name, err)
		}
		if resp.StatusCode != 200 || string(b) != strconv.FormatInt(size, 10) {
			t.Fatalf("%s: upload: %d %q", tc.name, resp.StatusCode, b)
		}
		growth, rssGrowth := int64(peak)-int64(base), rss1-rss0
		t.Logf("%s: %d MiB unpaced in %v, %d parks; heap %d MiB before, peak growth %d KiB (bound %d KiB); RSS %d MiB before, peak growth %d KiB (bound %d KiB)",
			tc.name, size>>20, time.Since(start).Round(time.Millisecond), eddy.Parks(app), base>>20, growth>>10, heapBound>>10, rss0>>20, rssGrowth>>10, rssBound>>10)
		if growth > heapBound {
			t.Errorf("%s: heap grew by %d KiB while uploading, bound %d KiB", tc.name, growth>>10, heapBound>>10)
		}
		if rss0 > 0 && rssGrowth > rssBound {
			t.Errorf("%s: RSS grew by %d KiB while uploading, bound %d KiB", tc.name, rssGrowth>>10, rssBound>>10)
		}
	}
}
