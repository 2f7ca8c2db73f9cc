package client

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"time"

	"github.com/eddy-go/eddy/httpcodec"
	"github.com/eddy-go/eddy/loop"
)

// call is one request as the user sees it: its hops (redirects), cookies, the
// total timeout, and the delivery of the response. It runs on one loop; every
// field is loop-owned.
type call struct {
	s        *Session
	lp       *loopPool
	req      *Request               // the current hop
	authHost string                 // the host basic auth and user credentials may go to
	authURL  *url.URL               // the first hop's URL, whose host is authHost (then computed when first needed)
	buffered bool                   // read the body whole before delivering (Start)
	raise    bool                   // RaiseForStatus applies to the buffered delivery (Start)
	starting bool                   // begin runs inside Start: a delivery now is posted
	cb       func(*Response, error) // Start's done; nil for Do, which gets out
	out      chan<- doResult        // Do's result (capacity 1: never blocks)
	trace    *Trace

	cur      any // the current hop: *exchange or *tlsHop; others are stale
	history  []*Response
	deadline time.Duration // Timeout.Total's end on the loop's clock; 0: none
	timer    *loop.Timer   // the total timeout while no connection carries it

	// The first hop's exchange and the delivered response live in the call:
	// two allocations fewer per request.
	ex0       exchange
	resp0     Response
	used0     bool          // ex0 is taken
	rused     bool          // resp0 is taken
	began     time.Duration // on the loop's clock
	delivered bool
	ended     bool
	headWait  bool // the head's cookies are being stored off the loop
	endWait   bool // the hop ended cleanly while headWait
	decode    bool // the session asked for compression on the current hop
	resp      *Response

	// StartView's: its callback, the View it lends, the exchange whose head
	// and body the View reads in place (nil: it reads resp), the generation
	// that tells a Pending of this request from one of a later request
	// reusing the call, and whether anything but the loop may still refer to
	// the call (then it is not reused).
	vcb     func(*View, error)
	view    View
	raw     *exchange
	gen     uint32
	tainted bool

	// The goroutine that runs the call's jobs off the loop (offLoop), nil
	// while it has none; offBusy: a job is sent and its done has not run.
	work    chan func() bool
	offBusy bool
}

// begin starts the call on its loop. Loop-only.
func (c *call) begin() {
	c.began = c.lp.l.Time()
	if c.ended { // cancelled before it began
		return
	}
	if c.s.closed.Load() {
		c.finish(nil, ErrClosed)
		return
	}
	if t := c.s.cfg.Timeout.Total; t > 0 {
		// A connection carrying the call watches this deadline beside its
		// own (one deadline per connection); armTimer covers the rest.
		c.deadline = c.began + t
	}
	c.authURL = c.req.URL
	c.hop(c.req)
}

// armTimer watches the total timeout with a timer of the call's own, for the
// times no connection carries the call (waiting for one, dialing, https).
// Loop-only.
func (c *call) armTimer() {
	if c.timer == nil && c.deadline != 0 && !c.ended {
		c.tainted = true // the loop's timer list refers to c
		c.timer = c.lp.l.CallAt(c.deadline, c.totalTimeout)
	}
}

func (c *call) totalTimeout() { c.abort(ErrTotalTimeout) }

// newExchange returns an exchange for a hop: the call's own for the first.
func (c *call) newExchange() *exchange {
	if !c.used0 {
		c.used0 = true
		return &c.ex0
	}
	return new(exchange)
}

// newResponse returns a response for a hop: the call's own for the first
// (later ones are redirects kept in History, or a retry's).
func (c *call) newResponse() *Response {
	if !c.rused {
		c.rused = true
		return &c.resp0
	}
	return new(Response)
}

// hopPrep is what a hop learns from user code that may block (the cookie
// jar, the Proxy func), asked off the loop.
type hopPrep struct {
	cookies  []*http.Cookie
	proxy    *url.URL
	proxyErr error
	asked    bool // Proxy was called
}

