package eddy_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/eddytest"
)

// TestAbuseLargeToSlowReaders: 30 clients on one loop each ask for a 6 MiB
// whole response (Ctx.Blob) and read nothing, while a normal client on the
// same loop makes small requests. Each large body must cost the server at
// most one copy of what the kernel did not take (it was copied into the
// loop's output buffer and again into gnet's: 200 such clients with 10 MiB
// pushed RSS to 2.1 GB), and the normal client must not stall behind them
// (it waited 3.3 s).
func TestAbuseLargeToSlowReaders(t *testing.T) {
	const (
		clients = 30
		size    = 6 << 20
	)
	big := make([]byte, size)
	var served atomic.Int64
	logger, _ := boundedLog(t, 0)
	app := eddy.New(eddy.Config{Loops: 1, Logger: logger})
	app.Get("/big", func(c *eddy.Ctx) error {
		err := c.Blob("application/octet-stream", big)
		served.Add(1)
		return err
	})
	app.Get("/small", func(c *eddy.Ctx) error { return c.Text("ok") })
	s := eddytest.New(t, app)
	addr := s.App.Addr().String()

	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)

	// The normal client measures its latency while the large responses go out.
	stop := make(chan struct{})
	var lat struct {
		sync.Mutex
		max   time.Duration
		n     int
		fails int
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			lat.fails++
			return
		}
		defer c.Close()
		br := bufio.NewReader(c)
		for {
			select {
			case <-stop:
				return
			default:
			}
			_ = c.SetDeadline(time.Now().Add(10 * time.Second))
			t0 := time.Now()
			_, err := io.WriteString(c, "GET /small HTTP/1.1\r\nHost: x\r\n\r\n")
			var r *http.Response
			if err == nil {
				r, err = http.ReadResponse(br, nil)
			}
			if err == nil {
				_, err = io.Copy(io.Discard, r.Body)
				r.Body.Close()
			}
			d := time.Since(t0)
			lat.Lock()
			if err != nil {
				lat.fails++
				lat.Unlock()
				return
			}
			lat.n++
			lat.max = max(lat.max, d)
			lat.Unlock()
			time.Sleep(2 * time.Millisecond) // a request every few ms, not a busy loop
		}
	}()

	start := time.Now()
	var load cpuContention
	conns := make([]net.Conn, 0, clients)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	d := smallRecvDialer()
	for range clients {
		c, err := d.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		if _, err := io.WriteString(c, "GET /big HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
	}
	// Each large response costs the loop a copy of its unsent rest, so the
	// burst takes as long as the machine lets it: wait for the responses
	// one at a time, each with a deadline of its own (a stalled server
	// still fails; a loaded one only takes longer).
	for last, lastAt := int64(0), time.Now(); served.Load() < clients; {
		if n := served.Load(); n > last {
			last, lastAt = n, time.Now()
		} else if time.Since(lastAt) > 10*time.Second {
			break
		}
		load.sample()
		time.Sleep(time.Millisecond) // polling interval, not synchronisation
	}
	took := time.Since(start)
	stretch := load.slowdown()
	runtime.ReadMemStats(&m1)
	allocated := m1.TotalAlloc - m0.TotalAlloc
	var m2 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m2)
	// The normal client must still be served after the burst: wait for a
	// few more of its requests, then stop it.
	lat.Lock()
	after := lat.n + 3
	lat.Unlock()
	waitUntil(t, 10*time.Second, "3 more requests of the normal client", func() bool {
		lat.Lock()
		defer lat.Unlock()
		return lat.n >= after || lat.fails > 0
	})
	close(stop)
	wg.Wait()

	n := served.Load()
	total := float64(clients * size)
	t.Logf("%d slow readers x %d B on one loop: %d served in %v (%.1f runnable threads per CPU)",
		clients, size, n, took.Round(time.Millisecond), stretch)
	t.Logf("heap: %d MiB before, %d MiB after (live, after GC; %.2f x the bodies), %d MiB peak in use; %d MiB allocated (%.2f x the bodies)",
		m0.HeapAlloc>>20, m2.HeapAlloc>>20, float64(m2.HeapAlloc-min(m2.HeapAlloc, m0.HeapAlloc))/total,
		m1.HeapInuse>>20, allocated>>20, float64(allocated)/total)
	lat.Lock()
	t.Logf("normal client on the same loop: %d requests, max latency %v, %d failures", lat.n, lat.max.Round(time.Microsecond), lat.fails)
	maxLat, fails, reqs := lat.max, lat.fails, lat.n
	lat.Unlock()
	if n != clients {
		t.Fatalf("%d of %d large responses served, none in the last 10 s", n, clients)
	}
	if float64(allocated) > 1.5*total {
		t.Errorf("allocated %.2f x the bodies, want <= 1.5 (one copy of the unsent rest)", float64(allocated)/total)
	}
	if float64(m2.HeapAlloc) > float64(m0.HeapAlloc)+1.25*total {
		t.Errorf("live heap grew by %d MiB for %d MiB of bodies", (m2.HeapAlloc-m0.HeapAlloc)>>20, int(total)>>20)
	}
	// 3 s with a CPU to each runnable thread (it was 48 ms on a quiet
	// machine, 3.3 s with the double copy), more in proportion when more
	// threads wanted a CPU: the normal client waits on the loop's work
	// (copying the large bodies), which the load stretches.
	if bound := time.Duration(float64(3*time.Second) * stretch); fails > 0 || reqs == 0 || maxLat > bound {
		t.Errorf("normal client: %d requests, %d failures, max latency %v (want < %v: 3 s x %.1f)", reqs, fails, maxLat, bound.Round(time.Millisecond), stretch)
	}
}
