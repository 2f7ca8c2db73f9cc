package h1

import (
	"time"

	"github.com/eddy-go/eddy/httpcodec"
	"github.com/eddy-go/eddy/loop"
)

// conn is the engine's state for one connection: a loop.Protocol. 104
// bytes (TestConnStateSize); an idle keep-alive connection holds nothing
// else. Every field is owned by the connection's loop.
type conn struct {
	ls     *loopState // the engine's unbound state until ConnectionMade binds the loop's
	lc     transport  // the *loop.Conn (a fake in the socketless tests)
	parser httpcodec.RequestParser

	cur        *Exchange // request whose body is being read (also in the FIFO)
	head, tail *Exchange // FIFO of slots, in request order
	n          int32     // slots in the FIFO

	flags     connFlags
	headStart time.Duration // loop time of the first byte of a partial head (the accept, for the first); 0 = none
	lastRead  time.Duration // loop time of the last arrival

	hijack *hijacker // the protocol that takes the connection over after an upgrade
}

// hijacker holds the protocol a hijacked connection is handed to. Boxed, so
// the interface costs conn one word instead of two: it is allocated once per
// hijack, never for plain HTTP connections.
type hijacker struct {
	p         loop.Protocol
	abandoned func() // called if the connection ends before p gets it (Exchange.Hijack)
}

type connFlags uint16

const (
	cfClosing     connFlags = 1 << iota // parse nothing more; close once every response is written
	cfClosed                            // ConnectionLost ran (or the loop conn is closed)
	cfShutdown                          // Shutdown/Close was called
	cfReadPaused                        // we called PauseReading
	cfWritePaused                       // output above the high water mark (WriteFlow)
	cfDraining                          // the server drains: the next response ends the connection
	cfUpgrade                           // an upgrade request is in flight: hold later bytes for its new protocol
	cfHijacked                          // the hijack protocol owns the connection now
	cfInData                            // inside DataReceived: writes wait for the end of the batch
	cfFresh                             // nothing received yet: headStart is the accept time
	cfEOF                               // the client shut down its sending side (EOFReceived)
	cfResuming                          // inside ResumeWriting: writes go through the queue (StreamWriteDirect)
	cfFlushDue                          // an on-loop Serve ran in this batch: flush before the next head
)

var (
	_ loop.Protocol      = (*conn)(nil)
	_ loop.WriteFlow     = (*conn)(nil)
	_ loop.Timeouter     = (*conn)(nil)
	_ loop.Drainer       = (*conn)(nil)
	_ loop.EOFReceiver   = (*conn)(nil)
	_ loop.DataRecoverer = (*conn)(nil)
)

// ConnectionMade binds the connection to its loop's state. The first
// request's head is timed from now, the accept: a connection that sends
// nothing is closed once Config.HeaderTimeout has passed, not after the
// keep-alive idle timeout.
func (c *conn) ConnectionMade(lc *loop.Conn) {
	c.made(lc, c.ls.e.loopState(lc.Loop()))
}

// made binds c to its transport and its loop's state: ConnectionMade
// without the loop types, for the tests that run c without sockets.
func (c *conn) made(lc transport, ls *loopState) {
	c.lc = lc
	c.ls = ls
	c.parser.Limits = &c.ls.e.cfg.Limits
	c.lastRead = c.ls.l.Time()
	c.headStart = stamp(c.lastRead)
	c.flags |= cfFresh
	c.arm()
}

