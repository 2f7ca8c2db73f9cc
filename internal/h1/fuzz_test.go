package h1

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// fuzzHandler places each request by the first letter of its path and
// answers "r<seq>" with an "X-Seq: <seq>" field, seq being the request's
// place in routing order:
//
//	/l  on the loop                     /p  in the pool
//	/d  detached, finished later        /s  streamed on the loop
//	/t  detached, streamed later        /q  streamed in the pool (no write flow)
//	/r  answered in Route               /c  CloseAfter, then on the loop
//	anything else: a placement drawn from the seed
//
// It checks that every routed exchange is released exactly once.
type fuzzHandler struct {
	t      *testing.T
	l      *fakeLoop
	noFlow bool // pool streams allowed: the fake never pauses writing

	seq      int
	live     map[*Exchange]int // routed, not released: seq
	seen     map[*Exchange]bool
	answered []int // seqs the handler answers (routing order)
	ends     map[int]bool
	heads    map[int]bool // seqs of HEAD requests
	released int
}

func newFuzzHandler(t *testing.T, l *fakeLoop, noFlow bool) *fuzzHandler {
	return &fuzzHandler{t: t, l: l, noFlow: noFlow, live: map[*Exchange]int{}, seen: map[*Exchange]bool{}, ends: map[int]bool{}, heads: map[int]bool{}}
}

const fuzzPlaces = "lpdstrc"

func (h *fuzzHandler) placement(x *Exchange, seq int) byte {
	p := x.Request().Path()
	k := byte(0)
	if len(p) > 1 {
		k = p[1]
	}
	if k == 'q' && !h.noFlow {
		k = 's'
	}
	if k == 'q' || strings.IndexByte(fuzzPlaces, k) >= 0 {
		return k
	}
	if h.noFlow {
		return "lpdstrcq"[h.l.rng.IntN(8)]
	}
	return fuzzPlaces[h.l.rng.IntN(len(fuzzPlaces))]
}

type fuzzUser struct {
	seq   int
	place byte
}

func (h *fuzzHandler) Route(x *Exchange) Plan {
	if s, ok := h.live[x]; ok {
		h.t.Fatalf("exchange routed again before its release (seq %d)", s)
	}
	h.seq++
	seq := h.seq
	h.live[x] = seq
	h.seen[x] = true
	u := &fuzzUser{seq: seq, place: h.placement(x, seq)}
	x.User = u
	r := x.Request()
	if string(r.Method()) == "HEAD" {
		h.heads[seq] = true
	}
	if !r.KeepAlive() {
		h.ends[seq] = true
	}
	switch u.place {
	case 'r':
		h.answered = append(h.answered, seq)
		x.Respond(200, h.header(seq), h.body(seq))
		return Plan{}
	case 'p', 'q':
		return Plan{InPool: true}
	}
	return Plan{}
}

func (h *fuzzHandler) header(seq int) []byte { return []byte("X-Seq: " + strconv.Itoa(seq) + "\r\n") }
func (h *fuzzHandler) body(seq int) []byte   { return []byte("r" + strconv.Itoa(seq)) }

func (h *fuzzHandler) Serve(x *Exchange) {
	u := x.User.(*fuzzUser)
	seq := u.seq
	h.answered = append(h.answered, seq)
	if x.Request().Minor() == 0 && (u.place == 's' || u.place == 't' || u.place == 'q') {
		h.ends[seq] = true // an HTTP/1.0 stream is delimited by the close
	}
	hdr, body := h.header(seq), h.body(seq)
	switch u.place {
	case 'l', 'p':
		x.Respond(200, hdr, body)
	case 'c':
		h.ends[seq] = true
		x.CloseAfter()
		x.Respond(200, hdr, body)
	case 'd':
		x.Detach()
		h.l.later(func() { x.Respond(200, hdr, body) })
	case 's', 'q':
		h.streamNow(x, hdr, body)
	case 't':
		x.Detach()
		h.l.later(func() { h.streamLater(x, hdr, body, 0) })
	}
}

// streamNow streams body in pieces of one or two bytes; on backpressure
// the rest goes out from OnWritable.
func (h *fuzzHandler) streamNow(x *Exchange, hdr, body []byte) {
	if err := x.StreamStart(200, hdr); err != nil {
		return
	}
	h.streamLater(x, nil, body, 0)
}

