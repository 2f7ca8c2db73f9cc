package loop

import (
	"runtime/debug"
)

// A panic in any function the loop runs (a Protocol method, a Timer function, a CallSoon,
// CallSoonThreadsafe or Handle.Post function, a RunInExecutor done function) is
// recovered on the loop: it is logged at error level with its stack, counted in
// LoopStats.Panics, the connection the function worked for (if any) is aborted with
// ErrPanicked, and the loop goes on with its next function. A Go program dies of a
// panic nobody recovers; one faulty callback must not take every connection of the
// process with it.
//
// The recover costs one deferred call per batch, not per function: runTasks and
// runTimers run a batch under one recover and, after a panic, resume with the function
// after the one that panicked.

// task is a queued function and the connection it works for (nil: none). A task with
// a connection and no function is the connection's writable (the watcher's event).
type task struct {
	fn func()
	c  *Conn
}

// runTasks runs q in order, clearing each entry before it runs. A panicking function is
// handled by panicked and skipped; the rest still run.
func (l *Loop) runTasks(q []task) {
	for len(q) > 0 {
		q = l.runFrom(q)
	}
}

// runFrom runs q under one recover and returns what is left to run: nothing, or the
// entries after a function that panicked. The loop index is not shared with the
// deferred function (that would keep it in memory, not in a register): the entries run
// so far, the panicking one included, are the cleared ones at the front.
func (l *Loop) runFrom(q []task) (rest []task) {
	depth, cur, run := l.depth, l.cur, l.running
	returned := false
	defer func() {
		if returned {
			l.running = run
			return
		}
		if v := recover(); v != nil {
			l.depth, l.cur = depth, cur
			l.panicked(v)
			r := q
			for len(r) > 0 && r[0].fn == nil && r[0].c == nil {
				r = r[1:]
			}
			rest = r
		}
		l.running = run
	}()
	for i := range q {
		t := q[i]
		q[i] = task{}
		l.running = t.c
		if t.fn != nil {
			t.fn()
		} else if t.c != nil {
			t.c.writable()
		}
	}
	returned = true
	return nil
}

// panicked handles a recovered panic: it logs v with the stack, counts it and aborts
// the connection the callback worked for. It runs in the deferred function that
// recovered, so debug.Stack still shows where the panic started. The caller has
// restored the loop's nesting state.
func (l *Loop) panicked(v any) {
	c := l.running
	l.running = nil
	l.stats.panics.Add(1)
	l.srv.log.Error("loop: callback panicked", "loop", l.idx, "panic", v, "what", l.label,
		"stack", string(debug.Stack()))
	if c != nil {
		c.abort(whyPanicked)
	}
}

// A guarded run (made, guardedOffer, recoverOffer, guardedDrain) defers a closure that puts the
// loop's running connection back and, only when the run did not return (a panic, or
// runtime.Goexit, for which recover returns nil), calls recover and hands the result to
// unwound. The run sets returned last, so its normal path costs no recover call; recover
// must be called by the deferred function itself, hence the closure at each site (a
// deferred method with a pointer to returned cost 15 instructions more a callback).

// unwound handles what a guarded run's deferred function recovered: a panic (v != nil)
// restores the loop's nesting state from before the run (depth, cur) and goes to
// panicked.
func (l *Loop) unwound(v any, depth int, cur *Conn) {
	if v != nil {
		l.depth, l.cur = depth, cur
		l.panicked(v)
	}
}

// guardedOffer hands the buffered bytes to DataReceived for as long as it consumes
// some, then runs endOfInput (EOFReceived once a connection kept past the peer's EOF has
// been offered all its input), under a recover: a panic in DataReceived or EOFReceived
// aborts c, unless its protocol handles it (DataRecoverer). One deferred call per
// offer, not per DataReceived call; the offer's loop is written out here rather than
// called (one call fewer an arrival).
func (c *Conn) guardedOffer() {
	l := c.loop
	depth, cur, run := l.depth, l.cur, l.running
	returned := false
	defer func() {
		if !returned {
			c.unwoundOffer(recover(), depth, cur)
		}
		l.running = run
	}()
	l.running = c
	for {
		if c.flags&(fClosed|fClosing|fShutdown) != 0 || c.pauses != 0 {
			c.offerEnd()
			break
		}
		// inbound and discard, with gnet's buffer (the common case) written out here:
		// they are too large to be inlined, and their calls cost a keep-alive request
		// about 20 instructions.
		var buf []byte
		if c.flags&(fDetached|fCarry) != 0 {
			buf = c.inbound()
		} else {
			buf, _ = c.gc.Peek(0)
		}
		if len(buf) == 0 || c.flags&fInState != 0 && !c.hintMet(len(buf)) {
			c.offerEnd()
			break
		}
		l.direct = nil
		n := c.proto.DataReceived(c, buf)
		direct := l.direct == c
		if direct {
			l.direct = nil
		}
		if c.flags&fClosed != 0 {
			break // closed inside: the buffers are released
		}
		if n < 0 || n > len(buf) || direct && n != len(buf) {
			c.abort(whyBadConsumed)
			break
		}
		if n == 0 {
			c.offerEnd()
			break
		}
		if c.flags&(fDetached|fCarry) != 0 {
			c.discard(n)
		} else {
			_, _ = c.gc.Discard(n)
		}
		if n == len(buf) {
			// Peek(0) returned everything buffered and all of it was
			// consumed: nothing is left to offer or to count.
			c.left = 0
			break
		}
	}
	c.endOfInput()
	returned = true
}

// unwoundOffer is unwound for an offer: a panic goes to the protocol's DataPanicked
// first (DataRecoverer), and is the loop's only when the protocol does not handle it.
func (c *Conn) unwoundOffer(v any, depth int, cur *Conn) {
	if v == nil {
		return // runtime.Goexit, which cannot be stopped (a panic is never nil)
	}
	l := c.loop
	l.depth, l.cur = depth, cur
	if r, ok := c.proto.(DataRecoverer); ok && c.recoverOffer(r, v) {
		return
	}
	l.panicked(v)
}

// recoverOffer asks r about v and, when r handled it, goes on with the offer as after a
// DataReceived call that returned, then runs endOfInput, under a recover of its own: a
// panic of that rest is asked about in turn, one of DataPanicked itself is the loop's.
// It reports whether r handled v; if not, the loop's running connection is what it was
// at the panic, for panicked.
func (c *Conn) recoverOffer(r DataRecoverer, v any) (handled bool) {
	l := c.loop
	depth, cur, run := l.depth, l.cur, l.running
	returned, asked := false, false
	defer func() {
		if !returned {
			handled = true // the panic is the handling's, and is dealt with here
			if asked {
				c.unwoundOffer(recover(), depth, cur)
			} else {
				l.unwound(recover(), depth, cur)
			}
		}
		l.running = run
	}()
	l.running = c
	n, ok := r.DataPanicked(c, v)
	if ok {
		asked = true
		c.offered(n)
		c.endOfInput()
	}
	returned = true
	return ok
}

// guardedDrain is drain under a recover: a panic in Drainer.Drain aborts c, and the
// other connections are still drained.
func (c *Conn) guardedDrain() {
	l := c.loop
	depth, cur, run := l.depth, l.cur, l.running
	returned := false
	defer func() {
		if !returned {
			l.unwound(recover(), depth, cur)
		}
		l.running = run
	}()
	l.running = c
	c.drain()
	returned = true
}
