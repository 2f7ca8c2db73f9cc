package eddy

import (
	"context"
	"encoding/json"
	"sync/atomic"
	"time"

	"github.com/eddy-go/eddy/internal/h1"
	"github.com/eddy-go/eddy/loop"
)

// Ctx is one request and its response, aiohttp's Request and Response in one
// object. The server pools Ctx values: a Ctx and everything it returns are
// valid until the response is finished (for an ordinary handler, until the
// handler returns); never keep a Ctx past that.
//
// # Goroutines
//
// A Ctx is used by one goroutine at a time: the loop for an on-loop handler,
// a pool goroutine for an InPool handler. After Defer (or Go), the response
// may be finished from any goroutine, once.
//
// # Ownership
//
// Methods that return []byte (and the ones whose names end in Bytes) return
// views of the request: valid until the handler returns; copy it to keep it.
// Methods that return string return owned copies unless documented
// otherwise. After Defer, views stay valid until the response is finished.
type Ctx struct {
	x     *h1.Exchange
	app   *App
	route *Route
	m     matcher // path and parameter offsets

	method  string // constant for standard methods, else copied lazily
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

	// Response being built.
	status  int
	hdr     []byte // "Name: value\r\n" lines
	body    []byte // body buffered by Write
	hdrErr  error  // first invalid header, reported by the response method
	hasCT   bool   // hdr has a Content-Type line
	written int64  // body bytes handed to the engine
	stream  Stream

	// Flags. Separate bools, not a bit set: after Defer the finishing
	// goroutine writes responded while the handler's goroutine reads
	// deferred, and distinct bytes do not race.
	responded bool // a response was finished or a stream started
	deferred  bool // Defer was called: the handler's return does not finish
	streaming bool // a stream is open: StreamStart done, StreamEnd not yet
	inPool    bool // the handler runs in the pool
	decoded   bool // m.path is pathBuf (the raw path had escapes)

	// defers counts Defer calls; a handler call compares it before and
	// after to learn whether it deferred, without reading flags another
	// goroutine may be writing.
	defers atomic.Uint32

	// Start is when the request began being served, set by middleware
	// that needs it (the access log); zero otherwise.
	start time.Time
}

// reset prepares c for the next request, keeping its buffers.
func (c *Ctx) reset() {
	c.x, c.route, c.method = nil, nil, ""
	c.m.path, c.m.first = "", nil
	c.pathBuf = c.pathBuf[:0]
	c.query.reset()
	c.queryDone = false
	if c.formDone {
		c.form.reset()
		c.formDone, c.formErr = false, nil
	}
	clear(c.state)
	c.state = c.state[:0]
	clear(c.onFinish)
	c.onFinish = c.onFinish[:0]
	c.scratch = c.scratch[:0]
	c.status, c.hdr, c.body, c.hdrErr, c.hasCT, c.written = 0, c.hdr[:0], c.body[:0], nil, false, 0
	c.responded, c.deferred, c.streaming, c.inPool, c.decoded = false, false, false, false, false
	c.stream = Stream{}
	c.start = time.Time{}
}

// App returns the app serving the request. Safe for concurrent use.
func (c *Ctx) App() *App { return c.app }

// Route returns the matched route, or nil when none matched (404, 405 and
// automatic OPTIONS answers run the app's middleware with a nil Route).
func (c *Ctx) Route() *Route {
	if c.route != nil && c.route.auto {
		return nil
	}
	return c.route
}

// Context returns a context that is done when the client goes away, the
// handler times out (Config.HandlerTimeout) or the server stops. It costs
// nothing until first called. A client that shuts down its sending side
// after its request cannot be told from one that went away: the context is
// done then too, but the response is still sent to it.
func (c *Ctx) Context() context.Context { return c.x.Context() }

// Loop returns the event loop the connection lives on: for timers
// (CallLater), CallSoonThreadsafe and RunInExecutor in deferred handlers.
func (c *Ctx) Loop() *loop.Loop { return c.x.Loop() }

// OnFinish registers fn to run when the response is finished (written to
// the engine), on the goroutine that finishes it, with the request still
// valid. Middleware uses it to observe deferred responses (the access log
// does). Passing a func value made once (not a new closure per request)
// keeps it allocation-free.
func (c *Ctx) OnFinish(fn func(*Ctx)) { c.onFinish = append(c.onFinish, fn) }
