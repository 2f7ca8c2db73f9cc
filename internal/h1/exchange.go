package h1

import (
	"context"
	"net"
	"sync"
	"time"

	"github.com/eddy-go/eddy/httpcodec"
	"github.com/eddy-go/eddy/loop"
)

// Exchange is one request and its response. Unless a method says otherwise
// it may be called from the goroutine running Serve (the loop, or a pool
// goroutine) and, after Detach, from any goroutine until x is finished.
// After Handler.Release nothing may touch x: it is recycled.
type Exchange struct {
	// User is the application's per-exchange state (the root's *Ctx). The
	// engine never reads it and keeps it when it recycles x: a handler may
	// set it once, on the first request x carries, and reuse it for every
	// later one (Release must leave it ready for that), which saves a
	// lookup per request. It is dropped with x when the pool discards x.
	User any

	// Immutable after newExchange.
	ls *loopState

	// Written by the loop before any other goroutine may see x (begin,
	// readBody, Detach, dispatch) and by reset; read-only in between, by
	// every goroutine that holds x.
	req      httpcodec.Request
	body     []byte
	c        *conn
	remote   net.Addr
	proxy    *loop.ProxyHeader // the connection's PROXY protocol header, if any
	plan     Plan
	detached bool // Detach ran, or dispatch sent x to the pool
	headReq  bool // the request is HEAD
	streamed bool // the body is streamed (Plan.StreamBody): read it with ReadBody

	// Owned by the loop: no other goroutine reads or writes them.
	next       *Exchange // FIFO link
	state      slotState // where x is in the FIFO; whether it will be written at all is dead
	lf         loopFlags
	started    time.Duration // loop time the handler was given the request
	got        int64         // body bytes received so far (wire bytes for a chunked body)
	bodyAt     time.Duration // loop time the body's rate clock started; 0 = not yet
	held       int64         // cap(buf) charged to loopState.bodyBytes while the body arrives
	cd         httpcodec.ChunkedDecoder
	buf        []byte           // owned copy: head, then body
	engErr     *httpcodec.Error // the engine's answer in place of the handler's
	onWritable func()
	pipeSince  time.Duration // loop time the streamed body's pipe filled; 0 = not full

	// Written by the loop only, under mu: the loop reads them without the
	// lock, other goroutines under it.
	inJob bool // Serve went to the pool and its done callback has not run: done will process x
	dead  bool // x will never be written: cancelled, its connection gone, or abandoned

	// Shared with the handler's goroutines; guarded by mu. (For an
	// exchange that was never detached the loop is the only goroutine
	// that ever held it, and it skips the lock: reset, maybeRelease.)
	mu     sync.Mutex
	cond   *sync.Cond // pool stream writers wait on it; created once per Exchange
	out    []byte     // recorded response: app header lines out[:hlen] while headPending, then body or framed chunks
	hlen   int
	status int
	clen   int64    // Content-Length to announce
	mode   bodyMode // how the body is delimited
	sf     sharedFlags
	kicks  int32 // kicks posted to the loop and not yet run

	// A streamed request body (bodystream.go): what arrived and was not
	// read yet is pipe[pipeOff:].
	pipe     []byte
	pipeOff  int
	piped    int64 // decoded bytes of a chunked streamed body, for MaxBody
	pipeFull bool  // the loop stopped consuming until the reader makes room
	pipeEnd  bool  // the whole body arrived: io.EOF after the pipe
	ctx      context.Context
	cancel   context.CancelCauseFunc
	cause    error // cancellation cause recorded before Context was first called

	// Method values bound once per Exchange, so posting them allocates
	// nothing per request.
	kickFn, jobFn, jobDoneFn, writableFn func()
}

// slotState is where an exchange is in its connection's FIFO.
type slotState uint8

const (
	stReading   slotState = iota + 1 // head parsed, body not complete
	stPending                        // the handler owes the response
	stReady                          // response complete in out, waiting for its turn
	stStreaming                      // stream started, not ended
	stWritten                        // every byte handed to the connection
)

// loopFlags are the loop-only booleans of an Exchange. lfOwed is not
// sfFinished seen from the loop: it says the handler holds x (inside
// Route, and from dispatch until the loop saw x finished), so an exchange
// whose body is still arriving is held by no one and a dead connection
// releases it at once.
type loopFlags uint16

const (
	lfRouted       loopFlags = 1 << iota // Handler.Route ran: Release is owed
	lfServing                            // the loop is inside Route or Serve with x
	lfOwed                               // the handler holds x: Release must wait
	lfQueued                             // x is in its connection's FIFO
	lfOwn                                // head (and body) live in x.buf
	lfLast                               // its response ends the connection
	lfWantContinue                       // send 100 Continue when x reaches the head
	lfHijack                             // the connection is handed over after x
	lfRouteClose                         // a response given in Route must close (body unread)
	lfAbandon                            // Release called Abandon: x is never reused
	lfStreamBody                         // the body streams to the handler while it arrives (c.cur while it does)
	lfDirect                             // answered on the loop straight into the output buffer (RespondLead)
)