// offLoop runs job off the loop (the jar, the Proxy func and decompression
// may block or take long: the loop must not wait for them), then done on the
// call's loop. job is the user's code: a panic in it is logged and, on the
// loop, given to fail as the call's error (fail nil: done runs as if job had
// returned). The session counts the work until done or fail ran, so Close
// waits for it.
//
// A call's jobs come one at a time (each hop waits for the one before), so
// they share one goroutine: the first job starts it and it ends with the
// call (endWork). A chain of redirects with a cookie jar and a compressed
// answer costs one goroutine, not two a hop and one more to decode.
// Loop-only.
func (c *call) offLoop(job, done func(), fail func(error)) {
	s, l := c.s, c.lp.l
	c.tainted = true // the goroutine refers to c
	s.liveInc()
	if c.work == nil {
		c.work = make(chan func() bool, 1)
		s.liveInc() // the worker itself: Close waits for it to end
		go offWorker(s, c.work)
	}
	c.offBusy = true
	c.work <- func() bool {
		err := recovered(s.log, job)
		if l.CallSoonThreadsafe(func() {
			defer s.liveDone()
			c.offBusy = false
			if err != nil && fail != nil {
				fail(err)
			} else {
				done()
			}
			c.endWork()
		}) != nil {
			s.liveDone() // the loop stopped: nobody is left to tell
			return false
		}
		return true
	}
}

// offWorker runs a call's off-loop jobs in turn until the call ends its work
// (or a job finds the loop stopped).
func offWorker(s *Session, work <-chan func() bool) {
	defer s.liveDone()
	for job := range work {
		if !job() {
			return
		}
	}
}

// endWork ends the call's off-loop goroutine once the call has ended and no
// job of it runs. Loop-only.
func (c *call) endWork() {
	if c.ended && !c.offBusy && c.work != nil {
		close(c.work)
		c.work = nil
	}
}

// recovered runs job and returns the panic it raised, if any, as an error,
// after logging it with its stack.
func recovered(log *slog.Logger, job func()) (err error) {
	defer func() {
		if v := recover(); v != nil {
			log.Error("client: user code panicked (cookie jar, Proxy func or decoder)", "panic", v, "stack", string(debug.Stack()))
			err = fmt.Errorf("client: panic in the session's cookie jar, Proxy func or decoder: %v", v)
		}
	}()
	job()
	return nil
}

// hop sends req, one hop of the call: the jar and the Proxy func, if the
// session has them, are asked off the loop first.
func (c *call) hop(req *Request) {
	c.req = req
	jar, px := c.s.cfg.Jar, c.s.cfg.Proxy
	if jar == nil && (px == nil || req.URL.Scheme != "http") {
		c.hopWith(req, nil)
		return
	}
	c.cur = nil  // no hop runs while its fields are computed
	c.armTimer() // nor does a connection watch the deadline
	p := new(hopPrep)
	c.offLoop(func() {
		if jar != nil {
			p.cookies = jar.Cookies(req.URL)
		}
		if px != nil && req.URL.Scheme == "http" {
			p.proxy, p.proxyErr = px(&http.Request{URL: req.URL, Header: http.Header{}})
			p.asked = true
		}
	}, func() {
		if !c.ended && c.req == req {
			c.hopWith(req, p)
		}
	}, func(err error) { c.finish(nil, err) })
}

// hopWith sends req with what was asked off the loop (p nil: nothing was).
func (c *call) hopWith(req *Request, p *hopPrep) {
	var (
		hdr http.Header
		dh  = c.defaults(req) // the session's fields alone, serialized already
		err error
	)
	if dh != nil && p != nil && p.proxy != nil && p.proxy.User != nil {
		dh = nil // the proxy's credentials replace any Proxy-Authorization in the session's fields
	}
	if dh != nil {
		c.decode = dh.decode
	} else {
		var cookies []*http.Cookie
		if p != nil {
			cookies = p.cookies
		}
		if hdr, err = c.header(req, cookies); err != nil {
			c.finish(nil, err)
			return
		}
		if req.URL.Scheme == "https" {
			c.tlsHop(req, hdr)
			return
		}
	}
	ex, err := c.exchange(req, hdr, dh, p)
	if err != nil {
		c.finish(nil, err)
		return
	}
	c.cur = ex
	c.lp.acquireHost(ex) // exchange took ex.hp from the pool just now
}

