package h1

import (
	"time"

	"github.com/eddy-go/eddy/httpcodec"
	"github.com/eddy-go/eddy/loop"
)

// enqueue appends x to the FIFO.
func (c *conn) enqueue(x *Exchange) {
	x.lf |= lfQueued
	if c.tail == nil {
		c.head = x
	} else {
		c.tail.next = x
	}
	c.tail = x
	c.n++
}

// pop removes the head x from the FIFO and releases it if nothing else
// holds it. A written last response ends the connection; a hijack takes
// it over.
func (c *conn) pop(x *Exchange) {
	c.head = x.next
	if c.head == nil {
		c.tail = nil
		c.lastRead = c.ls.now() // idle from now
	}
	x.next = nil
	x.lf &^= lfQueued
	c.n--
	if x.state == stWritten {
		if x.lf&lfHijack != 0 {
			c.flags &^= cfUpgrade
		} else if x.lf&lfLast != 0 {
			c.flags |= cfClosing
			c.flags &^= cfUpgrade
			c.cancelFrom(c.head, ErrConnClosed)
		} else {
			// An upgrade request answered as the ordinary request it also
			// is (no hijack): the connection stays HTTP/1.1, parsing resumes.
			c.flags &^= cfUpgrade
		}
	}
	x.maybeRelease()
}

// dispatch hands a request with its whole body to the handler: on the loop
// now, or in the executor.
func (c *conn) dispatch(x *Exchange, now time.Duration) {
	x.state = stPending
	x.started = now
	x.lf |= lfOwed
	if x.plan.InPool {
		x.own()
		x.detached = true
		x.mu.Lock()
		x.inJob = true
		x.mu.Unlock()
		if err := c.ls.l.RunInExecutor(x.jobFn, x.jobDoneFn); err != nil {
			x.lf &^= lfOwed
			x.mu.Lock()
			x.inJob = false
			x.mu.Unlock()
			c.failSlot(x, errPoolFull)
		}
		return
	}
	x.lf |= lfServing
	c.serve(x)
}

// serve runs Serve on the loop for x, Pending, held by the handler
// (lfOwed) and marked lfServing; it pops x at once when Serve answered it
// at the head of the FIFO.
func (c *conn) serve(x *Exchange) {
	if l := c.ls.loop; l != nil {
		l.Annotate("h1: serve")
	}
	c.ls.e.h.Serve(x)
	lf := x.lf &^ lfServing
	x.lf = lf
	c.served(x, lf)
}

// served is serve's work once Serve returned, lf being x's flags without
// lfServing: it reports a handler that neither finished nor detached x,
// and pops and releases x when it was answered at the head of the FIFO.
func (c *conn) served(x *Exchange, lf loopFlags) {
	if lf&lfOwed != 0 && !x.detached {
		x.lf &^= lfOwed
		c.ls.e.cfg.Logger.Error("h1: on-loop Serve returned without finishing or detaching the exchange",
			"method", string(x.req.Method()), "path", string(x.req.Path()))
		if x.state == stPending && !x.dead {
			c.failSlot(x, errNoResponse)
		}
		lf = x.lf
	}
	if lf&lfQueued == 0 {
		x.maybeRelease() // popped while Serve ran
		return
	}
	if c.head == x && x.state == stWritten && !x.dead {
		// The usual on-loop answer, written at once (RespondLead): x leaves
		// the FIFO now, as the flush below would make it, without the
		// flush.
		if x.next == nil && lf&(lfLast|lfHijack) == 0 {
			// pop's work for the only slot of a connection that goes on.
			c.head, c.tail = nil, nil
			c.n = 0
			c.lastRead = c.ls.now() // idle from now
			lf &^= lfQueued
			x.lf = lf
			c.flags &^= cfUpgrade // an upgrade answered as a plain request
			if x.detached || x.kicks != 0 || lf&(lfRouted|lfOwed) != lfRouted {
				x.maybeRelease()
				return
			}
			// maybeRelease's work for an exchange the loop alone held
			// (never detached, so never in the pool: inJob is false).
			ls := c.ls
			ls.e.h.Release(x)
			if x.lf&lfAbandon != 0 {
				x.abandon()
				return
			}
			ls.recycle(x)
			return
		}
		c.pop(x)
		return
	}
	// What is finished is popped before the next head is parsed, so the next
	// request finds the head free and answers straight into the output
	// buffer instead of its own (consume); after the last one of a batch,
	// DataReceived's flush does it: one flush per batch instead of two.
	c.flags |= cfFlushDue
}

// Settle is for DirectServer.ServeDirect, once x's handler returned: it
// reports whether x was answered at once at the head of the FIFO with
// nothing else holding it, so that the handler releases it before
// ServeDirect returns (true); the engine then takes x out of the FIFO.
// False: the engine goes on with x as after Serve. Loop-only.
func (x *Exchange) Settle() bool {
	lf := x.lf &^ lfServing
	x.lf = lf
	return lf&(lfRouted|lfOwed|lfQueued|lfLast|lfHijack|lfDirect) == lfRouted|lfQueued|lfDirect &&
		x.c.head == x && x.next == nil && x.state == stWritten && !x.dead && !x.detached && x.kicks == 0
}

// job runs Serve on an executor goroutine.
func (x *Exchange) job() { x.ls.e.h.Serve(x) }

