package client

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/eddy-go/eddy/httpcodec"
	"github.com/eddy-go/eddy/loop"
)

// Session is aiohttp's ClientSession: connection pools, cookies, defaults and
// limits shared by every request made with it. Make one per application (not per
// request) and Close it when done. Safe for concurrent use.
type Session struct {
	cfg    Config
	log    *slog.Logger
	limits *httcodecLimits
	srv    *loop.Server
	ownSrv bool
	base   *url.URL
	doer   Doer
	// defHeads are the session's own fields, serialized for the requests that
	// add none (see call.defaults); nil entries: not available.
	defHeads [2]*defaultHead
	std      *http.Transport // https fallback

	ctx    context.Context // cancelled by Close: aborts dials
	cancel context.CancelFunc

	pools   sync.Map                    // *loop.Loop -> *loopPool
	byIndex [8]atomic.Pointer[loopPool] // pools by their loop's Index, checked before pools
	countMu sync.Mutex
	counts  map[string]*hostCount // host key -> counters, while a loop's pool holds the host
	total   atomic.Int64
	waiting atomic.Int64 // exchanges waiting for a slot, on any loop
	rr      atomic.Uint32
	closed  atomic.Bool

	// live counts the calls, connections, dials, pumps and https bodies not
	// yet ended (an atomic: every request counts itself in and out); liveMu
	// guards liveZero, closed when live reaches 0 after Close, and tlsOpen.
	live     atomic.Int64
	liveMu   sync.Mutex
	liveZero chan struct{}
	tlsOpen  map[*tlsBody]struct{}
}

type httcodecLimits = httpcodec.Limits

