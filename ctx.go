package eddy

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/eddy-go/eddy/internal/h1"
	"github.com/eddy-go/eddy/loop"
)

// Ctx is one request and its response, aiohttp's Request and Response in one
// object. A Ctx and everything it returns are valid until the response is
// finished and the handler has returned (for an ordinary handler, until the
// handler returns; after Defer, until the response is finished); never keep
// a Ctx past that.
//
// # Stale use
//
// Each request gets its own Ctx value (a small handle, allocated per
// request, on state the server reuses), so a Ctx kept past its request is
// detected on every use, whatever the goroutine: its methods then touch
// nothing. Those that return an error return ErrStaleCtx (response methods,
// Stream, Defer's Complete and Go, SetCookie, BindJSON, Form ...), a
// Stream's Write and Close too; the others return zero values (an empty
// string, nil, false, 0; StatusCode returns 0) or, for the setters, c
// unchanged; Context returns a context that is already cancelled. A call
// still running when the request ends keeps the server from reusing its
// state, so it never reaches another request either.
//
// # Goroutines
//
// A Ctx is used by one goroutine at a time: the loop for an on-loop handler,
// a pool goroutine for an InPool handler. After Defer (or Go), the response
// may be finished from any goroutine, once.
//
// # Ownership
//
// A method whose name ends in Bytes returns a view of the request: valid
// until the handler returns; copy it to keep it. The same name without
// Bytes returns an owned string copy (Body and BodyBytes, Path and
// PathBytes, Header and HeaderBytes ...). Request returns the parsed head,
// borrowed the same way. After Defer, views stay valid until the response
// is finished.
type Ctx struct {
	*ctxState
	gen uint32 // the state's generation when this request began
	// returned is set by Serve when the handler returned (its deferred
	// recover reads it); it sits in gen's padding: the handle stays 16
	// bytes, the garbage a request leaves.
	returned bool
}

// ErrStaleCtx is returned by a Ctx's methods (and its Stream's) when the
// Ctx is used after its request ended: its response was finished and its
// handler returned, so the server may already serve another request with
// the same memory. Nothing was done.
var ErrStaleCtx = errors.New("eddy: Ctx used after its request ended")

