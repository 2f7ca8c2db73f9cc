//go:build !race

package eddy_test

import (
	"bytes"
	"io"
	"net"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/eddytest"
)

// allocCases feeds TestServeAllocs and BenchmarkServe: requests served on
// the loop that must cost the loop no allocation per request
// (allocsPer1000 says what it counts and what it leaves out). Each
// request needs a Ctx handle of its own (16 bytes, never reused, so that a
// Ctx kept past its request is detected as stale); handles come in slabs of
// 32, so that is one allocation per 32 requests, which AllocsPerRun's
// integer average reports as 0. Everything else is reused.
var allocCases = []struct {
	name, request, body string
}{
	{"plaintext", "GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n", "Hello, World!"},
	{"param", "GET /users/12345 HTTP/1.1\r\nHost: x\r\n\r\n", "12345"},
	{"query+header", "GET /q?name=eddy&x=1 HTTP/1.1\r\nHost: x\r\nX-Req: abc\r\n\r\n", "eddy abc"},
	{"404", "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n", "Not Found"},
	{"accesslog", "GET /logged HTTP/1.1\r\nHost: x\r\nUser-Agent: t\r\n\r\n", "logged"},
	{"json", "GET /json HTTP/1.1\r\nHost: x\r\n\r\n", `{"message":"Hello, World!"}`},
	{"json by encoding/json", "GET /jsonf HTTP/1.1\r\nHost: x\r\n\r\n", `{"message":"Hello, World!","n":1.5}`},
}

func allocApp() *eddy.App {
	app := eddy.New(eddy.Config{Loops: 1, ServerName: "eddy"})
	app.Use(func(next eddy.Handler) eddy.Handler {
		return func(c *eddy.Ctx) error { return next(c) }
	})
	app.Get("/plaintext", func(c *eddy.Ctx) error { return c.Text("Hello, World!") })
	app.Get("/json", func(c *eddy.Ctx) error {
		return c.JSON(struct {
			Message string `json:"message"`
		}{"Hello, World!"})
	})
	app.Get("/jsonf", func(c *eddy.Ctx) error { // a float: encoding/json writes it
		return c.JSON(struct {
			Message string  `json:"message"`
			N       float64 `json:"n"`
		}{"Hello, World!", 1.5})
	})
	app.Get("/users/{id}", func(c *eddy.Ctx) error { return c.Blob("text/plain", c.ParamBytes("id")) })
	app.Get("/logged", func(c *eddy.Ctx) error { return c.Text("logged") },
		eddy.With(eddy.AccessLogTo(io.Discard, eddy.DefaultAccessLogFormat+" %Tf %{Content-Type}o")))
	app.Get("/q", func(c *eddy.Ctx) error {
		name, _ := c.QueryBytes("name")
		c.SetHeader("Content-Type", "text/plain")
		c.Write(name)
		c.WriteString(" ")
		xreq, _ := c.HeaderBytes("X-Req")
		c.Write(xreq)
		return nil
	})
	return app
}

// roundTrip writes req and reads exactly n response bytes into buf.
func roundTrip(t testing.TB, c net.Conn, req []byte, buf []byte) {
	if _, err := c.Write(req); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(c, buf); err != nil {
		t.Fatal(err)
	}
}

// responseLen reads one response (the head, then Content-Length bytes) and
// returns its length, to size later reads (every response to the same
// request has the same length: the Date header is fixed-width).
func responseLen(t testing.TB, c net.Conn, req []byte, want string) int {
	t.Helper()
	if _, err := c.Write(req); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	defer c.SetReadDeadline(time.Time{})
	var got []byte
	buf := make([]byte, 4096)
	for !bytes.HasSuffix(got, []byte(want)) {
		n, err := c.Read(buf)
		if err != nil {
			t.Fatalf("reading %q: %v (have %q)", want, err, got)
		}
		got = append(got, buf[:n]...)
	}
	return len(got)
}

