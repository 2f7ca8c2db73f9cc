//go:build !race

package eddy_test

import (
	"bytes"
	"io"
	"net"
	"runtime"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/eddytest"
)

// allocCases feeds TestServeAllocs and BenchmarkServe: requests served on
// the loop that must cost no allocation per request, end to end (the
// measurement counts the client too, which reuses its buffers). Each
// request needs a Ctx handle of its own (24 bytes, never reused, so that a
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
}

func allocApp() *eddy.App {
	app := eddy.New(eddy.Config{Loops: 1, ServerName: "eddy"})
	app.Use(func(next eddy.Handler) eddy.Handler {
		return func(c *eddy.Ctx) error { return next(c) }
	})
	app.Get("/plaintext", func(c *eddy.Ctx) error { return c.Text("Hello, World!") })
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
			perK := allocsPer1000(func() { roundTrip(t, c, req, buf) })
			t.Logf("%d allocations per 1000 requests", perK)
			if !bytes.HasSuffix(buf, []byte(tc.body)) {
				t.Fatalf("response %q", buf)
			}
			// One slab of 32 handles per 32 requests is 31.25 per 1000; a
			// little slack for the runtime's own.
			if perK > 40 {
				t.Errorf("%d allocations per 1000 requests, want at most 40 (one Ctx handle slab per 32 requests)", perK)
			}
		})
	}
}

// allocsPer1000 runs f 3,200 times (after one warm-up call) and returns the
// heap allocations per 1,000 calls, as testing.AllocsPerRun does (with
// GOMAXPROCS 1) but without rounding a fraction of one per call down to 0.
func allocsPer1000(f func()) uint64 {
	const runs = 3200
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	f()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range runs {
		f()
	}
	runtime.ReadMemStats(&after)
	return (after.Mallocs - before.Mallocs) * 1000 / runs
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