// ctxState is what the server keeps between the requests of one pooled
// exchange: buffers and per-request state, reset after each request. Users
// hold a Ctx, a per-request handle on it.
type ctxState struct {
	slab *[handleSlab]Ctx // the current slab of handles (newHandle); kept across requests
	next uint8            // the slab's next unused handle; 0: take a new slab
	// annotate is the app's SlowCallback > 0, for the state's life: Serve
	// and ServeDirect name the route to the loop's callback watch. One
	// field test on the state instead of the app's config.
	annotate bool

	x     *h1.Exchange // set with the state in Route, never changed (nor cleared by reset)
	app   *App
	loop  *loop.Loop // the exchange's loop: constant for the state's life
	route *Route
	m     matcher // path and parameter offsets
	head  uintptr // headBase of the request when Route set m.path; 0: Serve views it again

	method  string // a method other than the standard ones, copied by Method (marks used)
	pathBuf []byte // decoded path when the raw path had escapes

	// Request state built on demand and kept for reuse across requests.
	query     args
	queryDone bool
	form      Form
	formDone  bool
	formErr   error
	state     []any
	onFinish  []func(*Ctx)
	scratch   []byte // error bodies
	logBuf    []byte // access log lines
	jsonEnc   *json.Encoder
	jsonBuf   *jsonBuffer
	jsonTyp   unsafe.Pointer // the type of the last value JSON encoded, and its plan (jsonPlanFor)
	jsonPlan  *jsonPlan
	bodyRd    bodyReader // BodyReader's reader, reused

	// Response preparation (prepare.go): OnPrepare hooks, the encoder one
	// chose, its buffers (kept across requests) and a replaced request body.
	prepare    []func(*Ctx)
	prepBody   []byte // the whole body, while the hooks run
	preparing  bool
	prepStream bool
	enc        *BodyEncoder
	encW       EncodeWriter // a stream's open encoder
	encSink    encodeSink   // appends to encOut; points at this state
	encOut     []byte
	encIn      []byte // a copy of a body encoded in the pool
	encTail    []byte // a stream encoder's last bytes, waiting for room
	reqBody    []byte // set by SetRequestBody
	reqBodySet bool
	remote     net.Addr // set by SetRemoteAddr

	// Response being built.
	status  int
	hdr     []byte // "Name: value\r\n" lines
	body    []byte // body buffered by Write
	hdrErr  error  // first invalid header, reported by the response method
	hasCT   bool   // hdr or ctLead has a Content-Type line
	ctLead  string // the Content-Type line send wrote before hdr, not copied into it
	written int64  // body bytes handed to the engine
	trailer []byte // a stream's trailer lines, sent by Close

	// Flags, written by the goroutine using the Ctx (after Defer, the one
	// finishing the response).
	responded bool // a response was finished or a stream started
	streaming bool // a stream is open: StreamStart done, StreamEnd not yet
	inPool    bool // the handler runs in the pool
	failing   bool // rendering an engine answer (handler.Fail): send records, the engine writes
	decoded   bool // m.path is pathBuf (the raw path had escapes)

	// used is set by whatever changes the request state beyond the match
	// and the response's status, headers and body (a query or form
	// parsed, Key.Set, OnFinish, OnPrepare, a decoded path, a stream, a
	// custom method's copy, the access log's start ...): only then does
	// reset clear the rest.
	used bool

	// defers counts Defer calls; a handler call compares it before and
	// after to learn whether it deferred, without reading flags another
	// goroutine may be writing.
	defers atomic.Uint32
	// before is defers when the request's handler was called by
	// ServeDirect: what Recover compares it with after a panic.
	before uint32

	// generation counts the requests the state served: Release adds one,
	// and a Ctx whose gen differs is stale. busy counts the Ctx method
	// calls in progress; Release reads it after bumping generation (both
	// sequentially consistent atomics, so either the call sees the new
	// generation or Release sees the call) and abandons the state (and
	// its exchange) to a call still inside, rather than reuse them.
	generation atomic.Uint32
	busy       atomic.Int32

	// failErr is the server's own error being answered (handler.Fail).
	failErr *HTTPError

	// Start is when the request began being served, set by middleware
	// that needs it (the access log); zero otherwise.
	start time.Time
}

// handleSlab is how many Ctx handles a state allocates at once. Handles are
// never reused (a stale one must keep its old generation), so each request
// takes the next unused one; taking them from a slab makes that one
// allocation per handleSlab requests instead of one per request. A Ctx kept
// past its request keeps its slab (handleSlab*16 bytes) alive, and the
// state it points to (with its buffers) even once the exchange is gone.
const handleSlab = 32

// newHandle returns a fresh Ctx for the state's current request. It runs in
// Serve, which the engine calls once per request and never for two requests
// of one state at a time, so the slab needs no lock.
//
// The caller takes a new slab first when the last is used up (slabUsed):
// newSlab's call would keep newHandle from being inlined.
func (s *ctxState) newHandle() *Ctx {
	i := s.next & (handleSlab - 1)
	s.next = i + 1 // an index, not a shrinking slice: one byte stored, not three words
	c := &s.slab[i]
	c.gen = s.generation.Load()
	return c
}

// slabUsed reports whether every handle of the current slab was handed out
// (or there is no slab yet): newHandle needs a newSlab first.
func (s *ctxState) slabUsed() bool { return s.next&(handleSlab-1) == 0 }