// New returns a session. With Config.Server nil it starts a loop server of its
// own (Config.Loops loops), which Close stops.
func New(cfg Config) (*Session, error) {
	cfg = cfg.normalized()
	s := &Session{cfg: cfg, log: cfg.Logger, tlsOpen: make(map[*tlsBody]struct{}), counts: make(map[string]*hostCount)}
	s.limits = &httpcodec.Limits{MaxHeaderBytes: cfg.MaxHeaderBytes, MaxRequestLine: cfg.MaxHeaderBytes}
	if cfg.BaseURL != "" {
		u, err := url.Parse(cfg.BaseURL)
		if err != nil || u.Scheme == "" || u.Host == "" {
			return nil, fmt.Errorf("client: BaseURL %q is not an absolute URL", cfg.BaseURL)
		}
		s.base = u
	}
	s.srv = cfg.Server
	if s.srv == nil {
		srv, err := loop.New(loop.Config{Addr: "127.0.0.1:0", Loops: cfg.Loops, Logger: cfg.Logger, MaxInbound: cfg.MaxLag},
			func() loop.Protocol { return refuse{} })
		if err != nil {
			return nil, fmt.Errorf("client: %w", err)
		}
		if err := srv.Start(); err != nil {
			return nil, fmt.Errorf("client: %w", err)
		}
		s.srv, s.ownSrv = srv, true
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.std = s.newTransport()
	s.defHeads = s.newDefaultHeads()
	var d Doer = doerFunc(s.do)
	for i := len(cfg.Middleware) - 1; i >= 0; i-- {
		d = cfg.Middleware[i](d)
	}
	s.doer = d
	return s, nil
}

// refuse is the protocol of connections accepted by a session's own server
// (it listens only because a loop server must): they are closed at once.
type refuse struct{}

func (refuse) ConnectionMade(c *loop.Conn)             { c.Abort() }
func (refuse) DataReceived(_ *loop.Conn, d []byte) int { return len(d) }
func (refuse) ConnectionLost(_ *loop.Conn, _ error)    {}

// Close fails the requests in flight and waiting with ErrClosed, closes every
// connection (idle or busy, on every loop), ends the bodies not yet read, and
// returns only when all of them are closed and the session's goroutines are gone
// (its own loop server stopped too); ctx bounds the wait. Calling it again
// waits again. Safe for concurrent use.
func (s *Session) Close(ctx context.Context) error {
	if s.closed.CompareAndSwap(false, true) {
		s.cancel()
		s.pools.Range(func(k, v any) bool {
			lp := v.(*loopPool)
			_ = lp.l.CallSoonThreadsafe(lp.shutdown)
			return true
		})
		s.liveMu.Lock()
		s.liveZero = make(chan struct{})
		if s.live.Load() == 0 {
			close(s.liveZero)
		}
		for b := range s.tlsOpen {
			go b.Close()
		}
		s.liveMu.Unlock()
	}
	s.liveMu.Lock()
	zero := s.liveZero
	s.liveMu.Unlock()
	select {
	case <-zero:
	case <-ctx.Done():
		return fmt.Errorf("client: close: %w", ctx.Err())
	}
	s.std.CloseIdleConnections()
	if s.ownSrv {
		if err := s.srv.Stop(ctx); err != nil {
			return fmt.Errorf("client: close: %w", err)
		}
	}
	return nil
}

// liveAdd counts a call, connection, dial, pump or https body; false once
// closed.
func (s *Session) liveAdd() bool {
	s.live.Add(1)
	if s.closed.Load() {
		s.liveDone()
		return false
	}
	return true
}

// liveInc counts something that must end before Close returns, even while
// closing (a connection enrolled as Close began: it is closed by the shutdown).
func (s *Session) liveInc() { s.live.Add(1) }

// liveDone uncounts; the last one after Close wakes Close. Close sets closed
// before it looks at the count under liveMu, and the last liveDone looks at
// closed after its decrement, under liveMu too: one of them sees the zero.
func (s *Session) liveDone() {
	if s.live.Add(-1) != 0 || !s.closed.Load() {
		return
	}
	s.liveMu.Lock()
	if s.liveZero != nil && s.live.Load() == 0 {
		select {
		case <-s.liveZero:
		default:
			close(s.liveZero)
		}
	}
	s.liveMu.Unlock()
}

// pool returns the session's pool on l, making it on first use.
func (s *Session) pool(l *loop.Loop) *loopPool {
	i := l.Index()
	if i < len(s.byIndex) {
		if lp := s.byIndex[i].Load(); lp != nil && lp.l == l {
			return lp // no map lookup
		}
	}
	v, ok := s.pools.Load(l)
	if !ok {
		v, _ = s.pools.LoadOrStore(l, newLoopPool(s, l))
	}
	lp := v.(*loopPool)
	if i < len(s.byIndex) {
		s.byIndex[i].CompareAndSwap(nil, lp) // the first loop of that index keeps the slot
	}
	return lp
}

// hostCount returns host key's session-wide counters, taking a reference for
// the loop pool that asks (dropHostCount gives it back).
func (s *Session) hostCount(key string) *hostCount {
	s.countMu.Lock()
	defer s.countMu.Unlock()
	hc := s.counts[key]
	if hc == nil {
		hc = &hostCount{key: key}
		s.counts[key] = hc
	}
	hc.refs++
	return hc
}

// dropHostCount gives back a loop pool's reference to hc and forgets hc with
// the last one, so a session that met many hosts keeps no counters for the
// past ones. A pool drops its host only once it has no connection, dial or
// waiter for it, so a forgotten hc counts nothing.
func (s *Session) dropHostCount(hc *hostCount) {
	s.countMu.Lock()
	defer s.countMu.Unlock()
	if hc.refs--; hc.refs == 0 {
		delete(s.counts, hc.key)
	}
}

// takeSlot counts a new connection if the limits allow it.
func (s *Session) takeSlot(hc *hostCount) bool {
	if s.closed.Load() {
		return true // let it fail at the dial with ErrClosed
	}
	if m := int64(s.cfg.MaxConns); m > 0 {
		for {
			n := s.total.Load()
			if n >= m {
				return false
			}
			if s.total.CompareAndSwap(n, n+1) {
				break
			}
		}
	} else {
		s.total.Add(1)
	}
	if m := int64(s.cfg.MaxConnsPerHost); m > 0 {
		for {
			n := hc.open.Load()
			if n >= m {
				s.total.Add(-1)
				return false
			}
			if hc.open.CompareAndSwap(n, n+1) {
				return true
			}
		}
	}
	hc.open.Add(1)
	return true
}

// freeSlot uncounts a connection and lets waiters on every loop try again.
func (s *Session) freeSlot(hc *hostCount) {
	s.total.Add(-1)
	hc.open.Add(-1)
	if s.waiting.Load() > 0 {
		s.pools.Range(func(k, v any) bool {
			lp := v.(*loopPool)
			_ = lp.l.CallSoonThreadsafe(lp.serveWaiters)
			return true
		})
	}
}

// evictIdle asks the other loops to close an idle connection of host key, so a
// request waiting on loop from can dial.
func (s *Session) evictIdle(key string, from *loopPool) {
	s.pools.Range(func(k, v any) bool {
		if lp := v.(*loopPool); lp != from {
			_ = lp.l.CallSoonThreadsafe(func() { lp.closeIdleOf(key) })
		}
		return true
	})
}

// resolve makes req's URL absolute against BaseURL.
func (s *Session) resolve(req *Request) (*Request, error) {
	if req == nil || req.URL == nil {
		return nil, badRequest("no URL")
	}
	if req.Method != "" && req.URL.IsAbs() && (req.Body == nil || req.inMemory) && validMethod(req.Method) {
		return req, nil // nothing to fill in: used as it is (the session never modifies it)
	}
	r := req.clone()
	if r.Method == "" {
		r.Method = http.MethodGet
	}
	if !validMethod(r.Method) {
		return nil, badRequest("invalid method %q", r.Method)
	}
	if !r.URL.IsAbs() {
		if s.base == nil {
			return nil, badRequest("relative URL %q without a BaseURL", r.URL.String())
		}
		base := *s.base
		if !strings.HasSuffix(base.Path, "/") {
			base.Path += "/"
		}
		rel := *r.URL
		rel.Path = strings.TrimPrefix(rel.Path, "/")
		r.URL = base.ResolveReference(&rel)
	}
	switch {
	case r.Body == nil:
		r.payload, r.inMemory, r.ContentLength = nil, true, 0
	case !r.inMemory && r.payload == nil:
		cl := r.ContentLength
		r.setBody(r.Body) // a Request built by hand: hold a bytes body now
		if !r.inMemory && cl > 0 {
			r.ContentLength = cl
		}
	}
	return r, nil
}

// trace is the Trace of r's events: its own, else the session's.
func (s *Session) trace(r *Request) *Trace {
	if r.Trace != nil {
		return r.Trace
	}
	return s.cfg.Trace
}

// Doer sends a request and returns its response: Session.Do's shape, and what
// Middleware wraps.
type Doer interface {
	Do(ctx context.Context, req *Request) (*Response, error)
}

// Middleware wraps a Doer: retries, auth refresh, logging around every request
// made with Do (aiohttp 3.12's client middleware).
//
//	logging := func(next client.Doer) client.Doer {
//		return client.DoerFunc(func(ctx context.Context, r *client.Request) (*client.Response, error) {
//			resp, err := next.Do(ctx, r)
//			log.Println(r.Method, r.URL, err)
//			return resp, err
//		})
//	}
type Middleware func(next Doer) Doer

// DoerFunc adapts a function to Doer.
type DoerFunc func(ctx context.Context, req *Request) (*Response, error)

// Do calls f.
func (f DoerFunc) Do(ctx context.Context, req *Request) (*Response, error) { return f(ctx, req) }

type doerFunc = DoerFunc

// Do sends req through the middleware and returns the response once its head
// arrived (the body streams; read it to the end or close it). ctx bounds the
// whole request, body included: cancelling it closes the connection if the
// response is not complete. A redirect, a retry on a stale connection and
// cookies are handled inside. With Config.RaiseForStatus a status of 400 or more
// returns a *StatusError (the body is closed). Safe for concurrent use.
func (s *Session) Do(ctx context.Context, req *Request) (*Response, error) {
	return s.doer.Do(ctx, req)
}

// do is Do without the middleware: it runs the request on one of the session's
// loops and waits for the head.
func (s *Session) do(ctx context.Context, req *Request) (*Response, error) {
	if s.closed.Load() {
		return nil, ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r, err := s.resolve(req)
	if err != nil {
		return nil, err
	}
	loops := s.srv.Loops()
	l := loops[int(s.rr.Add(1)-1)%len(loops)]
	ch := make(chan doResult, 1)
	c := &call{s: s, lp: s.pool(l), req: r, trace: s.trace(r), out: ch}
	if !s.liveAdd() {
		return nil, ErrClosed
	}
	if err := l.CallSoonThreadsafe(c.begin); err != nil {
		s.liveDone()
		return nil, ErrClosed
	}
	abort := c.postAbort
	var res doResult
	select {
	case res = <-ch:
	case <-ctx.Done():
		if abort(ctx.Err()) != nil {
			return nil, ctx.Err() // the loop has stopped: nothing will answer
		}
		res = <-ch // the abort delivers at once
		if res.err == nil {
			res.resp.Body.Close()
			res = doResult{nil, ctx.Err()}
		}
	}
	if res.err != nil {
		return nil, res.err
	}
	resp := res.resp
	if ctx.Done() != nil && !resp.full {
		stop := context.AfterFunc(ctx, func() { _ = abort(ctx.Err()) })
		resp.Body = &watchedBody{ReadCloser: resp.Body, stop: stop}
	}
	if s.cfg.RaiseForStatus {
		if err := resp.RaiseForStatus(); err != nil {
			resp.Body.Close()
			return nil, err
		}
	}
	return resp, nil
}

// doResult is a Do call's outcome, sent by the loop to the waiting caller.
type doResult struct {
	resp *Response
	err  error
}

// postAbort asks the call's loop to abort it. Safe for concurrent use.
func (c *call) postAbort(err error) error {
	return c.lp.l.CallSoonThreadsafe(func() { c.abort(err) })
}

// watchedBody stops watching the request's context once the body is done.
type watchedBody struct {
	io.ReadCloser
	stop func() bool
}

func (b *watchedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil {
		b.stop()
	}
	return n, err
}

func (b *watchedBody) Close() error {
	b.stop()
	return b.ReadCloser.Close()
}

// Get sends a GET for url (absolute or relative to BaseURL). Safe for concurrent use.
func (s *Session) Get(ctx context.Context, url string) (*Response, error) {
	return s.send(ctx, http.MethodGet, url, nil, "")
}

// Head sends a HEAD for url. Safe for concurrent use.
func (s *Session) Head(ctx context.Context, url string) (*Response, error) {
	return s.send(ctx, http.MethodHead, url, nil, "")
}

// Delete sends a DELETE for url. Safe for concurrent use.
func (s *Session) Delete(ctx context.Context, url string) (*Response, error) {
	return s.send(ctx, http.MethodDelete, url, nil, "")
}

// Post sends a POST of body with contentType ("" sends none). Safe for concurrent use.
func (s *Session) Post(ctx context.Context, url, contentType string, body io.Reader) (*Response, error) {
	return s.send(ctx, http.MethodPost, url, body, contentType)
}

// Put sends a PUT of body with contentType. Safe for concurrent use.
func (s *Session) Put(ctx context.Context, url, contentType string, body io.Reader) (*Response, error) {
	return s.send(ctx, http.MethodPut, url, body, contentType)
}

// PostJSON sends v as JSON and decodes a JSON answer into out (nil: the body
// is dropped). The response is returned with its body read and closed. Safe
// for concurrent use.
func (s *Session) PostJSON(ctx context.Context, url string, v, out any) (*Response, error) {
	body, ct, err := JSONBody(v)
	if err != nil {
		return nil, err
	}
	resp, err := s.send(ctx, http.MethodPost, url, body, ct)
	if err != nil {
		return nil, err
	}
	return resp, readJSON(resp, out)
}

// GetJSON sends a GET and decodes the JSON answer into out. The response is
// returned with its body read and closed. Safe for concurrent use.
func (s *Session) GetJSON(ctx context.Context, url string, out any) (*Response, error) {
	resp, err := s.send(ctx, http.MethodGet, url, nil, "")
	if err != nil {
		return nil, err
	}
	return resp, readJSON(resp, out)
}

// PostForm sends values as an urlencoded form. Safe for concurrent use.
func (s *Session) PostForm(ctx context.Context, url string, values url.Values) (*Response, error) {
	body, ct := FormBody(values)
	return s.send(ctx, http.MethodPost, url, body, ct)
}

func readJSON(resp *Response, out any) error {
	if out == nil {
		_, err := resp.Bytes()
		return err
	}
	return resp.JSON(out)
}

func (s *Session) send(ctx context.Context, method, url string, body io.Reader, ct string) (*Response, error) {
	req, err := NewRequest(method, url, body)
	if err != nil {
		return nil, err
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	return s.Do(ctx, req)
}

// Start sends req from a loop without blocking it: the loop-native API for
// on-loop handlers (a gateway fanning out to upstreams). The connection lives on
// l, and done runs on l (never inside Start) with the response, its body already
// read whole (at most MaxBodyBuffered; Response.Bytes returns it, no Close
// needed), or with the error. Redirects, cookies, retries, decompression and the
// timeouts apply; Middleware does not (it may block). The returned cancel ends
// the request early (done then gets the error given); it is Loop-only, like
// Start.
func (s *Session) Start(l *loop.Loop, req *Request, done func(*Response, error)) (cancel func(error)) {
	l.AssertLoopOnly("client.Session.Start")
	c := &call{s: s, lp: s.pool(l), buffered: true, cb: done, raise: s.cfg.RaiseForStatus}
	r, err := s.resolve(req)
	if err == nil && !s.liveAdd() {
		err = ErrClosed
	}
	if err != nil {
		l.CallSoon(func() { done(nil, err) })
		return func(error) {}
	}
	c.req, c.trace = r, s.trace(r)
	c.starting = true // done is posted, not called, until Start returns
	c.begin()
	c.starting = false
	return c.abort
}
