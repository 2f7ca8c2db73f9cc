package h1

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/eddy-go/eddy/loop"
)

// sumOf returns the byte sum of s, as /upload answers it.
func sumOf(s string) int64 {
	var sum int64
	for i := 0; i < len(s); i++ {
		sum += int64(s[i])
	}
	return sum
}

// bodyOf returns n bytes of a repeating pattern.
func bodyOf(n int) string {
	var b strings.Builder
	for i := 0; b.Len() < n; i++ {
		b.WriteString(strconv.Itoa(i))
	}
	return b.String()[:n]
}

// chunksOf frames body in chunks of size k.
func chunksOf(body string, k int) string {
	var b strings.Builder
	for len(body) > 0 {
		n := min(k, len(body))
		fmt.Fprintf(&b, "%x\r\n%s\r\n", n, body[:n])
		body = body[n:]
	}
	b.WriteString("0\r\n\r\n")
	return b.String()
}

// TestStreamBody: a streamed body reaches the handler whole and in order,
// with Content-Length or chunked, sent at once or in pieces; a body that
// came whole with its head is read from Body; the limit holds for chunked
// bodies (413); a request pipelined behind a streamed one is answered.
func TestStreamBody(t *testing.T) {
	big := bodyOf(3 << 20)
	tests := []struct {
		name, req string
		pieces    int // the request is sent in this many writes
		status    int
		body      string
	}{
		{"length", "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: " + strconv.Itoa(len(big)) + "\r\n\r\n" + big, 1,
			200, fmt.Sprintf("%d %d true", len(big), sumOf(big))},
		{"length in pieces", "POST /upload?max=4000000 HTTP/1.1\r\nHost: x\r\nContent-Length: " + strconv.Itoa(len(big)) + "\r\n\r\n" + big, 97,
			200, fmt.Sprintf("%d %d true", len(big), sumOf(big))},
		{"chunked", "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + chunksOf(big[:1<<20], 7000), 13,
			200, fmt.Sprintf("%d %d true", 1<<20, sumOf(big[:1<<20]))},
		{"whole with its head", "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello", 1,
			200, fmt.Sprintf("5 %d false", sumOf("hello"))},
		{"chunked over the limit", "POST /upload?max=100000 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + chunksOf(big[:200000], 9000), 5,
			413, ""},
		{"length over the limit", "POST /upload?max=100 HTTP/1.1\r\nHost: x\r\nContent-Length: 101\r\n\r\n", 1,
			413, ""},
	}
	ts := startServer(t, Config{}, loop.Config{MaxInbound: 8 << 20})
	for _, tc := range tests {
		cl := ts.dial(t)
		req := tc.req + get("/plain?after")
		step := len(req)/tc.pieces + 1
		go func() {
			for i := 0; i < len(req); i += step {
				if _, err := io.WriteString(cl.c, req[i:min(i+step, len(req))]); err != nil {
					return
				}
			}
		}()
		r := cl.read("POST")
		if r.StatusCode != tc.status || tc.body != "" && r.body != tc.body {
			t.Errorf("%s: %d %.60q, want %d %q", tc.name, r.StatusCode, r.body, tc.status, tc.body)
			continue
		}
		if tc.status == 200 {
			cl.expect("GET", 200, "plain after")
		}
		drainErrs(ts)
	}
}

// drainErrs empties the handler's error reports of a finished case.
func drainErrs(ts *testServer) {
	for {
		select {
		case <-ts.h.ctxDone:
		default:
			return
		}
	}
}

// TestStreamBodyBackpressure: while the handler does not read, the engine
// stops consuming (the connection's reading pauses, the pipe stays at its
// bound) and no body timer runs, however long the wait; once the handler
// reads, the rest flows and the body arrives whole.
func TestStreamBodyBackpressure(t *testing.T) {
	body := bodyOf(600 << 10)
	ts := startServer(t, Config{BodyTimeout: 100 * time.Millisecond, MinBodyRate: 1 << 20, BodyRateGrace: -1}, loop.Config{MaxInbound: 4 << 20})
	cl := ts.dial(t)
	cl.send("POST /upload?hold=1 HTTP/1.1\r\nHost: x\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body)
	x := <-ts.h.blocked
	c := ts.conn(t, 0)
	waitFor(t, "reading paused with the pipe full", 5*time.Second, func() bool {
		return onLoop(t, c, func() bool { return c.flags&cfReadPaused != 0 && c.cur == x })
	})
	x.mu.Lock()
	held := len(x.pipe) - x.pipeOff
	x.mu.Unlock()
	if held > bodyPipe+64<<10 {
		t.Errorf("the pipe holds %d bytes while nobody reads, bound %d", held, bodyPipe)
	}
	// Ten body timeouts and far below the minimum rate: the wait is the
	// handler's, so nothing fires.
	time.Sleep(time.Second) // the stall under test, not a synchronisation
	ts.h.unblock <- struct{}{}
	cl.expect("POST", 200, fmt.Sprintf("%d %d true", len(body), sumOf(body)))
}

// TestStreamBodyTimeout: a client that stops sending half way through a
// streamed body gets 408 while the handler reads, and the handler's read
// fails instead of blocking for ever.
func TestStreamBodyTimeout(t *testing.T) {
	ts := startServer(t, Config{BodyTimeout: 200 * time.Millisecond}, loop.Config{})
	cl := ts.dial(t)
	cl.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n" + bodyOf(300))
	r := cl.read("POST")
	if r.StatusCode != 408 {
		t.Errorf("status %d %q, want 408", r.StatusCode, r.body)
	}
	select {
	case err := <-ts.h.ctxDone:
		if err != io.ErrUnexpectedEOF {
			t.Errorf("ReadBody: %v, want io.ErrUnexpectedEOF", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the handler's ReadBody did not return")
	}
	cl.expectEOF()
}