// sharedFlags are guarded by Exchange.mu.
type sharedFlags uint16

const (
	sfFinished    sharedFlags = 1 << iota // the handler finished x (Respond, StreamEnd, Hijack)
	sfClaimed                             // the engine answered instead (timeout): handler output is dropped
	sfStream                              // StreamStart ran
	sfHeadPending                         // out[:hlen] holds header lines not yet rendered
	sfFlowPaused                          // the connection is above its high water mark
	sfNoBody                              // HEAD or 1xx/204/304: body bytes are dropped
	sfCloseAfter                          // CloseAfter ran off the loop: the loop applies it in syncState
)

// bodyMode is how a response body is delimited.
type bodyMode uint8

const (
	modeLength  bodyMode = iota // Content-Length
	modeChunked                 // Transfer-Encoding: chunked
	modeClose                   // until the connection closes (HTTP/1.0 stream)
	modeNone                    // no body at all (1xx, 204, 304)
)

func newExchange(ls *loopState) *Exchange {
	x := &Exchange{ls: ls}
	x.cd.Limits = &ls.e.cfg.Limits
	x.kickFn = x.kick
	x.jobFn = x.job
	x.jobDoneFn = x.jobDone
	x.writableFn = x.fireWritable
	return x
}

// Request returns the parsed request head. Its views are valid until the
// handler returns; copy them to keep them (after Detach, and in the pool,
// until x is finished). Callable wherever x may be used.
func (x *Exchange) Request() *httpcodec.Request { return &x.req }

// Body returns the whole request body (Content-Length or de-chunked), nil
// when there is none. Valid until the handler returns; copy it to keep it
// (after Detach, and in the pool, until x is finished). Callable wherever x
// may be used.
func (x *Exchange) Body() []byte { return x.body }

// RemoteAddr returns the client's address. Safe for concurrent use.
func (x *Exchange) RemoteAddr() net.Addr { return x.remote }

// ProxyHeader returns the PROXY protocol header the connection came with
// (loop.Config.ProxyProtocol), nil if none. Same goroutine rules as
// RemoteAddr.
func (x *Exchange) ProxyHeader() *loop.ProxyHeader { return x.proxy }

// Loop returns the loop that owns the connection. Safe for concurrent use.
func (x *Exchange) Loop() *loop.Loop {
	l, _ := x.ls.l.(*loop.Loop) // nil under the socketless tests' fake
	return l
}

// Detached reports whether x was detached (Detach, or a Plan with InPool).
// Callable wherever x may be used.
func (x *Exchange) Detached() bool { return x.detached }

// Detach copies the request and its body out of loop memory into x's own
// buffer, so x may be finished later, from any goroutine (a timer, a pool
// job, a client callback). It costs one copy of head and body. Loop-only,
// inside Serve; a no-op when x is already detached.
func (x *Exchange) Detach() {
	if x.detached {
		return
	}
	assertLoop(x.ls, "h1: Exchange.Detach")
	x.own()
	x.detached = true
}

// own copies the head, and the body if it is still a view, into x.buf and
// rebases the request onto the copy. Loop-only.
func (x *Exchange) own() {
	if x.lf&lfOwn != 0 {
		return
	}
	raw := x.req.Raw()
	need := len(raw) + len(x.body)
	if cap(x.buf) < need {
		x.buf = make([]byte, 0, need)
	}
	x.buf = append(append(x.buf[:0], raw...), x.body...)
	x.req.Rebase(x.buf[:len(raw)])
	if x.body != nil {
		x.body = x.buf[len(raw):]
	}
	x.lf |= lfOwn
}

// loopOwned reports whether the caller is the loop inside Route or Serve of
// a non-detached exchange, the only case where the fast, lock-free path
// applies. The detached check comes first: goroutines other than the loop
// may only call in after Detach, and then never read the loop's flags.
func (x *Exchange) loopOwned() bool {
	return !x.detached && x.lf&lfServing != 0
}

// Context returns a context that is done when the client goes away or
// shuts down its sending side (cause ErrConnClosed; the response is still
// sent then, for a half-closed client that keeps reading), the handler
// times out (ErrHandlerTimeout) or the server stops. It is created on
// first use (one allocation), so exchanges that
// never call it pay nothing. It stays usable after x is released (it is
// then cancelled). Safe for concurrent use.
func (x *Exchange) Context() context.Context {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.ctx == nil {
		x.ctx, x.cancel = context.WithCancelCause(context.Background())
		if x.cause != nil {
			x.cancel(x.cause)
		}
	}
	return x.ctx
}

