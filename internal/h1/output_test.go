package h1

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/eddy-go/eddy/httpcodec"
)

// hotHandler answers every request on the loop with RespondLead and no
// header lines: status ?s= (200), lead hotLeads[?l=] (0), a body of ?n=
// bytes (0) cut from hotBody, so a byte moved to the wrong place shows. Such heads are the ones the loop caches whole (loopState.hot).
type hotHandler struct{}

var hotLeads = []string{"", "Content-Type: text/plain; charset=utf-8\r\n", "Content-Type: application/json\r\n"}

func (hotHandler) Route(x *Exchange) Plan { return Plan{} }
func (hotHandler) Release(x *Exchange)    {}
func (hotHandler) Serve(x *Exchange) {
	x.RespondLead(queryInt(x, "s", 200), hotLeads[queryInt(x, "l", 0)], nil, []byte(hotBody[:queryInt(x, "n", 0)]))
}

// hotBody is the bodies hotHandler answers, each byte different.
const hotBody = "0123456789abcdefghijklmnopqrstuvwxyz"

// TestHotHead: a plain head is copied from the loop's cache only when it
// is the same as the cached one: the same status, lead, Content-Length and
// Connection field, in the same second. Every head here is compared byte
// for byte with one built field by field, requests sent one per batch and
// all in one batch.
func TestHotHead(t *testing.T) {
	type req struct {
		line, conn   string // request line, Connection field sent ("" none)
		secs         int64  // the fake loop's seconds past fakeSecond from this request on
		status, lead int
		n            int
		head         bool   // HEAD: no body
		wantConn     string // Connection field expected in the response
	}
	reqs := []req{
		{line: "GET /?n=13&l=1", status: 200, lead: 1, n: 13},
		{line: "GET /?n=13&l=1", status: 200, lead: 1, n: 13},
		{line: "GET /?n=14&l=1", status: 200, lead: 1, n: 14},
		{line: "GET /?n=14&l=2", status: 200, lead: 2, n: 14},
		{line: "GET /?n=14", status: 200, n: 14},
		{line: "HEAD /?n=14", status: 200, n: 14, head: true},
		{line: "GET /?n=14", status: 200, n: 14},
		{line: "GET /?n=14&s=404", status: 404, n: 14},
		// A hot body of 8 to 16 bytes moves as two words: each length
		// around the bounds, the second of each pair from the cache.
		{line: "GET /?n=7", status: 200, n: 7},
		{line: "GET /?n=7", status: 200, n: 7},
		{line: "GET /?n=8", status: 200, n: 8},
		{line: "GET /?n=8", status: 200, n: 8},
		{line: "GET /?n=9", status: 200, n: 9},
		{line: "GET /?n=9", status: 200, n: 9},
		{line: "GET /?n=16", status: 200, n: 16},
		{line: "GET /?n=16", status: 200, n: 16},
		{line: "GET /?n=17", status: 200, n: 17},
		{line: "GET /?n=17", status: 200, n: 17},
		{line: "GET /?n=0", status: 200, n: 0},
		{line: "GET /?n=0", status: 200, n: 0},
		{line: "GET /?n=14&s=204", status: 204, n: 14},
		{line: "GET /?n=14 HTTP/1.0", conn: "keep-alive", status: 200, n: 14, wantConn: "keep-alive"},
		{line: "GET /?n=14", status: 200, n: 14, secs: 1},
		{line: "GET /?n=14", status: 200, n: 14, secs: 1},
		{line: "GET /?n=14", conn: "close", status: 200, n: 14, secs: 1, wantConn: "close"},
	}
	for _, batch := range []bool{false, true} {
		t.Run(fmt.Sprintf("one_batch=%v", batch), func(t *testing.T) {
			l := newFakeLoop(1)
			w := newFakeWire(t, Config{ServerName: "hot"}, hotHandler{}, l)
			var in, want bytes.Buffer
			for _, r := range reqs {
				line := r.line
				if !strings.HasSuffix(line, "HTTP/1.0") {
					line += " HTTP/1.1"
				}
				fmt.Fprintf(&in, "%s\r\nHost: a\r\n", line)
				if r.conn != "" {
					fmt.Fprintf(&in, "Connection: %s\r\n", r.conn)
				}
				in.WriteString("\r\n")
				secs := r.secs
				if batch {
					secs = 0 // the whole batch is answered in one callback
				}
				b := httpcodec.AppendStatusLine(nil, r.status)
				b = append(b, "Server: hot\r\nDate: "...)
				b = httpcodec.AppendHTTPDate(b, time.Unix(fakeSecond+secs, 0))
				b = append(b, "\r\n"+hotLeads[r.lead]...)
				if !noBody(r.status) {
					b = fmt.Appendf(b, "Content-Length: %d\r\n", r.n)
				}
				if r.wantConn != "" {
					b = fmt.Appendf(b, "Connection: %s\r\n", r.wantConn)
				}
				b = append(b, "\r\n"...)
				if !r.head && !noBody(r.status) {
					b = append(b, hotBody[:r.n]...)
				}
				want.Write(b)
				if !batch {
					l.secs = r.secs
					w.arrive(in.Bytes())
					in.Reset()
				}
			}
			if batch {
				w.arrive(in.Bytes())
			}
			if got := w.fc.out.String(); got != want.String() {
				t.Fatalf("responses:\n%q\nwant:\n%q", got, want.String())
			}
		})
	}
}
