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

// A guarded run (made, guardedOffer, guardedDrain) defers a closure that puts the
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

// guardedOffer is offer, then endOfInput (EOFReceived once a connection kept past the
// peer's EOF has been offered all its input), under a recover: a panic in DataReceived
// or EOFReceived aborts c. One deferred call per offer, not per DataReceived call.
func (c *Conn) guardedOffer() {
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
	c.offer()
	c.endOfInput()
	returned = true
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