// DataReceived parses every complete request in data, serves what it can
// and writes every response that is ready, in one write. A panic of
// DirectServer.ServeDirect is recovered by the loop's recover of the
// batch, which hands it to DataPanicked (see unwind): no deferred call
// here.
func (c *conn) DataReceived(lc *loop.Conn, data []byte) int {
	if c.flags&cfHijacked != 0 {
		return c.hijack.p.DataReceived(lc, data)
	}
	if c.flags&(cfClosed|cfShutdown) != 0 {
		return len(data) // closing: input is discarded
	}
	ls := c.ls
	now := ls.now()
	c.lastRead = now
	c.flags |= cfInData
	ls.in = data
	if lc != nil { // nil: the tests' fake transport
		// The batch's connection, for known: lc.Closed is then a field
		// test, not an interface call (see dead's callers).
		ls.peerConn, ls.peerLC = c, lc
	}
	n := c.consume(data, now)
	// The batch's borrowed views end with it: data is the loop's input
	// buffer, reused once DataReceived returns, and the last exchange
	// served may be recycled, or held by a stale context the handler
	// abandoned; neither is kept until the next batch (unwind does the
	// same after a panic).
	ls.in, ls.serving = nil, nil
	c.flags &^= cfInData | cfFlushDue
	if c.head == nil && c.cur == nil && c.hijack == nil && c.headStart == 0 &&
		c.flags&(cfClosed|cfHijacked|cfClosing|cfDraining|cfFresh|cfReadPaused|cfWritePaused|cfUpgrade) == 0 {
		// The usual end of a batch: every response is written and nothing
		// is in flight or partly read. What flush, update and fireWritable
		// do then (write the output, set the idle deadline as arm does)
		// without their calls and tests: about 60 instructions a batch.
		// When the write paused the output (WriteFlow) or closed the
		// connection, the general path below runs as well.
		// lc's methods are called directly (inlined, or without an
		// interface's dispatch); the tests' fake goes through c.lc.
		if ls.outConn == c && len(ls.out) > 0 { // writeOut, inlined
			buf := ls.out
			ls.out = buf[:0]
			ls.outConn = nil
			// A failed write closes the connection; ConnectionLost follows.
			if lc != nil {
				if !lc.Closed() {
					_ = lc.Write(buf)
				}
			} else if !c.lc.Closed() {
				_ = c.lc.Write(buf)
			}
			if cap(ls.out) > maxKeptOutput {
				ls.out = nil
			}
		}
		if c.flags&(cfClosed|cfClosing|cfWritePaused) == 0 { // the write can pause or close
			if lc != nil {
				lc.SetDeadline(c.lastRead + ls.e.cfg.IdleTimeout)
			} else {
				c.lc.SetDeadline(c.lastRead + ls.e.cfg.IdleTimeout)
			}
			return n
		}
	}
	c.flush()
	c.update()
	c.fireWritable() // a stream may have reached the head during the batch
	return n
}

// consume parses and dispatches requests from data until it runs out,
// needs more bytes or must stop; it returns the bytes consumed.
func (c *conn) consume(data []byte, now time.Duration) int {
	if len(data) > 0 {
		c.flags &^= cfFresh // headStart (the accept) now times a partial head: 408
	}
	// off is what is consumed: an offset rather than a re-sliced rest,
	// one add a step instead of a slice's three words (about 10
	// instructions a request).
	off := 0
	ls := c.ls
	depth := int32(ls.e.cfg.PipelineDepth)
	// The batch's *loop.Conn, read once: only c's own DataReceived makes c
	// the connection ls knows, and c's ConnectionLost, which forgets it,
	// sets cfClosed first, which the test below sees.
	lc := ls.known(c)
	for {
		// !c.dead(), asking the *loop.Conn directly when ls knows it.
		if lc == nil || c.flags&cfClosed != 0 || lc.Closed() {
			if c.dead() {
				break
			}
		}
		if x := c.cur; x != nil {
			if x.lf&lfStreamBody != 0 {
				k, done := c.pipeBody(x, data[off:], now)
				off += k
				if !done {
					return off
				}
				c.cur = nil
				x.started = now // the handler timeout runs from the body's end
				continue
			}
			k, done := c.readBody(x, data[off:], now)
			off += k
			if !done {
				return off
			}
			c.cur = nil
			c.dispatch(x, now)
			continue
		}
		if c.flags&(cfFlushDue|cfClosing|cfWritePaused|cfUpgrade) != 0 || c.hijack != nil || c.n >= depth {
			// One test for the usual turn; the causes one by one.
			if c.flags&cfFlushDue != 0 {
				c.flags &^= cfFlushDue
				c.flush() // see dispatch
			}
			if c.hijack != nil {
				return off // the rest belongs to the protocol taking over
			}
			if c.flags&cfClosing != 0 && c.flags&cfUpgrade == 0 {
				return len(data) // nothing more is parsed: discard
			}
			if c.blocked() {
				return off
			}
		}
		if off >= len(data) {
			c.headStart = 0
			return len(data)
		}
		x := c.ls.peek()
		n, err := c.parser.Parse(data[off:], &x.req)
		if err != nil {
			c.headStart = 0
			c.failConn(codecError(err))
			return len(data)
		}
		if n == 0 {
			if c.headStart == 0 {
				c.headStart = stamp(now) // the loop clock starts at 0, which means "none"
			}
			return off
		}
		c.headStart = 0
		c.ls.take() // x, which peek returned
		off += n
		if x.req.HasBody() {
			off += c.begin(x, data[off:], now)
		} else {
			c.beginBare(x, now, off)
		}
		if off >= len(data) && c.cur == nil {
			// All consumed, no body pending: what the next turn would
			// conclude (a head was parsed, so no partial head is timed),
			// without its checks. The usual end of a keep-alive batch.
			return len(data)
		}
	}
	return len(data)
}