// header computes the fields a hop sends beside Host and the body framing:
// defaults, basic auth, cookies (the jar's for the URL, asked by the caller),
// Accept-Encoding, User-Agent.
func (c *call) header(req *Request, jarCookies []*http.Cookie) (http.Header, error) {
	u := req.URL
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, badRequest("unsupported scheme %q in %s", u.Scheme, u.Redacted())
	}
	if u.Host == "" {
		return nil, badRequest("no host in %s", u.Redacted())
	}
	cfg := &c.s.cfg
	hdr := make(http.Header, len(req.Header)+len(cfg.Header)+4)
	for k, v := range cfg.Header {
		hdr[http.CanonicalHeaderKey(k)] = v
	}
	for k, v := range req.Header {
		hdr[http.CanonicalHeaderKey(k)] = v
	}
	for _, k := range [...]string{"Host", "Content-Length", "Transfer-Encoding"} {
		delete(hdr, k)
	}
	sameHost := c.sameHost(u)
	if !sameHost {
		for _, k := range [...]string{"Authorization", "Www-Authenticate", "Cookie", "Cookie2", "Proxy-Authorization"} {
			delete(hdr, k)
		}
	}
	if cfg.Username != "" && sameHost && hdr.Get("Authorization") == "" {
		hdr["Authorization"] = basicAuth(cfg.Username, cfg.Password)
	}
	if u.User != nil && sameHost && hdr.Get("Authorization") == "" {
		hdr["Authorization"] = userAuth(u.User)
	}
	if len(jarCookies) > 0 {
		var b strings.Builder
		if v := hdr.Get("Cookie"); v != "" {
			b.WriteString(v)
		}
		for _, ck := range jarCookies {
			if b.Len() > 0 {
				b.WriteString("; ")
			}
			b.WriteString(ck.Name + "=" + ck.Value)
		}
		hdr["Cookie"] = []string{b.String()}
	}
	c.decode = false
	if !cfg.DisableCompression && hdr.Get("Accept-Encoding") == "" && req.Method != http.MethodHead {
		hdr["Accept-Encoding"] = []string{"gzip, deflate"}
		c.decode = true
	}
	if _, ok := hdr["User-Agent"]; !ok {
		hdr["User-Agent"] = []string{"eddy-client"}
	}
	for k, vs := range hdr {
		if !httpcodec.ValidHeaderName([]byte(k)) {
			return nil, badRequest("invalid header name %q", k)
		}
		for _, v := range vs {
			if !httpcodec.ValidHeaderValue([]byte(v)) {
				return nil, badRequest("invalid value for header %s", k)
			}
		}
	}
	return hdr, nil
}

// defaultHead is what header computes for a request that sets no field of its
// own, to its first host, without a cookie jar: the session's fields, the same
// for every such request, serialized once by New.
type defaultHead struct {
	fields []byte // the header lines
	decode bool   // they ask for compression
	close  bool   // they ask for Connection: close
}

// newDefaultHeads serializes the session's fields for a GET (index 0, any
// method but HEAD) and a HEAD (index 1); nil where requests must go through
// header (a cookie jar, or default fields header refuses).
func (s *Session) newDefaultHeads() (dh [2]*defaultHead) {
	if s.cfg.Jar != nil {
		return dh
	}
	for i, m := range [...]string{http.MethodGet, http.MethodHead} {
		c := &call{s: s, authHost: "host"}
		hdr, err := c.header(&Request{Method: m, URL: &url.URL{Scheme: "http", Host: "host", Path: "/"}}, nil)
		if err != nil {
			return [2]*defaultHead{}
		}
		dh[i] = &defaultHead{fields: appendFields(nil, hdr), decode: c.decode, close: closeAsked(hdr)}
	}
	return dh
}

// defaults returns the session's serialized fields if req may use them as
// they are (plain http, no field of its own, no credentials in its URL, the
// call's first host), else nil.
func (c *call) defaults(req *Request) *defaultHead {
	u := req.URL
	if u.Scheme != "http" || u.Host == "" || len(req.Header) != 0 || u.User != nil || !c.sameHost(u) {
		return nil
	}
	if req.Method == http.MethodHead {
		return c.s.defHeads[1]
	}
	return c.s.defHeads[0]
}

// sameHost reports whether u's host is the one basic auth and user
// credentials may go to: the first hop's (a URL that is the first hop's
// needs no comparison).
func (c *call) sameHost(u *url.URL) bool {
	if c.authURL != nil {
		if u == c.authURL {
			return true
		}
		c.authHost, c.authURL = c.authURL.Hostname(), nil
	}
	return u.Hostname() == c.authHost
}

// closeAsked reports whether hdr asks for Connection: close.
func closeAsked(hdr http.Header) bool {
	for _, v := range hdr["Connection"] {
		if strings.EqualFold(strings.TrimSpace(v), "close") {
			return true
		}
	}
	return false
}

