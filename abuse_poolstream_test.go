package eddy_test

import (
	"io"
	"net/http"
	"runtime"
	"sort"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/eddytest"
)

// TestAbusePoolStreamStarvation: as many clients as there are pool workers
// request a streamed response from an InPool handler and never read, so
// every worker blocks in Stream.Write until the write timeout (a minute
// here). Ordinary InPool requests from another client are still answered
// at once: a blocked worker is replaced by a spare while it waits.
func TestAbusePoolStreamStarvation(t *testing.T) {
	const workers = 4
	logger, _ := boundedLog(t, 0)
	app := eddy.New(eddy.Config{PoolWorkers: workers, WriteTimeout: time.Minute, Logger: logger})
	var streams, writing, chunks atomic.Int64
	app.Get("/stream", func(c *eddy.Ctx) error {
		streams.Add(1)
		st, err := c.Stream("application/octet-stream")
		if err != nil {
			return err
		}
		chunk := make([]byte, 16<<10)
		for {
			writing.Add(1)
			_, err := st.Write(chunk)
			writing.Add(-1)
			if err != nil {
				return nil // the client is gone
			}
			chunks.Add(1)
		}
	}, eddy.InPool)
	app.Get("/work", func(c *eddy.Ctx) error { return c.Text("work") }, eddy.InPool)
	s := eddytest.New(t, app)

	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	heapBefore := ms.HeapInuse

	// Slow readers: a small receive window, and never a read.
	d := smallRecvDialer()
	for range workers {
		c, err := d.Dial("tcp", app.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		io.WriteString(c, "GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
	}
	// Wait until every stream is stuck in Write: all inside it, and no
	// chunk went out in the last poll.
	deadline := time.Now().Add(10 * time.Second)
	for last := int64(-1); ; {
		n := chunks.Load()
		if streams.Load() == workers && writing.Load() == workers && n == last {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("streams not blocked: %d started, %d writing, %d chunks", streams.Load(), writing.Load(), n)
		}
		last = n
		time.Sleep(50 * time.Millisecond) // polling interval, not synchronisation
	}

	client := &http.Client{Timeout: 5 * time.Second}
	const requests = 20
	lat := make([]time.Duration, 0, requests)
	for range requests {
		t0 := time.Now()
		r, err := client.Get(s.URL + "/work")
		if err != nil {
			t.Fatalf("ordinary pool request while %d streams block: %v", workers, err)
		}
		b, _ := io.ReadAll(r.Body)
		r.Body.Close()
		if r.StatusCode != 200 || string(b) != "work" {
			t.Fatalf("ordinary pool request: %d %q", r.StatusCode, b)
		}
		lat = append(lat, time.Since(t0))
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	runtime.GC()
	runtime.ReadMemStats(&ms)
	t.Logf("%d streams blocked after %d chunks of 16 KiB; %d ordinary pool requests: median %v, max %v; "+
		"heap in use %d KiB before the streams, %d KiB while they block; %d goroutines",
		workers, chunks.Load(), requests, lat[requests/2], lat[requests-1],
		heapBefore>>10, ms.HeapInuse>>10, runtime.NumGoroutine())
	if lat[requests-1] > 2*time.Second {
		t.Fatalf("an ordinary pool request took %v while the streams block", lat[requests-1])
	}
	if writing.Load() != workers {
		t.Fatalf("%d streams still writing, want %d: the attack ended early", writing.Load(), workers)
	}
}