// blocked reports whether parsing must wait: the FIFO is full, the output
// is above the high water mark, or an upgrade is in flight.
func (c *conn) blocked() bool {
	return c.n >= int32(c.ls.e.cfg.PipelineDepth) ||
		c.flags&(cfWritePaused|cfUpgrade|cfClosing) != 0
}

// begin takes a slot for the parsed head in x, which announces a body
// (beginBare takes the others), routes it and reads what is already here
// of its body; it returns the body bytes it consumed.
func (c *conn) begin(x *Exchange, after []byte, now time.Duration) int {
	x.c = c
	x.remote, x.proxy = c.ls.peerOf(c)
	x.state = stReading
	c.enqueue(x)
	r := &x.req
	x.headReq = string(r.Method()) == methodHead
	if r.Upgrade() != nil {
		c.flags |= cfUpgrade
	}
	if !r.KeepAlive() || c.flags&cfDraining != 0 {
		x.lf |= lfLast
		c.flags |= cfClosing
	}
	cl := r.ContentLength()
	present := cl >= 0 && int64(len(after)) >= cl
	if !present {
		x.lf |= lfRouteClose
	}

	x.lf |= lfRouted | lfServing | lfOwed
	if l := c.ls.loop; l != nil { // the fake loop of the tests names nothing
		l.Annotate("h1: route") // inlined: a field write
	}
	plan := c.ls.e.h.Route(x)
	x.lf &^= lfServing
	if x.lf&lfOwed == 0 || x.state != stReading || x.dead {
		// Route answered: the body is not read.
		if !present {
			c.flags |= cfClosing
			return len(after)
		}
		if cl > 0 {
			return int(cl)
		}
		return 0
	}
	x.lf &^= lfRouteClose | lfOwed // the handler holds x again from dispatch
	if plan.StreamBody {
		plan.InPool = true // a reader blocks: never on the loop
	}
	x.plan = plan
	max := plan.MaxBody
	if max <= 0 {
		max = c.ls.e.cfg.MaxBody
	}
	if cl > max {
		c.failSlot(x, errBodyTooLarge)
		return len(after)
	}
	if present {
		x.body = after[:cl:cl]
		c.dispatch(x, now)
		return int(cl)
	}
	if plan.StreamBody {
		// The handler runs now and reads the body while it arrives.
		x.startBodyStream()
		c.cur = x
		c.lastRead = now
		if !r.ExpectContinue() {
			x.bodyAt = stamp(now)
		} else {
			x.lf |= lfWantContinue
		}
		k, done := c.pipeBody(x, after, now)
		if done {
			c.cur = nil
		}
		c.dispatch(x, now)
		return k
	}
	// The body is not all here, or is chunked: the request outlives this
	// callback, so it moves into x's own buffer now. The buffer grows with
	// the bytes that arrive (growBody), not with what the head announced.
	x.own()
	c.cur = x
	c.lastRead = now
	if !r.ExpectContinue() {
		x.bodyAt = stamp(now) // else from the first byte, sent after 100 Continue
	}
	k, done := c.readBody(x, after, now)
	if done {
		c.cur = nil
		c.dispatch(x, now)
		return k
	}
	if c.flags&cfClosed == 0 && x.state == stReading && !x.dead && r.ExpectContinue() && x.got == 0 && k == 0 {
		x.lf |= lfWantContinue
	}
	return k
}