// exchange builds the plain-http exchange of a hop: the pool key, the address to
// dial (the proxy's, if any: p holds the Proxy func's answer) and the
// serialized head, with the fields of hdr, or those of dh when hdr is nil.
func (c *call) exchange(req *Request, hdr http.Header, dh *defaultHead, p *hopPrep) (*exchange, error) {
	u := req.URL
	target, checked := plainTarget(u)
	if !checked {
		target = u.RequestURI()
	}
	var addr, key, proxyAuth string
	hp := c.lp.knownHost(u.Host)
	if hp != nil {
		addr, key = hp.addr, hp.key
	} else {
		addr = hostPort(u)
		key = "http://" + addr
	}
	if p != nil && p.asked {
		pu, err := p.proxy, p.proxyErr
		if err != nil {
			return nil, badRequest("proxy: %v", err)
		}
		if pu != nil {
			if pu.Scheme != "http" && pu.Scheme != "" {
				return nil, badRequest("unsupported proxy scheme %q", pu.Scheme)
			}
			addr = hostPort(pu)
			key = "proxy://" + addr
			hp = nil
			abs := *u
			abs.Fragment, abs.User = "", nil
			target, checked = abs.String(), false
			if pu.User != nil {
				proxyAuth = userAuth(pu.User)[0]
				delete(hdr, "Proxy-Authorization") // ours replaces the caller's
			}
		}
	}
	if !checked {
		if err := checkTarget(target); err != nil {
			return nil, err
		}
	}
	ex := c.newExchange()
	*ex = exchange{c: c, lp: c.lp, req: req, addr: addr, trace: c.trace}
	if hp == nil {
		hp = c.lp.host(key, addr)
		if key[0] == 'h' { // not a proxy's: remember it by the URL's host
			c.lp.rememberHost(u.Host, hp)
		}
	}
	ex.hp = hp
	h := appendHead(c.lp.headBuf(), req.Method, target, u.Host, hdr)
	if dh != nil {
		h = append(h, dh.fields...)
		ex.close = dh.close
	} else {
		ex.close = closeAsked(hdr)
	}
	if proxyAuth != "" {
		h = httpcodec.AppendHeader(h, "Proxy-Authorization", proxyAuth)
	}
	switch {
	case req.streamed() && req.ContentLength > 0:
		h = httpcodec.AppendContentLength(h, req.ContentLength)
	case req.streamed():
		h = httpcodec.AppendHeader(h, "Transfer-Encoding", "chunked")
		ex.chunk = true
	case len(req.payload) > 0 || req.Method == http.MethodPost || req.Method == http.MethodPut || req.Method == http.MethodPatch:
		h = httpcodec.AppendContentLength(h, int64(len(req.payload)))
	}
	ex.head = append(h, '\r', '\n')
	return ex, nil
}

// pathSafe marks the bytes a path keeps as they are in url.URL.EscapedPath:
// letters, digits and -_.~$&+,/:;=@.
var pathSafe = func() (t [256]bool) {
	for c := range 256 {
		t[c] = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-_.~$&+,/:;=@", byte(c)) >= 0
	}
	return t
}()

// plainTarget returns u.RequestURI() and true when u is a plain path with no
// query and nothing to escape, the common case (a single pass, and the
// target needs no checkTarget: no byte of it is a space or a control);
// false when RequestURI must compute the target.
func plainTarget(u *url.URL) (string, bool) {
	p := u.Path
	if u.Opaque != "" || u.RawPath != "" || u.ForceQuery || u.RawQuery != "" || p == "" {
		return "", false
	}
	for i := 0; i < len(p); i++ {
		if !pathSafe[p[i]] {
			return "", false
		}
	}
	return p, true
}

// checkTarget refuses a request target with a space or a control byte.
func checkTarget(target string) error {
	for i := 0; i < len(target); i++ {
		if target[i] <= ' ' || target[i] == 0x7f {
			return badRequest("invalid request target %q", target)
		}
	}
	return nil
}

// appendHead appends a request's line, Host and the fields of hdr (checked
// already), without the blank line that ends the head.
func appendHead(h []byte, method, target, host string, hdr http.Header) []byte {
	h = append(h, method...)
	h = append(h, ' ')
	h = append(h, target...)
	h = append(h, " HTTP/1.1\r\nHost: "...)
	h = append(h, host...)
	h = append(h, '\r', '\n')
	return appendFields(h, hdr)
}