// jobDone runs on the loop after job returned (or panicked). Until it
// clears inJob, a handler finishing x posts no kick: this process does
// its work.
func (x *Exchange) jobDone() {
	x.mu.Lock()
	x.inJob = false
	x.mu.Unlock()
	x.process()
}

// kick runs on the loop when a goroutine other than the loop finished x or
// streamed more of it.
func (x *Exchange) kick() {
	x.mu.Lock()
	x.kicks--
	x.mu.Unlock()
	x.process()
}

// post wakes the loop to process x. Call it after x.kicks++ under x.mu.
func (x *Exchange) post() {
	if x.ls.l.CallSoonThreadsafe(x.kickFn) != nil {
		// The loop stopped: nothing will run there again.
		x.mu.Lock()
		x.kicks--
		x.mu.Unlock()
	}
}

// process brings the loop's view of x up to date with what the handler
// did elsewhere, writes what became ready and releases x when it can.
// Loop-only.
func (x *Exchange) process() {
	assertLoop(x.ls, "h1: Exchange.process")
	x.syncState()
	// A connection that is closing is flushed even when x is already out
	// of the FIFO (a CloseAfter after x's response went out): the flush
	// half-closes it once the FIFO is empty.
	if c := x.c; (x.lf&lfQueued != 0 || c.flags&cfClosing != 0) && !c.dead() {
		c.flush()
		c.update()
		c.fireWritable()
	}
	x.maybeRelease()
}

// maybeRelease gives x back to the handler (Release) and to the pool once
// nothing holds it: out of the FIFO, not running, not owed by the handler,
// no kick on its way.
func (x *Exchange) maybeRelease() {
	if x.c == nil || x.inJob || x.lf&(lfQueued|lfServing|lfOwed) != 0 {
		return // already recycled (reset clears c), or still held
	}
	// Only a detached exchange can be touched by other goroutines (kicks
	// are posted from them); otherwise the loop alone reads and writes
	// kicks, and the lock is skipped (a lock and unlock per request).
	var pending bool
	if x.detached {
		x.mu.Lock()
		pending = x.kicks > 0
		x.mu.Unlock()
	} else {
		pending = x.kicks > 0
	}
	if pending {
		return
	}
	ls := x.ls
	if x.lf&lfRouted != 0 {
		ls.e.h.Release(x)
		if x.lf&lfAbandon != 0 {
			x.abandon()
			return
		}
	}
	ls.recycle(x)
}

// cancelFrom cancels every slot from x to the tail: their responses will
// never be written; handlers still running see their context cancelled.
func (c *conn) cancelFrom(x *Exchange, cause error) {
	for ; x != nil; x = x.next {
		if x.dead || x.state == stWritten {
			continue
		}
		if c.cur == x {
			c.cur = nil
		}
		x.mu.Lock()
		x.dead = true
		x.cancelContextLocked(cause)
		if x.cond != nil {
			x.cond.Broadcast()
		}
		x.mu.Unlock()
		if x.onWritable != nil {
			x.ls.l.CallSoon(x.writableFn) // not inline: this may run inside handler code
		}
	}
}

// dropAll empties the FIFO of a dead connection.
func (c *conn) dropAll() {
	c.cancelFrom(c.head, ErrConnClosed)
	for c.head != nil {
		c.pop(c.head)
	}
}

// failSlot answers x with e instead of the handler and ends the
// connection after it; slots after x are cancelled. If the handler still
// holds x (lfOwed) its eventual output is dropped and x is released once it
// finishes.
func (c *conn) failSlot(x *Exchange, e *httpcodec.Error) {
	if c.cur == x {
		c.cur = nil
	}
	x.engErr = e
	// The answer may be rendered in a later callback (Handler Fail reads
	// the request): move the head out of loop memory first. A no-op for
	// an exchange that already owns it (detached, or reading a body).
	x.own()
	x.lf |= lfLast
	c.flags |= cfClosing
	x.mu.Lock()
	x.sf |= sfClaimed
	if x.cond != nil {
		x.cond.Broadcast() // a streamed body's reader learns it failed
	}
	x.mu.Unlock()
	if !x.dead && x.state != stWritten {
		x.state = stReady
	}
	c.cancelFrom(x.next, ErrConnClosed)
}

// failConn answers a defect that has no request of its own (a malformed
// head, a head timeout) and ends the connection after the responses before
// it.
func (c *conn) failConn(e *httpcodec.Error) {
	x := c.ls.acquire()
	x.req.Reset()
	x.c = c // no lfRouted: the handler never saw it, so no Release
	x.remote, x.proxy = c.ls.peerOf(c)
	x.state = stReading
	c.enqueue(x)
	c.failSlot(x, e)
}

// dead reports whether nothing may be written any more.
func (c *conn) dead() bool {
	return c.flags&cfClosed != 0 || c.lc.Closed()
}

// known returns c's *loop.Conn when ls has it, c being the connection
// whose DataReceived runs or ran last (the batch being served): for dead's
// tests made once or twice a request, where lc.Closed, a direct call, is
// inlined to a field test instead of an interface call (about 10
// instructions). nil otherwise, and under the tests' fake transport.
func (ls *loopState) known(c *conn) *loop.Conn {
	if ls.peerConn == c {
		return ls.peerLC
	}
	return nil
}