// beginBare is begin for a head without a body (the usual GET): begin's
// steps without the body's, and, for the usual request (served on the
// loop, answered at once at the head of the FIFO, never detached),
// serve's work and x's release and reset written out here: about 40
// instructions a request fewer than begin, serve and recycle's calls.
// With a DirectServer, Serve and Release are one call. end is the offset
// in the batch's input just past x's head, where unwind goes on after a
// panic.
func (c *conn) beginBare(x *Exchange, now time.Duration, end int) {
	ls := c.ls
	x.c = c
	x.remote, x.proxy = ls.peerOf(c)
	x.state = stReading
	c.enqueue(x)
	r := &x.req
	x.headReq = string(r.Method()) == methodHead
	if r.Upgrade() != nil {
		c.flags |= cfUpgrade
	}
	if !r.KeepAlive() || c.flags&cfDraining != 0 {
		x.lf |= lfLast
		c.flags |= cfClosing
	}
	x.lf |= lfRouted | lfServing | lfOwed
	if l := ls.loop; l != nil { // the fake loop of the tests names nothing
		l.Annotate("h1: route") // inlined: a field write
	}
	plan := ls.e.h.Route(x)
	if plan.InPool || plan.StreamBody || x.lf&lfOwed == 0 || x.state != stReading || x.dead {
		c.routedBare(x, plan, now)
		return
	}
	// Served on the loop now: dispatch's work without its call, and x
	// stays held and lfServing from Route to Serve (nothing runs in
	// between).
	x.plan = plan
	x.state = stPending
	x.started = now
	if l := ls.loop; l != nil {
		l.Annotate("h1: serve")
	}
	if d := ls.e.d; d != nil {
		// One call serves x and, when it was answered at once (Settle),
		// releases it; a panic is recovered once per batch (unwind).
		if ls.serving != x { // usually the same exchange as the last request's
			ls.serving = x
		}
		ls.resume = end // never 0: x's head is before it
		released := d.ServeDirect(x)
		ls.resume = 0
		if !released {
			lf := x.lf &^ lfServing
			x.lf = lf
			c.served(x, lf)
			return
		}
	} else {
		ls.e.h.Serve(x)
		// Answered straight into the output buffer (RespondLead), the
		// only slot of a connection that goes on (Settle): maybeRelease's
		// work for an exchange the loop alone held (never detached, so
		// never in the pool: inJob is false), then pop's.
		if !x.Settle() {
			c.served(x, x.lf)
			return
		}
		ls.e.h.Release(x)
	}
	// pop's work for the only slot of a connection that goes on (after
	// Release: nothing of the FIFO is Release's business).
	c.head, c.tail = nil, nil
	c.n = 0
	c.lastRead = ls.now() // idle from now
	c.flags &^= cfUpgrade // an upgrade answered as a plain request
	// Not detached: Settle saw it so after the handler, and only Serve
	// (Detach) and dispatch (the pool) detach.
	if x.lf&(lfAbandon|lfOwn|lfStreamBody) != 0 || x.engErr != nil ||
		x.ctx != nil || x.cause != nil || x.onWritable != nil {
		x.lf &^= lfQueued
		if x.lf&lfAbandon != 0 {
			x.abandon()
			return
		}
		ls.recycle(x)
		return
	}
	// reset's work for this exchange, less the fields already as reset
	// leaves them: body (never set without a body), next and dead (tested
	// by Settle).
	x.resetBare()
	assertFresh(x, "h1: beginBare") // eddydebug: as reset leaves it
	if ls.spare == nil {
		ls.spare = x // usually: peek handed x out as the spare
	} else if len(ls.free) < maxFreeExchanges {
		ls.free = append(ls.free, x)
	}
}

// routedBare is beginBare's end when the request is not served on the
// loop now: Route answered it, or its Plan sends it elsewhere.
func (c *conn) routedBare(x *Exchange, plan Plan, now time.Duration) {
	x.lf &^= lfServing
	if x.lf&lfOwed == 0 || x.state != stReading || x.dead {
		return // Route answered
	}
	x.lf &^= lfRouteClose | lfOwed // the handler holds x again from dispatch
	if plan.StreamBody {
		plan.InPool = true // a reader blocks: never on the loop
	}
	x.plan = plan
	c.dispatch(x, now)
}