// appendFields appends the fields of hdr (checked already), one line each.
func appendFields(h []byte, hdr http.Header) []byte {
	for k, vs := range hdr {
		for _, v := range vs {
			h = httpcodec.AppendHeader(h, k, v)
		}
	}
	return h
}

// hostPort is the address of u's host, with the scheme's default port.
func hostPort(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	return net.JoinHostPort(u.Hostname(), port)
}

// onHead is a hop's response head: cookies are stored, a redirect is followed,
// else the response is delivered (streaming) or its body awaited (buffered).
//
// Cookies go to the jar off the loop (an https hop stored them on its own
// goroutine already): meanwhile the connection's bytes wait (the next hop
// must see the cookies, and the body's sink is not chosen yet), and an end of
// the hop that comes meanwhile waits too.
func (c *call) onHead(hop any, resp *Response) {
	if hop != c.cur || c.ended {
		return
	}
	ex, plain := hop.(*exchange)
	if jar := c.s.cfg.Jar; jar != nil && plain {
		if cs := (&http.Response{Header: resp.Header}).Cookies(); len(cs) > 0 {
			u := c.req.URL
			if ex.pc != nil {
				ex.pc.holdReading()
			}
			c.headWait = true
			c.armTimer() // the connection may be released before the jar returns
			c.offLoop(func() { jar.SetCookies(u, cs) }, func() {
				c.headWait = false
				if ex.pc != nil && ex.pc.ex == ex {
					ex.pc.releaseReading()
				}
				if hop != c.cur || c.ended {
					return
				}
				c.afterHead(hop, resp)
				if c.endWait {
					c.endWait = false
					c.onEnd(hop, nil)
				}
			}, nil) // a jar that panicked stored nothing: the response goes on
			return
		}
	}
	c.afterHead(hop, resp)
}

// afterHead follows a redirect, or delivers the response (streaming) or awaits
// its body (buffered).
func (c *call) afterHead(hop any, resp *Response) {
	next, err := c.redirect(resp)
	if next != nil || err != nil {
		c.setMode(hop, sinkDiscard)
		resp.Body, resp.full = http.NoBody, true
		c.history = append(c.history, resp)
		if err != nil {
			c.finish(nil, err)
			return
		}
		c.s.log.Debug("client: redirect", "status", resp.StatusCode, "to", next.URL.Redacted())
		c.hop(next)
		return
	}
	resp.History = c.history
	c.resp = resp
	if c.buffered {
		c.setMode(hop, sinkBuffer)
		return
	}
	c.setMode(hop, sinkStream)
	c.delivered = true
	c.callback(c.s.decoded(resp, c.decode), nil)
}

// setMode picks where the hop's body goes.
func (c *call) setMode(hop any, m sinkMode) {
	switch h := hop.(type) {
	case *exchange:
		h.mode = m
		if m == sinkStream {
			sb := newStreamBody(c.s.cfg.BodyWindow)
			sb.ex = h
			h.sb = sb
			c.resp.Body = sb
		}
	case *tlsHop:
		h.mode = m
	}
}

// onEnd is a hop's end: its body complete (err nil) or its failure.
func (c *call) onEnd(hop any, err error) {
	if hop != c.cur || c.ended {
		return
	}
	if c.headWait && err == nil { // the head is with the jar: the end follows it
		c.endWait = true
		return
	}
	if c.delivered { // a streamed body ends: Done runs before its reader sees the end
		c.finish(nil, err)
		if ex, ok := hop.(*exchange); ok && ex.sb != nil {
			if err == nil {
				ex.sb.finish(io.EOF)
			} else {
				ex.sb.finish(err)
			}
		}
		return
	}
	if err != nil {
		c.finish(nil, err)
		return
	}
	if c.raw != nil && hop == c.raw { // a view read in place: no Response
		c.finish(nil, nil)
		return
	}
	switch h := hop.(type) {
	case *exchange:
		c.resp.setBuffered(h.buf)
	case *tlsHop:
		c.resp.setBuffered(h.buf)
	}
	c.finish(c.resp, nil)
}