// streamLater writes body from byte i on (after StreamStart when hdr is
// not nil), continuing from OnWritable on backpressure, then ends the
// stream. It runs on the loop (a timer, in production).
func (h *fuzzHandler) streamLater(x *Exchange, hdr, body []byte, i int) {
	if hdr != nil {
		if err := x.StreamStart(200, hdr); err != nil {
			return
		}
	}
	for i < len(body) {
		n := min(len(body)-i, 1+h.l.rng.IntN(2))
		err := x.StreamWrite(body[i : i+n])
		if errors.Is(err, ErrBackpressure) {
			x.OnWritable(func() { h.streamLater(x, nil, body, i) })
			return
		}
		if err != nil {
			return
		}
		i += n
	}
	_ = x.StreamEnd(nil)
}

func (h *fuzzHandler) Release(x *Exchange) {
	if _, ok := h.live[x]; !ok {
		h.t.Fatalf("release of an exchange that is not routed (or released twice)")
	}
	delete(h.live, x)
	h.released++
}

// fuzzDirect is fuzzHandler as a DirectServer: ServeDirect serves as
// Serve does and releases when Settle says so, as the root's does.
type fuzzDirect struct{ *fuzzHandler }

func (h fuzzDirect) ServeDirect(x *Exchange) bool {
	h.Serve(x)
	if !x.Settle() {
		return false
	}
	h.Release(x)
	return true
}

func (h fuzzDirect) Recover(x *Exchange, v any) {
	h.t.Fatalf("Recover(%v): the fuzz handler never panics", v)
}

// fuzzResponse is one response as the client reads it.
type fuzzResponse struct {
	status int
	seq    int // X-Seq; 0 for the engine's own answers
	body   string
}

// parseResponses splits out into responses, checking each one's framing.
// head maps a seq to whether its request was HEAD. After the client's EOF
// (eof) every response not yet started carries Connection: close.
func parseResponses(out []byte, head map[int]bool, eof bool) ([]fuzzResponse, error) {
	var rs []fuzzResponse
	for len(out) > 0 {
		i := bytes.Index(out, []byte("\r\n\r\n"))
		if i < 0 {
			return rs, fmt.Errorf("incomplete head %q", out)
		}
		lines := strings.Split(string(out[:i]), "\r\n")
		out = out[i+4:]
		var r fuzzResponse
		if len(lines[0]) < 12 || !strings.HasPrefix(lines[0], "HTTP/1.1 ") {
			return rs, fmt.Errorf("bad status line %q", lines[0])
		}
		st, err := strconv.Atoi(lines[0][9:12])
		if err != nil {
			return rs, fmt.Errorf("bad status line %q", lines[0])
		}
		r.status = st
		cl, chunked, closeConn := -1, false, false
		for _, ln := range lines[1:] {
			k, v, ok := strings.Cut(ln, ": ")
			if !ok {
				return rs, fmt.Errorf("bad field %q", ln)
			}
			switch strings.ToLower(k) {
			case "content-length":
				if cl >= 0 {
					return rs, fmt.Errorf("two Content-Length fields")
				}
				if cl, err = strconv.Atoi(v); err != nil {
					return rs, fmt.Errorf("bad Content-Length %q", v)
				}
			case "transfer-encoding":
				chunked = v == "chunked"
			case "connection":
				closeConn = v == "close"
			case "x-seq":
				r.seq, _ = strconv.Atoi(v)
			}
		}
		if st < 200 {
			if st != 100 {
				return rs, fmt.Errorf("unexpected interim status %d", st)
			}
			continue
		}
		if cl >= 0 && chunked {
			return rs, fmt.Errorf("Content-Length and chunked")
		}
		noBody := st == 204 || st == 304 || (r.seq != 0 && head[r.seq])
		switch {
		case noBody:
		case chunked:
			var body []byte
			for {
				j := bytes.Index(out, []byte("\r\n"))
				if j < 0 {
					return rs, fmt.Errorf("incomplete chunk size")
				}
				n, err := strconv.ParseInt(string(out[:j]), 16, 32)
				if err != nil || n < 0 {
					return rs, fmt.Errorf("bad chunk size %q", out[:j])
				}
				out = out[j+2:]
				if n == 0 {
					if !bytes.HasPrefix(out, []byte("\r\n")) {
						return rs, fmt.Errorf("bad last chunk")
					}
					out = out[2:]
					break
				}
				if len(out) < int(n)+2 || string(out[n:n+2]) != "\r\n" {
					return rs, fmt.Errorf("bad chunk")
				}
				body = append(body, out[:n]...)
				out = out[n+2:]
			}
			r.body = string(body)
		case cl >= 0:
			if r.seq == 0 && len(out) == 0 {
				break // an engine error for a HEAD request: the head alone
			}
			if len(out) < cl {
				return rs, fmt.Errorf("body of %d bytes, %d sent", cl, len(out))
			}
			r.body = string(out[:cl])
			out = out[cl:]
		default:
			if !closeConn {
				return rs, fmt.Errorf("a body delimited by the close without Connection: close")
			}
			r.body = string(out)
			out = nil
		}
		rs = append(rs, r)
		if closeConn && len(out) > 0 && !eof {
			return rs, fmt.Errorf("%d bytes after a Connection: close response", len(out))
		}
	}
	return rs, nil
}

