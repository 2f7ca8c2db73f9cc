package h1

import (
	"math/rand"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/eddy-go/eddy/loop"
)

// placements: one request per placement and its expected body.
var placements = []struct {
	name, req, method, want string
}{
	{"loop", get("/plain?a"), "GET", "plain a"},
	{"pool", get("/pool?b"), "GET", "pool b"},
	{"later", get("/later?c"), "GET", "later c"},
	{"deferpool", get("/deferpool?d"), "GET", "deferpool d"},
	{"echo", post("/echo", "hello body"), "POST", "hello body"},
	{"stream", get("/stream?n=3"), "GET", "chunk 0\nchunk 1\nchunk 2\n"},
	{"pool-stream", get("/stream?n=2&pool=1"), "GET", "chunk 0\nchunk 1\n"},
	{"head", "HEAD /plain?a HTTP/1.1\r\nHost: x\r\n\r\n", "HEAD", ""},
}

func TestKeepAlive(t *testing.T) {
	ts := startServer(t, Config{ServerName: "eddy"}, loop.Config{})
	cl := ts.dial(t)
	for round := 0; round < 3; round++ {
		for _, p := range placements {
			cl.send(p.req)
			r := cl.expect(p.method, 200, p.want)
			if r.Close {
				t.Fatalf("%s: response closes the connection", p.name)
			}
			if r.Header.Get("Server") != "eddy" || len(r.Header.Get("Date")) != 29 {
				t.Fatalf("%s: Server %q Date %q", p.name, r.Header.Get("Server"), r.Header.Get("Date"))
			}
		}
	}
	served := ts.h.served.Load()
	waitFor(t, "every exchange released", 5*time.Second, func() bool { return ts.h.released.Load() == served })
}

func TestHeadKeepsContentLength(t *testing.T) {
	ts := startServer(t, Config{}, loop.Config{})
	cl := ts.dial(t)
	cl.send("HEAD /plain?abc HTTP/1.1\r\nHost: x\r\n\r\n" + get("/plain?z"))
	r := cl.expect("HEAD", 200, "")
	if r.ContentLength != int64(len("plain abc")) {
		t.Fatalf("HEAD Content-Length %d", r.ContentLength)
	}
	cl.expect("GET", 200, "plain z")
}

// TestPipelinedMixedSplit sends batches of requests in every placement,
// cut at random byte offsets, and checks the answers come in request order.
func TestPipelinedMixedSplit(t *testing.T) {
	ts := startServer(t, Config{}, loop.Config{})
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewSource(seed))
	for iter := 0; iter < 30; iter++ {
		cl := ts.dial(t)
		var batch strings.Builder
		var want []int
		n := 1 + rng.Intn(16)
		for i := 0; i < n; i++ {
			k := rng.Intn(len(placements))
			p := placements[k]
			batch.WriteString(p.req)
			want = append(want, k)
		}
		b := batch.String()
		for len(b) > 0 {
			cut := 1 + rng.Intn(len(b))
			cl.send(b[:cut])
			b = b[cut:]
		}
		for i, k := range want {
			p := placements[k]
			r := cl.read(p.method)
			if r.StatusCode != 200 || r.body != p.want {
				t.Fatalf("iter %d response %d (%s): got %d %q, want %q\nbatch %v", iter, i, p.name, r.StatusCode, r.body, p.want, want)
			}
		}
		cl.c.Close()
	}
}

// TestPipelinedBytewise: one batch with every placement, sent one byte per
// write.
func TestPipelinedBytewise(t *testing.T) {
	ts := startServer(t, Config{}, loop.Config{})
	cl := ts.dial(t)
	var b strings.Builder
	for _, p := range placements {
		b.WriteString(p.req)
	}
	batch := b.String()
	for i := 0; i < len(batch); i++ {
		cl.send(batch[i : i+1])
	}
	for _, p := range placements {
		cl.expect(p.method, 200, p.want)
	}
}

// TestPipelineOrderAcrossPlacements: a slow deferred response first, fast
// ones after it: the fast ones must wait.
func TestPipelineOrderAcrossPlacements(t *testing.T) {
	ts := startServer(t, Config{}, loop.Config{})
	cl := ts.dial(t)
	var b strings.Builder
	b.WriteString(get("/later?first&ms=50"))
	for i := 0; i < 15; i++ {
		if i%2 == 0 {
			b.WriteString(get("/plain?" + strconv.Itoa(i)))
		} else {
			b.WriteString(get("/pool?" + strconv.Itoa(i)))
		}
	}
	cl.send(b.String())
	cl.expect("GET", 200, "later first&ms=50")
	for i := 0; i < 15; i++ {
		want := "plain " + strconv.Itoa(i)
		if i%2 == 1 {
			want = "pool " + strconv.Itoa(i)
		}
		cl.expect("GET", 200, want)
	}
}

// TestRespondLead: the lead line comes before the header lines whether
// the response goes straight out (first in line), is recorded behind a
// pending one (on the loop), or comes from the pool.
func TestRespondLead(t *testing.T) {
	ts := startServer(t, Config{}, loop.Config{})
	cl := ts.dial(t)
	reqs := []string{get("/lead?direct"), get("/later?first&ms=30"), get("/lead?recorded"), get("/lead?pool=1")}
	cl.send(strings.Join(reqs, ""))
	for _, want := range []string{"lead direct", "later first&ms=30", "lead recorded", "lead pool=1"} {
		r := cl.expect("GET", 200, want)
		lead := strings.HasPrefix(want, "lead")
		if got := r.Header.Get("X-Lead"); (got == "1") != lead || r.Header.Get("Content-Type") != "text/plain" {
			t.Fatalf("%q: X-Lead %q, Content-Type %q", want, got, r.Header.Get("Content-Type"))
		}
	}
}