// ConnectionLost cancels every slot; handlers still running get their
// context cancelled and are released when they finish.
func (c *conn) ConnectionLost(lc *loop.Conn, err error) {
	hijacked := c.flags&cfHijacked != 0
	c.flags |= cfClosed
	c.dropAll()
	c.cur = nil
	if c.ls.outConn == c {
		c.ls.out = c.ls.out[:0]
		c.ls.outConn = nil
	}
	if c.ls.peerConn == c {
		c.ls.peerConn, c.ls.peerLC = nil, nil
	}
	if c.ls.addrConn == c {
		c.ls.addrConn, c.ls.peer, c.ls.peerProxy = nil, nil, nil
	}
	if hijacked {
		c.hijack.p.ConnectionLost(lc, err)
	} else if c.hijack != nil && c.hijack.abandoned != nil {
		c.hijack.abandoned() // lost before the hand-over: p never had the connection
	}
}

// EOFReceived is loop.EOFReceiver: the client shut down its sending side
// (HTTP/1.0 tools, "nc -N" and some proxies do so after their request) and
// may still be reading. Nothing more will arrive, so nothing more is
// parsed: a partial head is dropped, and a request whose body is incomplete
// is cancelled with every request behind it (it can never complete; it is
// not answered). A half-close cannot be told from a client that went away,
// so the contexts of the requests in flight are cancelled (ErrConnClosed),
// as net/http does; but every request already read is answered in order
// wherever its handler runs (on the loop, in the pool, deferred, streamed),
// with "Connection: close" when its head is not yet written, and the
// connection closes once the last response is flushed (to a client that
// really went away, the first bytes draw a reset, which closes it).
func (c *conn) EOFReceived(lc *loop.Conn) {
	if c.flags&cfHijacked != 0 {
		if e, ok := c.hijack.p.(loop.EOFReceiver); ok {
			e.EOFReceived(lc)
		} else {
			_ = c.lc.Close()
		}
		return
	}
	if c.dead() {
		return
	}
	c.flags |= cfClosing | cfEOF
	c.headStart = 0
	if x := c.cur; x != nil {
		c.cancelFrom(x, ErrConnClosed)
	}
	// A half-close looks the same as a client that went away: contexts are
	// cancelled (as net/http does), and whatever the handlers answer is sent.
	for x := c.head; x != nil; x = x.next {
		if x.state != stWritten && !x.dead {
			x.mu.Lock()
			x.cancelContextLocked(ErrConnClosed)
			x.mu.Unlock()
		}
	}
	c.flush()
	c.update()
}

// update pauses or resumes reading after a batch and re-arms the deadline.
func (c *conn) update() {
	if c.flags&(cfClosed|cfHijacked) != 0 {
		return
	}
	// The usual keep-alive turn (no body under way, reading not paused,
	// nothing that could pause it) leaves reading as it is: the test here
	// saves updateReading's call, about 45 instructions a request.
	if c.cur != nil || c.flags&cfReadPaused != 0 || c.blocked() {
		c.updateReading()
	}
	c.arm()
}

// updateReading pauses reading while parsing is blocked (the bytes stay
// buffered in the loop until it parks the connection, which stops the
// kernel reading it, see loop.Conn.PauseReading) and resumes it, which
// re-offers the buffered bytes, once the cause is gone. A closing
// connection keeps reading so its input can be discarded.
func (c *conn) updateReading() {
	// A body being read always keeps flowing: its slot is already taken
	// and its bytes go to its own buffer, bounded by MaxBody.
	var stalled, resumed bool
	if c.cur != nil {
		stalled, resumed = c.pipeState(c.cur) // a streamed body waits for its reader
	}
	stop := c.cur == nil && (c.flags&cfClosing == 0 && c.blocked() || c.flags&cfUpgrade != 0) || stalled
	switch {
	case stop && c.flags&cfReadPaused == 0:
		c.flags |= cfReadPaused
		c.lc.PauseReading()
	case !stop && c.flags&cfReadPaused != 0:
		c.flags &^= cfReadPaused
		c.lc.ResumeReading()
	case resumed:
		// The reader made room before reading paused: the input left
		// unconsumed is offered again (a pause and resume does that; the
		// loop would not, level-triggered, until more bytes arrive).
		c.lc.PauseReading()
		c.lc.ResumeReading()
	}
}