// newSlab takes a new slab of handles, every one already pointing at s.
// Its memory is touched here all at once, line after line, rather than a
// line every fourth request: fresh memory (the heap growing, before any
// collection frees a slab) misses the cache at every line's first write.
// A handle not yet handed out is reachable through the state only.
//
// The stores are written out, not a loop: straight-line pointer stores
// share their write barrier tests, where a loop tests at every one. The
// literal's length is the slab's (a [...] array of another length would
// not be a *[handleSlab]Ctx).
func (s *ctxState) newSlab() {
	s.slab = &[...]Ctx{
		{ctxState: s}, {ctxState: s}, {ctxState: s}, {ctxState: s},
		{ctxState: s}, {ctxState: s}, {ctxState: s}, {ctxState: s},
		{ctxState: s}, {ctxState: s}, {ctxState: s}, {ctxState: s},
		{ctxState: s}, {ctxState: s}, {ctxState: s}, {ctxState: s},
		{ctxState: s}, {ctxState: s}, {ctxState: s}, {ctxState: s},
		{ctxState: s}, {ctxState: s}, {ctxState: s}, {ctxState: s},
		{ctxState: s}, {ctxState: s}, {ctxState: s}, {ctxState: s},
		{ctxState: s}, {ctxState: s}, {ctxState: s}, {ctxState: s},
	}
}

// lastHandle returns the handle newHandle returned last: the current
// request's Ctx while its handler runs.
func (s *ctxState) lastHandle() *Ctx {
	return &s.slab[(s.next-1)&(handleSlab-1)]
}

// enter starts a method call on c: it reports whether c is still its
// state's current request, and if so counts the call as in progress until
// exit. Safe for concurrent use.
func (c *Ctx) enter() bool {
	s := c.ctxState
	if s == nil {
		return false
	}
	s.busy.Add(1)
	if s.generation.Load() == c.gen {
		return true
	}
	s.busy.Add(-1)
	return false
}

// exit ends a call started by a successful enter.
func (c *Ctx) exit() { c.busy.Add(-1) }

// current reports whether c is its state's current request, without
// counting a call: for the loop, where the state cannot be released while
// the caller runs.
func (c *Ctx) current() bool {
	return c.ctxState != nil && c.generation.Load() == c.gen
}

// reset prepares c for the next request, keeping its buffers. A request
// that used nothing beyond its match and its response (used false) leaves
// only those to clear.
//
// Route sets the route, the method, the match and inPool afresh for every
// request, so reset leaves them (and x, the state's for its life); it
// clears the path only so that the loop's input buffer is not kept
// reachable through it.
func (c *ctxState) reset() {
	c.resetPlain()
	if c.used {
		c.resetUsed()
	} else if debugBuild {
		c.assertUnused()
	}
}

// resetPlain is reset's work for a state not marked used (outside the
// eddydebug build, which asserts it): small enough to be inlined where
// the usual request ends (ServeDirect), without reset's call.
func (c *ctxState) resetPlain() {
	// The pointer words first, together: one write barrier test for
	// the three.
	c.m.path, c.hdrErr, c.ctLead = "", nil, ""
	c.status, c.hdr, c.body, c.hasCT, c.written = 0, c.hdr[:0], c.body[:0], false, 0
	c.responded = false
}

// resetUsed clears what a request marked used: everything reset leaves.
func (c *ctxState) resetUsed() {
	c.used = false
	c.method = ""
	c.pathBuf, c.decoded = c.pathBuf[:0], false
	c.query.reset()
	c.queryDone = false
	if c.formDone {
		c.form.reset()
		c.formDone, c.formErr = false, nil
	}
	// Test before clearing: a clear of an empty slice still calls the
	// runtime.
	if len(c.state) != 0 {
		clear(c.state)
		c.state = c.state[:0]
	}
	if len(c.onFinish) != 0 {
		clear(c.onFinish)
		c.onFinish = c.onFinish[:0]
	}
	if len(c.prepare) != 0 {
		clear(c.prepare)
		c.prepare = c.prepare[:0]
	}
	c.prepBody, c.preparing, c.prepStream, c.enc, c.encW = nil, false, false, nil, nil
	if cap(c.encIn)|cap(c.encOut)|cap(c.encTail) != 0 {
		c.encIn, c.encOut, c.encTail = keptEncBuf(c.encIn), keptEncBuf(c.encOut), keptEncBuf(c.encTail)
	}
	c.reqBody, c.reqBodySet, c.remote = nil, false, nil
	c.scratch = c.scratch[:0]
	c.bodyRd.buf.Reset(nil) // no view of this request's body stays behind
	c.streaming = false
	c.start = time.Time{}
}

