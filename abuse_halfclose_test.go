package eddy_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/eddy-go/eddy/eddytest"
)

// TestAbuseHalfClose: clients that send their request and shut down their
// write side at once (HTTP/1.0 tools, nc -N, conformance probes, some
// proxies), then read through a 32 KiB receive buffer, must get every byte
// of every response and then EOF, whatever the placement (on the loop, in
// the pool, deferred to a timer, streamed) and size. gnet alone closed the
// connection at the client's EOF: 37-100% of 10 MiB, 13-70% of 32 MiB and
// nothing at all from the pool, deferred or streamed.
func TestAbuseHalfClose(t *testing.T) {
	logger, _ := boundedLog(t, 0)
	s := eddytest.New(t, halfCloseApp(logger))
	addr := s.App.Addr().String()
	start := time.Now()
	var total, want int
	for _, place := range []string{"loop", "pool", "deferred", "stream"} {
		for _, n := range []int{100 << 10, 10 << 20, 32 << 20} {
			t0 := time.Now()
			got, err := fetchHalfClosed(addr, fmt.Sprintf("/%s/%d", place, n), n)
			t.Logf("half-closed client, %-8s %8d B: %8d B delivered (%5.1f%%) in %v", place, n, got, 100*float64(got)/float64(n), time.Since(t0).Round(time.Millisecond))
			total += got
			want += n
			if err != nil {
				t.Errorf("%s %d: %v", place, n, err)
			}
		}
	}
	// Several pipelined requests, then the half-close: every response, in order.
	got, err := pipelineHalfClosed(addr, []string{"/pool/1048576", "/deferred/2097152", "/loop/3145728", "/stream/1048576"})
	t.Logf("half-closed client, 4 pipelined requests: %d responses complete (%v)", got, err)
	if got != 4 {
		t.Errorf("pipelined: %d of 4 responses: %v", got, err)
	}
	t.Logf("delivered %d of %d bytes (%.1f%%) in %v", total, want, 100*float64(total)/float64(want), time.Since(start).Round(time.Millisecond))
	if total != want {
		t.Fatalf("delivered %d of %d bytes", total, want)
	}
}

// pipelineHalfClosed sends every path in one write, shuts down its write
// side, and counts the complete, right responses before EOF.
func pipelineHalfClosed(addr string, paths []string) (int, error) {
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return 0, err
	}
	defer nc.Close()
	c := nc.(*net.TCPConn)
	_ = c.SetDeadline(time.Now().Add(60 * time.Second))
	var req bytes.Buffer
	for _, p := range paths {
		fmt.Fprintf(&req, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", p)
	}
	if _, err := c.Write(req.Bytes()); err != nil {
		return 0, err
	}
	if err := c.CloseWrite(); err != nil {
		return 0, err
	}
	br := bufio.NewReader(c)
	for i, p := range paths {
		r, err := http.ReadResponse(br, nil)
		if err != nil {
			return i, err
		}
		var n int
		fmt.Sscanf(p[bytes.LastIndexByte([]byte(p), '/')+1:], "%d", &n)
		b, err := io.ReadAll(r.Body)
		r.Body.Close()
		if err != nil || !bytes.Equal(b, halfCloseBody(n)) {
			return i, fmt.Errorf("response %d: %d bytes, err %v", i, len(b), err)
		}
	}
	if _, err := br.ReadByte(); err != io.EOF {
		return len(paths), fmt.Errorf("no EOF after the responses: %v", err)
	}
	return len(paths), nil
}