func TestServeAllocs(t *testing.T) {
	s := eddytest.New(t, allocApp())
	for _, tc := range allocCases {
		t.Run(tc.name, func(t *testing.T) {
			c := s.Dial(t)
			req := []byte(tc.request)
			n := responseLen(t, c, req, tc.body)
			buf := make([]byte, n)
			for i := 0; i < 100; i++ { // warm the Ctx pool and buffers
				roundTrip(t, c, req, buf)
			}
			perK := allocsPer1000(t, func() { roundTrip(t, c, req, buf) })
			if !bytes.HasSuffix(buf, []byte(tc.body)) {
				t.Fatalf("response %q", buf)
			}
			// One slab of 32 handles per 32 requests is 31.25 per 1000; a
			// little slack for the runtime's type-assertion caches, which
			// grow on the loop at random (one chance in 1,024 a call).
			if perK > 40 {
				t.Errorf("%d allocations per 1000 requests, want at most 40 (one Ctx handle slab per 32 requests)", perK)
			}
		})
	}
}

// allocsPer1000 runs f 3,200 times (after one warm-up call) and returns the
// heap allocations per 1,000 calls made on the server's loop goroutines (the
// request path: parsing, routing, the handler, writing), as
// testing.AllocsPerRun does (with GOMAXPROCS 1) but without rounding a
// fraction of one per call down to 0. Allocations elsewhere in the process
// are not the request's: the runtime's own (the collector's, its timer
// heaps), gnet's goroutine pool's clock (one every 500 ms, so a run slowed
// down by a loaded machine counted ten more per 1,000 requests), and the
// test's client. Every malloc is profiled during the run (MemProfileRate
// 1), and those whose whole stack shows they ran elsewhere (it does not
// pass through gnet's poller, which every loop callback runs under) are
// subtracted from the process-wide count. Subtracting, rather than adding
// up the loop's stacks, keeps counted what the profile cannot place: the
// loop's tiny allocations (the runtime packs small pointer-free ones into
// one 16-byte block and profiles only the first) and stacks cut at the
// profile's 32 frames.
func allocsPer1000(t testing.TB, f func()) uint64 {
	t.Helper()
	const runs = 3200
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	defer func(rate int) { runtime.MemProfileRate = rate }(runtime.MemProfileRate)
	runtime.MemProfileRate = 1
	f()
	// Room for the profile before and after, made before the run: taking
	// the snapshots allocates nothing.
	n, _ := runtime.MemProfile(nil, true)
	p0 := make([]runtime.MemProfileRecord, n+4096)
	p1 := make([]runtime.MemProfileRecord, n+4096)
	var m0, m1 runtime.MemStats
	// The profile holds what the collection before last saw (it publishes
	// a cycle's allocations once their frees are known): collect twice,
	// then read the counters and the profile at once.
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m0)
	n0, ok0 := runtime.MemProfile(p0, true)
	for range runs {
		f()
	}
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m1)
	n1, ok1 := runtime.MemProfile(p1, true)
	if !ok0 || !ok1 {
		t.Fatalf("heap profile outgrew its room (%d, %d records)", n0, n1)
	}
	// A stack has one record per allocation size: add them up.
	diff := make(map[[32]uintptr]int64, n1)
	for _, r := range p1[:n1] {
		diff[r.Stack0] += r.AllocObjects
	}
	for _, r := range p0[:n0] {
		diff[r.Stack0] -= r.AllocObjects
	}
	all, elsewhere := m1.Mallocs-m0.Mallocs, uint64(0)
	for stack, d := range diff {
		if d > 0 && ranElsewhere(stack) {
			elsewhere += uint64(d)
		}
	}
	onLoop := all - min(all, elsewhere)
	t.Logf("per 1000 calls: %d allocations on the loop (%d process-wide, %d of them elsewhere)",
		onLoop*1000/runs, all*1000/runs, elsewhere*1000/runs)
	return onLoop * 1000 / runs
}

// ranElsewhere reports whether an allocation with this stack surely ran off
// the loop: its stack is whole (shorter than the profile's 32 frames) and
// does not pass through gnet's poller, which every loop callback runs under.
func ranElsewhere(stack [32]uintptr) bool {
	n := slices.Index(stack[:], 0)
	if n < 0 {
		return false
	}
	frames := runtime.CallersFrames(stack[:n])
	for {
		f, more := frames.Next()
		if f.Function == "github.com/panjf2000/gnet/v2/pkg/netpoll.(*Poller).Polling" {
			return false
		}
		if !more {
			return true
		}
	}
}

func BenchmarkServe(b *testing.B) {
	s := eddytest.New(b, allocApp())
	for _, tc := range allocCases {
		b.Run(tc.name, func(b *testing.B) {
			c := s.Dial(b)
			req := []byte(tc.request)
			buf := make([]byte, responseLen(b, c, req, tc.body))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				roundTrip(b, c, req, buf)
			}
		})
	}
}