// assertUnused panics when a request left state that resetUsed clears
// without marking the state used: a code path that sets one of those
// fields must set used too. Checked in builds with the eddydebug tag.
func (c *ctxState) assertUnused() {
	if c.leftover() {
		panic("eddy: a request changed per-request state without marking it used (ctxState.used)")
	}
}

// leftover reports whether any field resetUsed clears is set.
func (c *ctxState) leftover() bool {
	return c.method != "" || len(c.pathBuf) != 0 || c.decoded || c.queryDone || len(c.query.pairs) != 0 || c.formDone ||
		len(c.state) != 0 || len(c.onFinish) != 0 || len(c.prepare) != 0 ||
		c.prepBody != nil || c.preparing || c.prepStream || c.enc != nil || c.encW != nil ||
		len(c.encIn) != 0 || len(c.encOut) != 0 || len(c.encTail) != 0 ||
		c.reqBody != nil || c.reqBodySet || c.remote != nil || len(c.scratch) != 0 ||
		c.bodyRd.buf.Size() != 0 || c.streaming || !c.start.IsZero()
}

// maxKeptEnc bounds each encoder buffer (encIn, encOut, encTail) a state
// keeps for its next request: a response that grew one past it (a large
// body compressed whole) releases it, so that one large answer does not
// pin its size on the state for as long as the connection lives. The
// pool jobs that use these buffers hold the state (enter), so reset never
// runs under them.
const maxKeptEnc = 64 << 10

// keptEncBuf returns b emptied, or nil when it grew past maxKeptEnc.
func keptEncBuf(b []byte) []byte {
	if cap(b) > maxKeptEnc {
		return nil
	}
	return b[:0]
}

// App returns the app serving the request. Safe for concurrent use.
func (c *Ctx) App() *App {
	if c.ctxState == nil {
		return nil
	}
	return c.app // constant for the state's life
}

// Route returns the matched route, or nil when none matched (404, 405 and
// automatic OPTIONS answers, and the server's own answers such as 408, 413
// or 431, run the app's middleware with a nil Route).
func (c *Ctx) Route() *Route {
	if !c.enter() {
		return nil
	}
	defer c.exit()
	if c.route != nil && c.route.auto {
		return nil
	}
	return c.route
}

// Context returns a context that is done when the client goes away, the
// handler times out (Config.HandlerTimeout) or the server stops; its cause
// (context.Cause) is then ErrConnClosed or ErrHandlerTimeout. A client that
// shuts down its sending side after its request cannot be told from one
// that went away: the context is done then too (ErrConnClosed), but the
// response is still sent to it. After the request it is cancelled
// (context.Canceled). It costs nothing until first called, then a few
// allocations once per request.
func (c *Ctx) Context() context.Context {
	if !c.enter() {
		return staleContext
	}
	defer c.exit()
	return c.x.Context() // its causes are eddy's errors: the engine maps them (h1.Config.Cause)
}

// staleContext is what Context returns for a stale Ctx: cancelled, with
// ErrStaleCtx as its cause.
var staleContext = func() context.Context {
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(ErrStaleCtx)
	return ctx
}()

// Loop returns the event loop the connection lives on: for timers
// (CallLater), CallSoonThreadsafe and RunInExecutor in deferred handlers.
// A stale Ctx still returns the loop: it is the same for every request the
// state serves.
func (c *Ctx) Loop() *loop.Loop {
	if c.ctxState == nil {
		return nil
	}
	return c.loop
}

// OnFinish registers fn to run when the response is finished (written to
// the engine), on the goroutine that finishes it, with the request still
// valid. Middleware uses it to observe deferred responses (the access log
// does). Passing a func value made once (not a new closure per request)
// keeps it allocation-free.
func (c *Ctx) OnFinish(fn func(*Ctx)) {
	if !c.enter() {
		return
	}
	defer c.exit()
	c.onFinish, c.used = append(c.onFinish, fn), true
}
