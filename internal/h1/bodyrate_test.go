package h1

import (
	"strings"
	"testing"
	"time"

	"github.com/eddy-go/eddy/loop"
)

// TestMinBodyRate: a body that arrives slower than MinBodyRate, averaged
// since it started, is answered 408 once the grace has passed, however
// regularly its bytes come (BodyTimeout alone restarts on every byte); a
// burst does not buy a trickle afterwards more than its share. A body
// fast enough, in pieces, is served.
func TestMinBodyRate(t *testing.T) {
	const grace = 300 * time.Millisecond
	ts := startServer(t, Config{MinBodyRate: 1000, BodyRateGrace: grace}, loop.Config{})
	cases := []struct {
		name  string
		burst int // bytes sent with the head
	}{
		{"trickle", 0},
		{"burst-then-trickle", 500},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cl := ts.dial(t)
			_ = cl.c.SetReadDeadline(time.Now().Add(5 * time.Second))
			start := time.Now()
			cl.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" + strings.Repeat("b", tc.burst))
			defer cl.trickle(50*time.Millisecond, "t")() // 20 B/s
			r := cl.read("POST")
			took := time.Since(start)
			t.Logf("%s: %d after %v", tc.name, r.StatusCode, took)
			if r.StatusCode != 408 || !r.Close || !strings.Contains(r.body, "slow") {
				t.Fatalf("got %d close=%v %q, want 408 and close", r.StatusCode, r.Close, r.body)
			}
			if want := grace + time.Duration(tc.burst)*time.Millisecond; took < want-50*time.Millisecond {
				t.Fatalf("cut after %v, before the %v its bytes paid for", took, want)
			}
		})
	}
	t.Run("fast-enough", func(t *testing.T) {
		cl := ts.dial(t)
		cl.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4000\r\n\r\n")
		for range 4 {
			time.Sleep(50 * time.Millisecond) // the client's pace, not synchronisation
			cl.send(strings.Repeat("f", 1000))
		}
		cl.expect("POST", 200, strings.Repeat("f", 4000))
	})
}

// TestMinBodyRateExpectContinue: with "Expect: 100-continue" the rate
// clock starts at the body's first byte, so a client that takes its time
// after the 100 is not cut for it.
func TestMinBodyRateExpectContinue(t *testing.T) {
	const grace = 200 * time.Millisecond
	ts := startServer(t, Config{MinBodyRate: 1000, BodyRateGrace: grace}, loop.Config{})
	cl := ts.dial(t)
	cl.send("POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
	cl.expect("POST", 100, "")
	time.Sleep(3 * grace) // the client's pace, not synchronisation
	cl.send("hello")
	cl.expect("POST", 200, "hello")
}

// TestMinBodyRateOff: a negative MinBodyRate turns the minimum off; a
// trickled body is then bounded by BodyTimeout only.
func TestMinBodyRateOff(t *testing.T) {
	ts := startServer(t, Config{MinBodyRate: -1, BodyRateGrace: -1}, loop.Config{})
	cl := ts.dial(t)
	cl.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\n")
	for range 6 {
		time.Sleep(50 * time.Millisecond) // 20 B/s: below the default minimum, past no grace
		cl.send("s")
	}
	cl.expect("POST", 200, "ssssss")
}

// TestBodyRateDefaults: the minimum body rate is on by default, as
// Kestrel's: 240 B/s after a 5 s grace; the budget for bodies in flight is
// 64 MiB per loop.
func TestBodyRateDefaults(t *testing.T) {
	c := Config{}.Normalized()
	if c.MinBodyRate != 240 || c.BodyRateGrace != 5*time.Second || c.BodyBudget != 64<<20 {
		t.Fatalf("defaults: rate %d, grace %v, budget %d", c.MinBodyRate, c.BodyRateGrace, c.BodyBudget)
	}
	off := Config{MinBodyRate: -1, BodyRateGrace: -1, BodyBudget: -1}.Normalized()
	if off.MinBodyRate >= 0 || off.BodyRateGrace != 0 || off.BodyBudget >= 0 {
		t.Fatalf("negative values: rate %d, grace %v, budget %d", off.MinBodyRate, off.BodyRateGrace, off.BodyBudget)
	}
}
