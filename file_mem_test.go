//go:build !race

package eddy_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/eddytest"
)

// sparseFile makes a file of size bytes that takes no disk space.
func sparseFile(t *testing.T, size int64) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "big.bin")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(size); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return p
}

// heapWatch samples the in-use heap until stopped and returns the peak.
func heapWatch() (stop func() uint64) {
	var peak atomic.Uint64
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	return func() uint64 {
		close(done)
		<-finished
		return peak.Load()
	}
}

// tightGC makes the collector run at 25% heap growth until t ends, so the
// in-use heap the watchers sample is close to what is live: garbage from
// buffers that grew (gnet's inbound ring doubles) would otherwise count
// against the bound as if it were held.
func tightGC(t *testing.T) {
	old := debug.SetGCPercent(25)
	t.Cleanup(func() { debug.SetGCPercent(old) })
}

func heapNow() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

// TestFileLargeDownloadFlatMemory downloads a 1 GiB sparse file through a
// socket, streamed from the loop (read in the pool piece by piece), and a
// 256 MiB one from an InPool handler, and asserts that the in-use heap
// never grows by more than 24 MiB: the file is never held in memory.
func TestFileLargeDownloadFlatMemory(t *testing.T) {
	tests := []struct {
		path string
		size int64
	}{
		{"/loop", 1 << 30},
		{"/pool", 256 << 20},
	}
	const bound = 24 << 20
	tightGC(t)
	for _, tc := range tests {
		p := sparseFile(t, tc.size)
		app := eddy.New(eddy.Config{})
		app.Get("/loop", func(c *eddy.Ctx) error { return c.File(p) })
		app.Get("/pool", func(c *eddy.Ctx) error { return c.File(p) }, eddy.InPool)
		s := eddytest.New(t, app)

		base := heapNow()
		stop := heapWatch()
		start := time.Now()
		c := s.Dial(t)
		c.Send(t, "GET "+tc.path+" HTTP/1.1\r\nHost: x\r\n\r\n")
		c.SetReadDeadline(time.Now().Add(2 * time.Minute))
		resp, err := http.ReadResponse(c.Reader(), &http.Request{Method: "GET"})
		if err != nil {
			t.Fatal(err)
		}
		n, err := io.Copy(io.Discard, resp.Body)
		peak := stop()
		if err != nil || n != tc.size || resp.ContentLength != tc.size {
			t.Fatalf("%s: read %d of %d (Content-Length %d): %v", tc.path, n, tc.size, resp.ContentLength, err)
		}
		growth := int64(peak) - int64(base)
		t.Logf("%s: %d MiB in %v; heap %d MiB before, peak %d MiB (growth %d KiB, bound %d KiB)",
			tc.path, tc.size>>20, time.Since(start).Round(time.Millisecond), base>>20, peak>>20, growth>>10, bound>>10)
		if growth > bound {
			t.Errorf("%s: heap grew by %d KiB while downloading, bound %d KiB", tc.path, growth>>10, bound>>10)
		}
	}
}

// TestFileStalledReader: a client that requests a large file and stops
// reading is cut off by the write timeout, having received only what the
// socket buffers held, and the heap stays bounded meanwhile, whether the
// file streams from the loop or from a pool handler.
func TestFileStalledReader(t *testing.T) {
	const size = 512 << 20
	p := sparseFile(t, size)
	app := eddy.New(eddy.Config{WriteTimeout: 300 * time.Millisecond})
	app.Get("/loop", func(c *eddy.Ctx) error { return c.File(p) })
	app.Get("/pool", func(c *eddy.Ctx) error { return c.File(p) }, eddy.InPool)
	s := eddytest.New(t, app)
	for _, path := range []string{"/loop", "/pool"} {
		base := heapNow()
		stop := heapWatch()
		c, err := net.Dial("tcp", s.Address)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		io.WriteString(c, "GET "+path+" HTTP/1.1\r\nHost: x\r\n\r\n")
		// Read nothing until the server gave up: its side closes, which a
		// read of everything buffered then shows as the end.
		deadline := time.Now().Add(20 * time.Second)
		var got int64
		br := bufio.NewReaderSize(c, 64<<10)
		c.SetReadDeadline(deadline)
		time.Sleep(3 * time.Second) // the stall under test (ten write timeouts), not a synchronisation
		got, _ = io.Copy(io.Discard, br)
		peak := stop()
		if time.Now().After(deadline) {
			t.Fatalf("%s: the connection stayed open (read %d bytes)", path, got)
		}
		if got >= size {
			t.Errorf("%s: the whole file arrived (%d bytes): the client was not cut off", path, got)
		}
		growth := int64(peak) - int64(base)
		t.Logf("%s: received %d KiB before the close; heap growth %d KiB", path, got>>10, growth>>10)
		if growth > 16<<20 {
			t.Errorf("%s: heap grew by %d KiB for a stalled reader", path, growth>>10)
		}
	}
}

// TestStreamBodyLargeUploadFlatMemory uploads 64 MiB through a socket
// to a StreamBody handler that reads it as it arrives, and asserts that
// the in-use heap never grows by more than 24 MiB: the body is never held.
// The client paces itself at 16 MiB/s: a client slower than its handler,
// which never fills the body pipe (TestStreamBodyFullSpeedUpload covers one
// that outruns it: the connection parks and TCP holds the client back).
// EDDY_UPLOAD_MIB changes the size.
func TestStreamBodyLargeUploadFlatMemory(t *testing.T) {
	size := 64 << 20
	if v := os.Getenv("EDDY_UPLOAD_MIB"); v != "" {
		n, _ := strconv.Atoi(v)
		size = n << 20
	}
	const rate = 16 << 20 // bytes per second
	const bound = 24 << 20
	tightGC(t)
	app := eddy.New(eddy.Config{MaxInbound: 8 << 20})
	app.Post("/up", func(c *eddy.Ctx) error {
		n, err := io.Copy(io.Discard, c.BodyReader())
		if err != nil {
			return err
		}
		return c.Text(strconv.FormatInt(n, 10))
	}, eddy.StreamBody, eddy.MaxBody(2<<30))
	s := eddytest.New(t, app)
	base := heapNow()
	stop := heapWatch()
	start := time.Now()
	c := s.Dial(t)
	go func() {
		io.WriteString(c, "POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: "+strconv.Itoa(size)+"\r\n\r\n")
		buf := make([]byte, 256<<10)
		for sent := 0; sent < size; {
			n := min(len(buf), size-sent)
			if _, err := c.Write(buf[:n]); err != nil {
				return
			}
			sent += n
			// Pace: never ahead of rate.
			if ahead := time.Duration(float64(sent)/rate*float64(time.Second)) - time.Since(start); ahead > 0 {
				time.Sleep(ahead)
			}
		}
	}()
	c.SetReadDeadline(time.Now().Add(2 * time.Minute))
	resp, err := http.ReadResponse(c.Reader(), &http.Request{Method: "POST"})
	if err != nil {
		t.Fatalf("upload: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	peak := stop()
	if resp.StatusCode != 200 || string(b) != strconv.Itoa(size) {
		t.Fatalf("upload: %d %q", resp.StatusCode, b)
	}
	growth := int64(peak) - int64(base)
	t.Logf("%d MiB upload in %v; heap %d MiB before, peak %d MiB (growth %d KiB, bound %d KiB)",
		size>>20, time.Since(start).Round(time.Millisecond), base>>20, peak>>20, growth>>10, bound>>10)
	if growth > bound {
		t.Errorf("heap grew by %d KiB while uploading, bound %d KiB", growth>>10, bound>>10)
	}
}