// FuzzConn feeds a pipelined stream (valid and invalid requests, cut at
// points drawn from seed) to one conn on the fake loop, with handlers in
// every placement finishing in an order drawn from seed, and checks:
// every routed exchange is released exactly once and recycled; responses
// come in request order, each well framed, each the one its request was
// given; nothing a handler answered is lost unless the connection ended
// before it (an error, a CloseAfter, a close); nothing is written after
// the connection is closed; the connection ends after the client's EOF.
func FuzzConn(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s), uint64(len(s)))
	}
	f.Fuzz(func(t *testing.T, stream []byte, seed uint64) {
		runFuzzConn(t, stream, seed)
	})
}

var fuzzSeeds = []string{
	"GET /l HTTP/1.1\r\nHost: a\r\n\r\nGET /p HTTP/1.1\r\nHost: a\r\n\r\nGET /d HTTP/1.1\r\nHost: a\r\n\r\n",
	"GET /s HTTP/1.1\r\nHost: a\r\n\r\nGET /t HTTP/1.1\r\nHost: a\r\n\r\nGET /q HTTP/1.1\r\nHost: a\r\n\r\nGET /r HTTP/1.1\r\nHost: a\r\n\r\n",
	"POST /l HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhelloPOST /p HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\nGET /c HTTP/1.1\r\nHost: a\r\n\r\nGET /l HTTP/1.1\r\nHost: a\r\n\r\n",
	"GET /s HTTP/1.0\r\n\r\n",
	"GET /t HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /l HTTP/1.0\r\n\r\n",
	"HEAD /d HTTP/1.1\r\nHost: a\r\n\r\nHEAD /s HTTP/1.1\r\nHost: a\r\n\r\nGET /x HTTP/1.1\r\nHost: a\r\n\r\n",
	"POST /d HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabcGET /l HTTP/1.1\r\nHost: a\r\n\r\n",
	"GET /l HTTP/1.1\r\nHost: a\r\n\r\nGARBAGE\r\n\r\nGET /l HTTP/1.1\r\nHost: a\r\n\r\n",
	"GET /l HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\nGET /l HTTP/1.1\r\nHost: a\r\n\r\n",
	"POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc",
	"GET /l HTTP/1.1\r\nHost: a\r\n\r\nGET /l HTTP/1.1\r\nHost: a\r\n\r\nGET /l HTTP/1.1\r\nHost: a\r\n\r\nGET /l HTTP/1.1\r\nHost: a\r\n\r\nGET /l HTTP/1.1\r\nHost: a\r\n\r\nGET /p HTTP/1.1\r\nHost: a\r\n\r\n",
	"GET /u HTTP/1.1\r\nHost: a\r\n\r\nGET /v HTTP/1.1\r\nHost: a\r\n\r\nGET /w HTTP/1.1\r\nHost: a\r\n\r\nPOST /y HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\n",
}