// abort ends the call from outside: total timeout, cancellation, Close, a body
// closed early. Loop-only.
func (c *call) abort(err error) {
	if c.ended {
		return
	}
	switch h := c.cur.(type) {
	case *exchange:
		h.fail(err)
	case *tlsHop:
		h.fail(err)
	default:
		c.finish(nil, err)
	}
	if !c.ended { // the hop had ended already (a delivered body being read)
		c.finish(nil, err)
	}
}

// finish ends the call once: delivers resp or err if not yet delivered, stops
// the timer, reports Done and logs.
func (c *call) finish(resp *Response, err error) {
	if c.ended {
		return
	}
	c.ended = true
	defer c.s.liveDone() // the count taken when the call was made
	defer c.endWork()    // after a decoding job is sent, if one is
	if c.timer != nil {
		c.timer.Cancel()
	}
	c.trace.done(err)
	if log := c.s.log; log.Enabled(context.Background(), slog.LevelDebug) {
		status := 0
		if c.resp != nil {
			status = c.resp.StatusCode
		}
		log.Debug("client: request done", "method", c.req.Method, "url", c.req.URL.Redacted(),
			"status", status, "redirects", len(c.history), "dur", c.lp.l.Time()-c.began, "err", err)
	}
	if c.delivered {
		return
	}
	c.delivered = true
	if err == nil && resp != nil && c.decode && len(resp.buffered) > 0 && encoding(resp) != "" {
		c.decodeAndDeliver(resp)
		return
	}
	c.deliver(resp, err)
}

// decodeAndDeliver decompresses a buffered body off the loop (up to
// MaxBodyBuffered of it takes long), then delivers it. Loop-only.
func (c *call) decodeAndDeliver(resp *Response) {
	var err error
	c.offLoop(func() { resp, err = c.s.decodedBuffered(resp, true) }, func() { c.deliver(resp, err) },
		func(err error) { c.deliver(nil, err) })
}

// deliver hands a buffered call's outcome to its callback, RaiseForStatus
// applied. Loop-only.
func (c *call) deliver(resp *Response, err error) {
	if err == nil && c.raise {
		if c.raw != nil {
			err = c.rawStatusError()
		} else if err = resp.RaiseForStatus(); err != nil {
			resp = nil
		}
	}
	if c.starting { // Start has not returned: done must not run inside it
		c.lp.l.CallSoon(func() { c.callback(resp, err) })
		return
	}
	c.callback(resp, err)
}

// callback hands the outcome to Start's done or to Do's waiting caller.
func (c *call) callback(resp *Response, err error) {
	if c.out != nil {
		c.out <- doResult{resp, err}
		return
	}
	if c.vcb != nil {
		c.viewCallback(resp, err)
		return
	}
	c.cb(resp, err)
}

// redirect returns the next hop for a redirect response, nil to deliver resp
// as it is, or ErrTooManyRedirects. The rules are net/http's: 301, 302 and 303
// turn a method other than GET or HEAD into GET without a body; 307 and 308 keep
// the method and body (a body that cannot be sent again stops there);
// credentials and cookies set by the caller do not follow to another host.
func (c *call) redirect(resp *Response) (*Request, error) {
	switch resp.StatusCode {
	case 301, 302, 303, 307, 308:
	default:
		return nil, nil
	}
	if c.s.cfg.MaxRedirects < 0 {
		return nil, nil
	}
	loc := resp.Header.Get("Location")
	if loc == "" {
		return nil, nil
	}
	u, err := c.req.URL.Parse(loc)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, nil
	}
	next := c.req.clone()
	next.URL = u
	switch resp.StatusCode {
	case 301, 302, 303:
		if next.Method != http.MethodGet && next.Method != http.MethodHead {
			next.Method = http.MethodGet
		}
		if next.Body != nil || len(next.payload) > 0 {
			next.setBody(nil)
			next.Header.Del("Content-Type")
		}
	default:
		if !next.replayable() {
			return nil, nil
		}
	}
	if len(c.history) >= c.s.cfg.MaxRedirects {
		return nil, ErrTooManyRedirects
	}
	return next, nil
}

// basicAuth returns the value of an Authorization (or Proxy-Authorization)
// field that sends user and password with HTTP basic auth (RFC 7617).
func basicAuth(user, password string) []string {
	return []string{"Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))}
}

// userAuth is basicAuth for the credentials of a URL (user:password@host).
func userAuth(u *url.Userinfo) []string {
	p, _ := u.Password()
	return basicAuth(u.Username(), p)
}