// TestPipelineDepth: more requests than slots are all answered, in order.
func TestPipelineDepth(t *testing.T) {
	ts := startServer(t, Config{PipelineDepth: 2}, loop.Config{})
	cl := ts.dial(t)
	var b strings.Builder
	for i := 0; i < 40; i++ {
		if i%3 == 0 {
			b.WriteString(get("/later?" + strconv.Itoa(i) + "&ms=1"))
		} else {
			b.WriteString(get("/plain?" + strconv.Itoa(i)))
		}
	}
	cl.send(b.String())
	for i := 0; i < 40; i++ {
		want := "plain " + strconv.Itoa(i)
		if i%3 == 0 {
			want = "later " + strconv.Itoa(i) + "&ms=1"
		}
		cl.expect("GET", 200, want)
	}
}

// TestHTTP10Stream: an HTTP/1.0 stream is delimited by the close.
func TestHTTP10Stream(t *testing.T) {
	ts := startServer(t, Config{}, loop.Config{})
	for _, req := range []string{
		"GET /stream?n=2 HTTP/1.0\r\n\r\n",
		"GET /stream?n=2 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
	} {
		cl := ts.dial(t)
		cl.send(req)
		r := cl.expect("GET", 200, "chunk 0\nchunk 1\n")
		if !r.Close || len(r.TransferEncoding) != 0 {
			t.Fatalf("close=%v te=%v", r.Close, r.TransferEncoding)
		}
		cl.expectEOF()
	}
}

func TestConnectionClose(t *testing.T) {
	cases := []struct {
		name, req   string
		wantConnHdr string
		keepsOpen   bool
	}{
		{"close", "GET /plain?1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" + get("/plain?ignored"), "close", false},
		{"http10", "GET /plain?1 HTTP/1.0\r\n\r\n" + get("/plain?ignored"), "close", false},
		{"http10-keepalive", "GET /plain?1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", "keep-alive", true},
	}
	ts := startServer(t, Config{}, loop.Config{})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cl := ts.dial(t)
			cl.send(tc.req)
			r := cl.expect("GET", 200, "plain 1")
			got := r.Header.Get("Connection")
			if r.Close {
				got = "close" // net/http folds "Connection: close" into Close
			}
			if got != tc.wantConnHdr {
				t.Fatalf("Connection %q, want %q", got, tc.wantConnHdr)
			}
			if !tc.keepsOpen {
				cl.expectEOF()
				return
			}
			cl.send("GET /plain?2 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
			cl.expect("GET", 200, "plain 2")
		})
	}
}

// TestBodyWhileSlotsFull: a body still arriving when its request took the
// last slot keeps being read (parsing of later requests pauses, not the
// body).
func TestBodyWhileSlotsFull(t *testing.T) {
	ts := startServer(t, Config{PipelineDepth: 2, BodyTimeout: 3 * time.Second}, loop.Config{})
	cl := ts.dial(t)
	cl.send(get("/block") + "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\nabc")
	<-ts.h.blocked
	waitFor(t, "the POST routed", 5*time.Second, func() bool { return ts.h.routed.Load() == 2 })
	cl.send("def" + get("/plain?third"))
	waitFor(t, "the body read", 2*time.Second, func() bool { return ts.h.served.Load() == 2 })
	close(ts.h.unblock)
	cl.expect("GET", 200, "unblocked")
	cl.expect("POST", 200, "abcdef")
	cl.expect("GET", 200, "plain third")
}

// TestCloseAfter: a response after Exchange.CloseAfter carries
// "Connection: close" (unless its head went out before the call), the
// requests pipelined behind it get nothing although some were parsed and
// served, and the connection half-closes after the response; every
// exchange is still released. From every placement.
func TestCloseAfter(t *testing.T) {
	cases := []struct {
		name, query string
		wantClose   bool // the response itself says "Connection: close"
	}{
		{"loop", "", true},
		{"pool", "pool=1", true},
		{"detached", "when=detached", true},
		{"pool-detached", "pool=1&when=detached", true},
		{"loop-after-response", "when=after", false},
		{"pool-after-response", "pool=1&when=after", false},
	}
	ts := startServer(t, Config{}, loop.Config{})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cl := ts.dial(t)
			cl.send(get("/plain?1") + get("/closeafter?"+tc.query) + get("/plain?3") + post("/echo", "four"))
			cl.expect("GET", 200, "plain 1")
			r := cl.expect("GET", 200, "closeafter")
			if tc.wantClose && !r.Close {
				t.Fatal("the response lacks Connection: close")
			}
			cl.expectEOF() // nothing for /plain?3 and /echo
		})
	}
	waitFor(t, "every exchange released", 5*time.Second, func() bool {
		return ts.h.released.Load() == ts.h.routed.Load()
	})
	waitFor(t, "every connection closed", 5*time.Second, func() bool { return ts.srv.NumConns() == 0 })
}