func runFuzzConn(t *testing.T, stream []byte, seed uint64) {
	if len(stream) > 1<<14 {
		return
	}
	l := newFakeLoop(seed)
	noFlow := l.rng.IntN(2) == 0
	if l.rng.IntN(4) == 0 {
		l.maxJobs = 1 + l.rng.IntN(2)
	}
	h := newFuzzHandler(t, l, noFlow)
	cfg := Config{
		PipelineDepth:  1 + l.rng.IntN(4),
		HeaderTimeout:  2 * time.Second,
		BodyTimeout:    2 * time.Second,
		IdleTimeout:    5 * time.Second,
		HandlerTimeout: 3 * time.Second,
		MaxBody:        1 << 10,
		Logger:         slog.New(slog.DiscardHandler),
	}
	var hh Handler = h
	if seed&1 != 0 {
		hh = fuzzDirect{h} // the one-call path for requests without a body
	}
	w := newFakeWire(t, cfg, hh, l)
	if !noFlow {
		w.fc.hwm = 64 + l.rng.IntN(256)
	}
	heads := h.heads
	gone := false // the client went away: answers may be lost
	rest := stream
	for steps := 0; ; steps++ {
		if steps > 100000 {
			t.Fatalf("no end after %d steps", steps)
		}
		if w.fc.Closed() && !w.fc.lost && l.rng.IntN(3) == 0 {
			w.fc.read(-1)
			w.lose() // the loop flushed, then closed
			continue
		}
		switch l.rng.IntN(8) {
		case 0, 1, 2:
			if len(rest) > 0 && !w.fc.lost && !w.eof {
				n := 1 + l.rng.IntN(len(rest))
				if l.rng.IntN(2) == 0 {
					n = len(rest)
				}
				w.arrive(rest[:n])
				rest = rest[n:]
				continue
			}
		case 3:
			if l.rng.IntN(50) == 0 {
				w.tick(time.Duration(l.rng.IntN(4000)) * time.Millisecond)
			} else {
				w.tick(time.Duration(l.rng.IntN(50)) * time.Millisecond)
			}
			continue
		case 4:
			w.fc.read(l.rng.IntN(512))
			w.resumed()
			continue
		case 5:
			if len(rest) == 0 && !w.eof && !w.fc.lost {
				w.sendEOF()
				continue
			}
		case 6:
			if l.rng.IntN(200) == 0 && !w.fc.lost {
				gone = true
				w.lose()
				continue
			}
		}
		if l.step() {
			w.resumed()
			continue
		}
		w.fc.read(-1)
		w.resumed()
		if w.fc.lost && !l.pending() {
			break
		}
		if len(rest) == 0 && w.eof && !l.pending() {
			if w.fc.Closed() {
				break
			}
			// Nothing queued, the client is done: time must end it.
			w.tick(time.Second)
			if steps > 50000 {
				t.Fatalf("connection still open with nothing to do: %+v", w.c.flags)
			}
		}
	}
	// The loop closes the connection after its last write.
	w.fc.read(-1)
	w.lose()
	for l.pending() {
		l.step()
	}
	if len(h.live) != 0 {
		t.Fatalf("%d exchanges routed and never released", len(h.live))
	}
	if w.fc.writesAfterClose != 0 {
		t.Fatalf("%d writes after the connection closed", w.fc.writesAfterClose)
	}
	if w.c.head != nil || w.c.n != 0 || w.c.cur != nil {
		t.Fatalf("FIFO not empty after the connection was lost")
	}
	if w.ls.bodyBytes != 0 {
		t.Fatalf("loop body budget holds %d bytes after the connection was lost", w.ls.bodyBytes)
	}
	if w.ls.outConn != nil || len(w.ls.out) != 0 {
		t.Fatalf("loop output buffer still holds %d bytes for the connection", len(w.ls.out))
	}
	free := map[*Exchange]bool{w.ls.spare: true}
	for _, x := range w.ls.free {
		free[x] = true
	}
	for x := range h.seen {
		if !free[x] {
			t.Fatalf("an exchange the handler saw was not recycled")
		}
	}
	rs, err := parseResponses(w.fc.out.Bytes(), heads, w.eof)
	if err != nil {
		t.Fatalf("framing: %v\nout: %q", err, w.fc.out.Bytes())
	}
	// Expected: the handlers' answers in routing order, up to the first
	// that ends the connection.
	slices.Sort(h.answered)
	var want []int
	for _, s := range h.answered {
		want = append(want, s)
		if h.ends[s] {
			break
		}
	}
	got := 0
	for i, r := range rs {
		if r.seq == 0 {
			if i != len(rs)-1 {
				t.Fatalf("engine answer %d is not the last response: %+v\nout: %q", r.status, rs, w.fc.out.Bytes())
			}
			if r.status < 400 {
				t.Fatalf("engine answer with status %d", r.status)
			}
			continue
		}
		if got >= len(want) || r.seq != want[got] {
			t.Fatalf("response %d is seq %d, want the answers %v in order\nout: %q", i, r.seq, want, w.fc.out.Bytes())
		}
		if r.status != 200 || (!heads[r.seq] && r.body != "r"+strconv.Itoa(r.seq)) {
			t.Fatalf("response for seq %d: status %d body %q", r.seq, r.status, r.body)
		}
		got++
	}
	if len(rs) > 0 && rs[len(rs)-1].seq == 0 {
		return // an error ended the connection: what follows is dropped
	}
	if got != len(want) && !gone && !w.fc.aborted {
		t.Fatalf("answers lost: got %d responses, want %v\nout: %q", got, want, w.fc.out.Bytes())
	}
}
