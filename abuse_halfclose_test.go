package eddy_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/eddy-go/eddy/eddytest"
)

// flushStall is how long the server's closing flush waits without progress
// before it gives up on a peer that stopped reading: the write timeout, as
// for any write (eddy.Config.WriteTimeout at its default). It used to be the
// 2 s close linger, which cut clients pausing 2-3 s near the end of a large
// response (TCP's retransmit backoff, a paused reader).
const flushStall = 30 * time.Second

// halfCloseDeadline bounds how long TestAbuseHalfClose retries a transfer
// that a starved client (one that did not read for flushStall: the server
// cutting it is the bound working) lost; sized for a loaded machine.
const halfCloseDeadline = 90 * time.Second

// TestAbuseHalfClose: clients that send their request and shut down their
// write side at once (HTTP/1.0 tools, nc -N, conformance probes, some
// proxies), then read through a 32 KiB receive buffer, must get every byte
// of every response and then EOF, whatever the placement (on the loop, in
// the pool, deferred to a timer, streamed) and size. gnet alone closed the
// connection at the client's EOF: 37-100% of 10 MiB, 13-70% of 32 MiB and
// nothing at all from the pool, deferred or streamed.
//
// The server's closing flush is bounded by flushStall without progress: a
// client whose goroutine the machine did not run for that long is cut, as
// it must be. Such a loss is told apart (the client's longest pause between
// two reads reached flushStall) and the transfer retried until
// halfCloseDeadline; a loss without such a pause fails at once.
func TestAbuseHalfClose(t *testing.T) {
	logger, _ := boundedLog(t, 0)
	s := eddytest.New(t, halfCloseApp(logger))
	addr := s.App.Addr().String()
	start := time.Now()
	deadline := start.Add(halfCloseDeadline)
	var total, want int
	for _, place := range []string{"loop", "pool", "deferred", "stream"} {
		for _, n := range []int{100 << 10, 10 << 20, 32 << 20} {
			path := fmt.Sprintf("/%s/%d", place, n)
			res := untilNotStarved(t, deadline, addr, path)
			got := res.bodyBytes
			t.Logf("half-closed client, %-8s %8d B: %8d B delivered (%5.1f%%) in %v, longest read pause %v", place, n, got, 100*float64(got)/float64(n), res.took.Round(time.Millisecond), res.maxPause.Round(time.Millisecond))
			total += got
			want += n
			if res.err != nil {
				t.Errorf("%s %d: %v", place, n, res.err)
			}
		}
	}
	// Several pipelined requests, then the half-close: every response, in order.
	res := untilNotStarved(t, deadline, addr, "/pool/1048576", "/deferred/2097152", "/loop/3145728", "/stream/1048576")
	t.Logf("half-closed client, 4 pipelined requests: %d responses complete (%v)", res.responses, res.err)
	if res.responses != 4 || res.err != nil {
		t.Errorf("pipelined: %d of 4 responses: %v", res.responses, res.err)
	}
	t.Logf("delivered %d of %d bytes (%.1f%%) in %v", total, want, 100*float64(total)/float64(want), time.Since(start).Round(time.Millisecond))
	if total != want {
		t.Fatalf("delivered %d of %d bytes", total, want)
	}
}

// halfClosedResult is what one half-closed transfer delivered.
type halfClosedResult struct {
	responses int           // complete, right responses, in order
	bodyBytes int           // right body bytes, counted up to the first wrong one
	maxPause  time.Duration // the client's longest time between two reads
	took      time.Duration
	err       error // nil: every response whole, then EOF
}

// starved tells a loss the server was right to cause: the client did not
// read for the server's whole write timeout (with a quarter of it as room for
// the server's coarse clock and output polls).
func (r halfClosedResult) starved() bool {
	return r.err != nil && r.maxPause >= flushStall*3/4
}

// untilNotStarved runs fetchHalfClosedPaths until a transfer ends other than
// starved, or the deadline passes; it logs every starved attempt.
func untilNotStarved(t *testing.T, deadline time.Time, addr string, paths ...string) halfClosedResult {
	t.Helper()
	for {
		res := fetchHalfClosedPaths(addr, paths...)
		if !res.starved() {
			return res
		}
		if time.Now().After(deadline) {
			res.err = fmt.Errorf("the client was starved on every attempt until the test's deadline (%v): %w", halfCloseDeadline, res.err)
			return res
		}
		t.Logf("%s: the client did not read for %v (the server's write timeout is %v) and was cut (%v); the machine is loaded, retrying", strings.Join(paths, " "), res.maxPause.Round(time.Millisecond), flushStall, res.err)
	}
}

// fetchHalfClosedPaths sends every path in one write, shuts down its write
// side at once (as HTTP/1.0 tools and nc -N do), then reads through a
// 32 KiB receive buffer until EOF, timing the pauses between its reads. It
// counts the complete, right responses and body bytes before EOF.
func fetchHalfClosedPaths(addr string, paths ...string) (res halfClosedResult) {
	start := time.Now()
	defer func() { res.took = time.Since(start) }()
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		res.err = err
		return res
	}
	defer nc.Close()
	c := nc.(*net.TCPConn)
	_ = c.SetReadBuffer(32 << 10)
	_ = c.SetDeadline(time.Now().Add(60 * time.Second))
	var req bytes.Buffer
	for _, p := range paths {
		fmt.Fprintf(&req, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", p)
	}
	if _, err := c.Write(req.Bytes()); err != nil {
		res.err = err
		return res
	}
	if err := c.CloseWrite(); err != nil {
		res.err = err
		return res
	}
	pr := &pauseReader{r: c}
	defer func() { res.maxPause = pr.max }()
	br := bufio.NewReader(pr)
	for i, p := range paths {
		r, err := http.ReadResponse(br, nil)
		if err != nil {
			res.err = fmt.Errorf("response %d: no head: %v", i, err)
			return res
		}
		var n int
		fmt.Sscanf(p[strings.LastIndexByte(p, '/')+1:], "%d", &n)
		body, err := io.ReadAll(r.Body) // decoded: chunked streams too
		r.Body.Close()
		want := halfCloseBody(n)
		k := 0
		for k < len(body) && k < len(want) && body[k] == want[k] {
			k++
		}
		res.bodyBytes += k
		switch {
		case err != nil:
			res.err = fmt.Errorf("response %d: body: %v", i, err)
			return res
		case k != n || len(body) != n:
			res.err = fmt.Errorf("response %d: body: %d of %d bytes right (%d read)", i, k, n, len(body))
			return res
		}
		res.responses++
	}
	if _, err := br.ReadByte(); !errors.Is(err, io.EOF) {
		res.err = fmt.Errorf("no EOF after the responses: %v", err)
	}
	return res
}

// pauseReader records the longest time between two of its reads returning,
// from the first byte on (the server lingers only over output it has):
// how long the client left the server's output unread, its own scheduling
// included.
type pauseReader struct {
	r    io.Reader
	last time.Time // zero until the first byte
	max  time.Duration
}

func (p *pauseReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	now := time.Now()
	if !p.last.IsZero() {
		p.max = max(p.max, now.Sub(p.last))
	}
	if n > 0 || !p.last.IsZero() {
		p.last = now
	}
	return n, err
}
