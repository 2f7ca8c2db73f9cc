package eddy_test

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/eddytest"
	"github.com/eddy-go/eddy/internal/idleconns"
)

// TestAbuseUploadsRelease: 100 uploads of 4 MiB (8 keep-alive clients, 4
// MiB is the default MaxBody) leave nothing behind: recycled exchanges
// drop their big buffers and the request views into them, so the live
// heap after GC is back near where it started.
func TestAbuseUploadsRelease(t *testing.T) {
	const uploads, clients, size = 100, 8, 4 << 20
	logger, _ := boundedLog(t, 0)
	app := eddy.New(eddy.Config{Logger: logger})
	app.Post("/upload", func(c *eddy.Ctx) error { return c.Text(strconv.Itoa(len(c.BodyBytes()))) })
	s := eddytest.New(t, app)
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	defer client.CloseIdleConnections()
	body := bytes.Repeat([]byte("u"), size)
	want := strconv.Itoa(size)

	heap0, _ := idleconns.Mem()
	start := time.Now()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failures []string
	for w := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < uploads; i += clients {
				resp, err := client.Post(s.URL+"/upload", "application/octet-stream", bytes.NewReader(body))
				var got []byte
				if err == nil {
					got, err = io.ReadAll(resp.Body)
					resp.Body.Close()
				}
				if err != nil || resp.StatusCode != 200 || string(got) != want {
					mu.Lock()
					failures = append(failures, "upload "+strconv.Itoa(i)+": "+errString(err, resp, got))
					mu.Unlock()
					return
				}
			}
		}()
	}
	wg.Wait()
	took := time.Since(start)
	if len(failures) > 0 {
		t.Fatalf("%d failed: %v", len(failures), failures[0])
	}
	client.CloseIdleConnections()
	heap1, _ := idleconns.Mem()
	grew := int64(heap1) - int64(heap0)
	t.Logf("%d uploads of %d B by %d clients in %v (%.0f MiB/s): live heap after GC %d -> %d B (%+.1f MiB)",
		uploads, size, clients, took.Round(time.Millisecond), float64(uploads)*size/(1<<20)/took.Seconds(),
		heap0, heap1, float64(grew)/(1<<20))
	if grew > 24<<20 {
		t.Fatalf("live heap %.1f MiB above its baseline after the uploads, want < 24 MiB", float64(grew)/(1<<20))
	}
}

func errString(err error, resp *http.Response, got []byte) string {
	if err != nil {
		return err.Error()
	}
	return resp.Status + " " + string(got)
}
