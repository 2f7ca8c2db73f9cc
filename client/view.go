package client

import (
	"net/http"
	"net/url"
	"unsafe"

	"github.com/eddy-go/eddy/httpcodec"
	"github.com/eddy-go/eddy/loop"
)

// View is a response as StartView's callback sees it: on the loop, in place.
// Its status, fields and body are borrowed from the connection's memory:
// valid until the callback returns; copy them to keep them. The callback must
// not keep the View itself either: a later request reuses it, so a View read
// after its callback returned (a misuse) shows another response's status,
// fields and body, or none. Every []byte it returns is read-only.
//
// The View is the same response Start would deliver: redirects followed,
// cookies stored, gzip and deflate decoded, RaiseForStatus applied. When none
// of those has work to do (the usual plain-http answer), the View reads the
// response head where the parser found it, and the body where it arrived
// whole, without a copy or an allocation; otherwise it reads an owned
// Response built for it.
type View struct {
	head *httpcodec.Response // the raw head; nil when resp backs the view
	resp *Response
	body []byte
	req  *Request
}

// StatusCode is the response's status code. Loop-only.
func (v *View) StatusCode() int {
	if v.head != nil {
		return v.head.Status()
	}
	return v.resp.StatusCode
}

// Status is the status line's code and reason, "200 OK". It allocates only
// for a reason phrase other than the usual one. Loop-only.
func (v *View) Status() string {
	if v.head != nil {
		return statusLine(v.head.Status(), v.head.Reason())
	}
	return v.resp.Status
}

// Proto is "HTTP/1.1" or "HTTP/1.0". Loop-only.
func (v *View) Proto() string {
	if v.head != nil {
		return protoString(v.head.Minor())
	}
	return v.resp.Proto
}

// Header returns the value of the first field named name (ASCII
// case-insensitive), nil when absent. Borrowed and read-only: valid until the
// callback returns; copy it to keep it. Loop-only.
func (v *View) Header(name string) []byte {
	if v.head != nil {
		return v.head.Header(name)
	}
	vs := v.resp.Header.Values(name)
	if len(vs) == 0 {
		return nil
	}
	return readOnly(vs[0])
}

// EachHeader calls fn with every field (in arrival order for a head read in
// place, repeats kept) until fn returns false. The slices are borrowed and
// read-only: valid until the callback returns; copy them to keep them.
// Loop-only.
func (v *View) EachHeader(fn func(name, value []byte) bool) {
	if v.head != nil {
		for i := range v.head.NumHeaders() {
			if !fn(v.head.HeaderAt(i)) {
				return
			}
		}
		return
	}
	for k, vs := range v.resp.Header {
		for _, val := range vs {
			if !fn(readOnly(k), readOnly(val)) {
				return
			}
		}
	}
}

// OwnHeader returns a copy of the fields as an http.Header, the caller's to
// keep (an allocation or three). Loop-only.
func (v *View) OwnHeader() http.Header {
	if v.head != nil {
		return ownHeader(v.head)
	}
	return v.resp.Header.Clone()
}

// ContentLength is the length the server declared, -1 if unknown (chunked,
// close-delimited or decompressed). Loop-only.
func (v *View) ContentLength() int64 {
	if v.head != nil {
		return v.head.ContentLength()
	}
	return v.resp.ContentLength
}

// Uncompressed reports that the session decompressed the body (gzip or
// deflate). Loop-only.
func (v *View) Uncompressed() bool { return v.head == nil && v.resp.Uncompressed }

// Body is the whole body (decompressed, if Uncompressed), at most
// Config.MaxBodyBuffered bytes. Borrowed and read-only: valid until the
// callback returns; copy it to keep it. Loop-only.
func (v *View) Body() []byte { return v.body }

// URL is the URL the response came from (after redirects). Loop-only.
func (v *View) URL() *url.URL { return v.req.URL }

// Request is the request this response answers (after redirects, the last
// hop's). Loop-only.
func (v *View) Request() *Request { return v.req }