// cancelContextLocked cancels x's context with cause, now or when it is
// created. Call with x.mu held.
func (x *Exchange) cancelContextLocked(cause error) {
	if f := x.ls.e.cfg.Cause; f != nil {
		cause = f(cause)
	}
	if x.cause == nil {
		x.cause = cause
	}
	if x.cancel != nil {
		x.cancel(cause)
	}
}

// Claimed reports whether the engine answered in x's place (a handler
// timeout): whatever the handler sends now is dropped. Callable wherever x
// may be used; it takes x's lock unless the caller is the loop inside
// Serve of a non-detached exchange, which no timeout can claim.
func (x *Exchange) Claimed() bool {
	if x.loopOwned() {
		return false
	}
	x.mu.Lock()
	claimed := x.sf&sfClaimed != 0
	x.mu.Unlock()
	return claimed
}

// Abandon keeps x from being reused: called inside Handler.Release, it
// leaves x to a goroutine that may still hold it (the application could
// not prove otherwise) instead of recycling it. From then on x behaves as
// finished for a dead connection: Respond and CloseAfter do nothing, the
// streaming methods return ErrFinished, Context is cancelled. The garbage
// collector takes x when the last holder lets go. Loop-only, inside
// Release.
func (x *Exchange) Abandon() {
	assertLoop(x.ls, "h1: Exchange.Abandon")
	x.lf |= lfAbandon
}

// abandon detaches an abandoned x from its connection for good.
// Loop-only.
func (x *Exchange) abandon() {
	x.mu.Lock()
	x.sf |= sfFinished | sfClaimed
	x.dead = true
	x.cancelContextLocked(ErrConnClosed)
	if x.cond != nil {
		x.cond.Broadcast()
	}
	x.mu.Unlock()
	x.unhold() // x leaves the loop without reset: its body's charge goes back now
	x.onWritable = nil
	x.next = nil
}

// resetBare is reset's work for the usual exchange (see reset) less body,
// next and dead, which beginBare knows are clear already. Built with the
// eddydebug tag, both callers check that x is then as reset's general path
// leaves it (assertFresh), so a field added to reset is not forgotten here.
func (x *Exchange) resetBare() {
	x.c = nil
	x.remote, x.proxy = nil, nil
	x.headReq = false
	x.state = 0
	x.lf = 0
	x.plan = Plan{}
	x.started = 0
	x.req.Reset()
	x.sf = 0
}

// reset prepares x for reuse. Buffers are kept when small, dropped when a
// large body made them big, so pooled exchanges do not pin memory.
func (x *Exchange) reset() {
	if x.lf&(lfDirect|lfOwn|lfStreamBody|lfAbandon) == lfDirect && !x.detached &&
		x.engErr == nil && x.ctx == nil && x.cause == nil && x.onWritable == nil {
		// The usual exchange: a head without a body or with all of it in
		// the batch (no own buffer, no body pipe), answered on the loop at
		// once (nothing recorded in out, no stream), never detached, no
		// context: only what begin, Route and RespondLead set is reset,
		// about 40 instructions fewer.
		x.body = nil
		x.next = nil
		x.dead = false
		x.resetBare()
		assertFresh(x, "h1: Exchange.reset") // eddydebug: as the general path leaves it
		return
	}
	// A never-detached exchange was only ever touched by the loop, so its
	// shared half is reset without the lock (saves a lock per request).
	locked := x.detached
	x.body = nil
	x.c = nil
	x.remote, x.proxy = nil, nil
	x.detached = false
	x.headReq = false
	x.streamed = false
	x.pipeSince = 0
	x.next = nil
	x.state = 0
	x.lf = 0
	x.inJob = false
	x.dead = false
	x.plan = Plan{}
	x.started = 0
	x.got = 0
	x.bodyAt = 0
	x.unhold()
	x.cd.Reset()
	x.engErr = nil
	x.onWritable = nil
	if cap(x.buf) > maxKeptBuffer {
		x.buf = nil
	} else {
		x.buf = x.buf[:0]
	}
	// The request's views would keep the buffer they point into alive
	// (a dropped body buffer, or loop memory) for as long as x sits in the
	// free list.
	x.req.Reset()
	if locked {
		x.mu.Lock()
	}
	if cap(x.out) > maxKeptBuffer {
		x.out = nil
	} else {
		x.out = x.out[:0]
	}
	x.hlen = 0
	x.status = 0
	x.clen = 0
	if cap(x.pipe) > bodyPipe*2 {
		x.pipe = nil
	} else {
		x.pipe = x.pipe[:0]
	}
	x.pipeOff, x.piped, x.pipeFull, x.pipeEnd = 0, 0, false, false
	x.mode = 0
	x.sf = 0
	x.kicks = 0
	if x.cancel != nil {
		x.cancel(nil) // context.Canceled: frees the context's resources
	}
	x.ctx = nil
	x.cancel = nil
	x.cause = nil
	if locked {
		x.mu.Unlock()
	}
}
