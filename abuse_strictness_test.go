package eddy_test

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/eddytest"
)

// TestAbuseStrictness sends a table of hostile or non-conforming requests
// (RFC 9110/9112 strictness points) over raw sockets to a real server and
// checks each status, that the connection is closed after every rejection
// (and kept after every accepted request, and after the 405 for a
// lower-case "get", a custom method as far as HTTP is concerned), that no rejected request reaches
// a handler, and that repeating the table leaves no memory behind. It logs
// the table of statuses, the slowest answer-and-close and the heap before
// and after.
func TestAbuseStrictness(t *testing.T) {
	var served atomic.Int64
	logger, _ := boundedLog(t, 0)
	app := eddy.New(eddy.Config{Logger: logger})
	h := func(c *eddy.Ctx) error {
		served.Add(1)
		return c.Text(c.Param("name") + "|" + c.Header("X-Forwarded-For") + "|" + c.Header("Content-Type"))
	}
	app.Get("/files/{name}", h)
	app.Post("/files/{name}", h)
	s := eddytest.New(t, app)

	const head = "Host: x\r\n\r\n"
	tests := []struct {
		name, raw string
		status    int
		handled   bool // reaches the handler
		open      bool // the connection stays open (every rejection closes it otherwise)
	}{
		{"te gzip", "POST /files/a HTTP/1.1\r\nTransfer-Encoding: gzip\r\n" + head, 400, false, false},
		{"te chunked then gzip lines", "POST /files/a HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n" + head, 400, false, false},
		{"te chunked, identity", "POST /files/a HTTP/1.1\r\nTransfer-Encoding: chunked, identity\r\n" + head, 400, false, false},
		{"te chunked;ext", "POST /files/a HTTP/1.1\r\nTransfer-Encoding: chunked;x=1\r\n" + head, 400, false, false},
		{"te gzip, chunked", "POST /files/a HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n" + head, 501, false, false},
		{"empty host", "GET /files/a HTTP/1.1\r\nHost:\r\n\r\n", 400, false, false},
		{"empty host then host", "GET /files/a HTTP/1.1\r\nHost:\r\nHost: x\r\n\r\n", 400, false, false},
		{"host then empty host", "GET /files/a HTTP/1.1\r\nHost: x\r\nHost:\r\n\r\n", 400, false, false},
		{"HTTP/1.2", "GET /files/a HTTP/1.2\r\n" + head, 200, true, true},
		{"HTTP/1.9", "GET /files/a HTTP/1.9\r\n" + head, 200, true, true},
		{"HTTP/2.0", "GET /files/a HTTP/2.0\r\n" + head, 505, false, false},
		{"HTTP/0.9", "GET /files/a HTTP/0.9\r\n" + head, 505, false, false},
		{"CONNECT", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", 501, false, false},
		{"content-type twice, different", "POST /files/a HTTP/1.1\r\nContent-Type: text/plain\r\nContent-Type: application/json\r\n" + head, 400, false, false},
		{"authorization twice, different", "GET /files/a HTTP/1.1\r\nAuthorization: Basic YTpi\r\nauthorization: Basic Yzpk\r\n" + head, 400, false, false},
		{"range twice, different", "GET /files/a HTTP/1.1\r\nRange: bytes=0-1\r\nRange: bytes=5-\r\n" + head, 400, false, false},
		{"content-type twice, same", "GET /files/a HTTP/1.1\r\nContent-Type: a/b\r\nContent-Type: a/b\r\n" + head, 200, true, true},
		{"backslash", "GET /files/..\\..\\etc HTTP/1.1\r\n" + head, 400, false, false},
		{"quote", "GET /files/\"a\" HTTP/1.1\r\n" + head, 400, false, false},
		{"angle brackets", "GET /files/<a> HTTP/1.1\r\n" + head, 400, false, false},
		{"caret", "GET /files/a^b HTTP/1.1\r\n" + head, 400, false, false},
		{"backtick", "GET /files/a`b HTTP/1.1\r\n" + head, 400, false, false},
		{"braces in query", "GET /files/a?q={1} HTTP/1.1\r\n" + head, 400, false, false},
		{"pipe", "GET /files/a|b HTTP/1.1\r\n" + head, 400, false, false},
		{"space in target", "GET /files/a b HTTP/1.1\r\n" + head, 400, false, false},
		{"encoded nul", "GET /files/a%00.txt HTTP/1.1\r\n" + head, 400, false, false},
		{"encoded crlf", "GET /files/a%0d%0aSet-Cookie:x HTTP/1.1\r\n" + head, 400, false, false},
		{"encoded lf", "GET /files/a%0A HTTP/1.1\r\n" + head, 400, false, false},
		{"dot-dot", "GET /files/.. HTTP/1.1\r\n" + head, 400, false, false},
		{"encoded dot-dot", "GET /files/%2e%2e HTTP/1.1\r\n" + head, 400, false, false},
		{"mixed encoded dot-dot", "GET /files/%2E. HTTP/1.1\r\n" + head, 400, false, false},
		{"dot", "GET /files/./a HTTP/1.1\r\n" + head, 400, false, false},
		{"malformed escape", "GET /files/a%zz HTTP/1.1\r\n" + head, 400, false, false},
		{"lowercase method (custom, no route)", "get /files/a HTTP/1.1\r\n" + head, 405, false, true},
		{"underscore twin", "GET /files/a HTTP/1.1\r\nX_Forwarded_For: 6.6.6.6\r\nX-Forwarded-For: 1.2.3.4\r\n" + head, 200, true, true},
	}

	var slowest time.Duration
	round := func(log bool) {
		var table strings.Builder
		for _, tc := range tests {
			before := served.Load()
			c := s.Dial(t)
			start := time.Now()
			io.WriteString(c, tc.raw)
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			br := bufio.NewReader(c)
			resp, err := http.ReadResponse(br, &http.Request{Method: strings.Fields(tc.raw)[0]})
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<10))
			resp.Body.Close()
			reached := served.Load() - before
			closed := false
			if tc.open {
				// Kept open: a second request on it is answered.
				io.WriteString(c, "GET /files/again HTTP/1.1\r\nHost: x\r\n\r\n")
				if r2, err := http.ReadResponse(br, &http.Request{Method: "GET"}); err != nil || r2.StatusCode != 200 {
					t.Errorf("%s: connection not usable after the answer: %v", tc.name, err)
				}
			} else {
				// Closed: EOF, not a timeout.
				_, err := io.Copy(io.Discard, br)
				closed = err == nil
				if !closed {
					t.Errorf("%s: connection not closed after %d: %v", tc.name, resp.StatusCode, err)
				}
			}
			d := time.Since(start)
			slowest = max(slowest, d)
			c.Close()
			if resp.StatusCode != tc.status {
				t.Errorf("%s: status %d, want %d (%q)", tc.name, resp.StatusCode, tc.status, b)
			}
			if want := map[bool]int64{true: 1}[tc.handled]; reached != want {
				t.Errorf("%s: handler ran %d times, want %d", tc.name, reached, want)
			}
			if tc.name == "underscore twin" && !strings.Contains(string(b), "|1.2.3.4|") {
				t.Errorf("underscore twin: handler saw %q as X-Forwarded-For", b)
			}
			fmt.Fprintf(&table, "\n  %-36s %d closed=%-5v %6.2fms %q", tc.name, resp.StatusCode, closed,
				float64(d.Microseconds())/1000, firstLine(string(b)))
		}
		if log {
			t.Logf("statuses:%s", table.String())
		}
	}

	round(true)
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	before := heap()
	const rounds = 10
	for i := 0; i < rounds; i++ {
		round(false)
	}
	after := heap()
	growth := int64(after) - int64(before)
	t.Logf("%d more rounds of %d requests: heap %d KiB before, %d KiB after (%+d KiB); slowest answer and close %v",
		rounds, len(tests), before>>10, after>>10, growth>>10, slowest)
	if growth > 8<<20 {
		t.Errorf("heap grew by %d KiB over %d rounds", growth>>10, rounds)
	}
	if slowest > 3*time.Second {
		t.Errorf("slowest answer and close took %v", slowest)
	}
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 60 {
		s = s[:60]
	}
	return s
}