// readOnly is s's bytes without a copy; nobody may write them.
func readOnly(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// Pending is a request sent with StartView, until its callback ran. Its zero
// value cancels nothing.
type Pending struct {
	c   *call
	gen uint32
}

// Cancel ends the request early: its callback gets err at once, unless it ran
// already (then Cancel does nothing, even though the session may have reused
// the request's memory for another). Loop-only: call it on the loop the
// request was started on.
func (p Pending) Cancel(err error) {
	if p.c != nil && p.c.gen == p.gen && !p.c.ended {
		p.c.abort(err)
	}
}

// StartView sends req from a loop without blocking it, like Start, and runs
// done on l (never inside StartView) with a View of the response, its body
// read whole (at most MaxBodyBuffered), or with the error. The View and
// everything it returns are borrowed: valid until done returns; copy them to
// keep them.
//
// It supports what Start does: every http and https URL, request bodies,
// redirects, the cookie jar, gzip and deflate decompression, RaiseForStatus,
// the retry of an idempotent request on a stale connection and every timeout;
// Middleware does not apply (it may block). A body larger than
// MaxBodyBuffered fails with ErrBodyTooLarge: StartView offers no streaming,
// Do does. On a keep-alive connection an answer that needs no redirect,
// cookie or decompression costs no allocation.
//
// The returned Pending cancels the request. Loop-only.
func (s *Session) StartView(l *loop.Loop, req *Request, done func(*View, error)) Pending {
	l.AssertLoopOnly("client.Session.StartView")
	r, err := s.resolve(req)
	if err == nil && !s.liveAdd() {
		err = ErrClosed
	}
	if err != nil {
		l.CallSoon(func() { done(nil, err) })
		return Pending{}
	}
	lp := s.pool(l)
	c := lp.newCall()
	c.s, c.lp, c.buffered, c.vcb, c.raise = s, lp, true, done, s.cfg.RaiseForStatus
	c.req, c.trace = r, s.trace(r)
	p := Pending{c: c, gen: c.gen}
	c.starting = true // done is posted, not called, until StartView returns
	c.begin()
	c.starting = false
	return p
}

// maxFreeCalls bounds the calls a loop keeps for reuse by StartView.
const maxFreeCalls = 1024

// newCall returns a zeroed call, reused if one is free. Loop-only.
func (lp *loopPool) newCall() *call {
	n := len(lp.calls)
	if n == 0 {
		return new(call)
	}
	c := lp.calls[n-1]
	lp.calls[n-1] = nil
	lp.calls = lp.calls[:n-1]
	gen := c.gen
	*c = call{gen: gen}
	return c
}

// recycle keeps an ended view call for reuse, unless something besides the
// loop may still refer to it (a goroutine, a timer, a streamed body: the call
// is then tainted and left to the garbage collector). Loop-only.
func (lp *loopPool) recycle(c *call) {
	c.gen++ // its Pending values go stale
	if c.tainted || len(lp.calls) >= maxFreeCalls {
		return
	}
	lp.calls = append(lp.calls, c)
}

// maxViewKept bounds the body buffer a connection keeps for the next view.
const maxViewKept = 64 << 10

// viewCallback hands the outcome to StartView's done: a View of the raw head
// and body when c.raw is set, of resp otherwise. Loop-only.
func (c *call) viewCallback(resp *Response, err error) {
	v := &c.view
	ex := c.raw
	switch {
	case err != nil:
		c.vcb(nil, err)
	case ex != nil:
		*v = View{head: &ex.vpc.head, body: ex.buf, req: ex.req}
		c.vcb(v, nil)
	default:
		*v = View{resp: resp, body: resp.buffered, req: resp.Request}
		c.vcb(v, nil)
	}
	if ex != nil { // the connection gets its head and body buffers back
		ex.vpc.head.Reset()
		if !ex.inPlace && cap(ex.buf) <= maxViewKept && ex.vpc.vbody == nil {
			ex.vpc.vbody = ex.buf[:0]
		}
		ex.buf, ex.vpc = nil, nil
	}
	c.raw = nil
	c.lp.recycle(c)
}

// rawView reports whether a view call may read the head h in place: no
// redirect to follow, no cookie to store, no body to decompress.
func (c *call) rawView(h *httpcodec.Response) bool {
	cfg := &c.s.cfg
	if cfg.Jar != nil && h.Header("Set-Cookie") != nil {
		return false
	}
	switch h.Status() {
	case 301, 302, 303, 307, 308:
		if cfg.MaxRedirects >= 0 && h.Header("Location") != nil {
			return false
		}
	}
	return !c.decode || h.Header("Content-Encoding") == nil
}

// readViewHead serves a view call's head (parsed in pc.head, n bytes of
// data): a body already in data is delivered in place, else the head is
// copied to pc.vhead and the body collected in pc.vbody.
func (pc *pconn) readViewHead(ex *exchange, data []byte, n int) int {
	h := &pc.head
	pc.startBody(ex)
	ex.headDone = true
	ex.vpc = pc
	ex.mode = sinkBuffer
	c := ex.c
	c.raw = ex
	max := pc.lp.s.cfg.MaxBodyBuffered
	if pc.mode == httpcodec.BodyLength && pc.remain > max {
		pc.fail(ErrBodyTooLarge)
		return len(data)
	}
	if pc.mode == httpcodec.BodyNone || pc.mode == httpcodec.BodyLength && pc.remain <= int64(len(data)-n) {
		used := n
		if pc.mode == httpcodec.BodyLength {
			used += int(pc.remain)
			ex.buf = data[n:used:used]
		}
		ex.inPlace = true
		pc.remain = 0
		pc.keep = pc.keep && used == len(data) // more bytes than the response: distrust
		pc.bodyDone()
		return used
	}
	pc.vhead = append(pc.vhead[:0], data[:n]...)
	h.Rebase(pc.vhead)
	ex.buf = pc.vbody[:0]
	pc.vbody = nil // the exchange holds it until the callback returns
	pc.arm()
	return n
}

// rawStatusError is RaiseForStatus for a view read in place.
func (c *call) rawStatusError() error {
	h := &c.raw.vpc.head
	if h.Status() < 400 {
		return nil
	}
	return &StatusError{StatusCode: h.Status(), Status: statusLine(h.Status(), h.Reason()), URL: c.req.URL.Redacted()}
}
