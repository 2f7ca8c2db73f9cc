package h1

import (
	"time"

	"github.com/eddy-go/eddy/loop"
)

// arm sets the connection's one deadline to the earliest of: the head
// timeout of a partial head (from its first byte, or from the accept for
// a connection's first head), the body inactivity timeout, the moment the
// body falls below its minimum rate, the keep-alive idle timeout (or the
// drain grace of an idle connection while the server drains), the handler
// timeout of the oldest pending request. It is a field write in the loop
// (Conn.SetDeadline).
func (c *conn) arm() {
	cfg := &c.ls.e.cfg
	if c.head == nil && c.cur == nil && c.headStart == 0 && c.flags&(cfClosing|cfDraining|cfFresh) == 0 {
		// Idle keep-alive, the end of most batches: the idle timeout is the
		// only deadline (what the general case below computes, without its
		// tests; about 20 instructions a request).
		c.lc.SetDeadline(c.lastRead + cfg.IdleTimeout)
		return
	}
	var at time.Duration
	earliest := func(t time.Duration) {
		if at == 0 || t < at {
			at = t
		}
	}
	if c.headStart != 0 {
		earliest(c.headStart + cfg.HeaderTimeout)
	}
	if c.cur != nil && c.cur.pipeSince == 0 { // no body timer while a streamed body waits for its reader
		earliest(c.lastRead + cfg.BodyTimeout)
		if t := c.slowBodyAt(c.cur); t != 0 {
			earliest(t)
		}
	}
	if c.idle() {
		earliest(c.idleBy())
		if c.flags&cfDraining != 0 {
			// drainBy 0: this loop had no idle connection when the drain
			// began, so no grace was set; Timeout closes an idle draining
			// connection at once. 0 would read as "no deadline" here.
			earliest(max(c.ls.drainBy, 1))
		}
	}
	for x := c.head; x != nil; x = x.next {
		if x.state == stPending && !x.dead && x != c.cur { // a streamed body's reader is timed by its body
			if d := x.handlerTimeout(cfg); d > 0 {
				earliest(x.started + d) // every slot: a later one may have a shorter limit (at most the pipeline depth)
			}
		}
	}
	c.lc.SetDeadline(at)
}

// idle reports a keep-alive connection with nothing in flight, or a new
// one that has sent nothing yet.
func (c *conn) idle() bool {
	return c.head == nil && c.cur == nil && (c.headStart == 0 || c.flags&cfFresh != 0) && c.flags&cfClosing == 0
}

// idleBy returns when an idle connection closes: IdleTimeout after the
// last activity or, for a new connection that has sent nothing, the head
// timeout from its accept (the idle timeout if that is shorter: a new
// connection never waits longer than an idle one).
func (c *conn) idleBy() time.Duration {
	cfg := &c.ls.e.cfg
	if c.flags&cfFresh != 0 {
		return c.headStart + min(cfg.HeaderTimeout, cfg.IdleTimeout)
	}
	return c.lastRead + cfg.IdleTimeout
}

// slowBodyAt returns the loop time at which x's body, still arriving,
// falls below Config.MinBodyRate: the grace after its start plus the time
// the bytes received so far pay for. 0: no minimum applies.
func (c *conn) slowBodyAt(x *Exchange) time.Duration {
	cfg := &c.ls.e.cfg
	if cfg.MinBodyRate <= 0 || x.bodyAt == 0 {
		return 0
	}
	return x.bodyAt + cfg.BodyRateGrace + time.Duration(float64(x.got)*float64(time.Second)/float64(cfg.MinBodyRate))
}

// Timeout is loop.Timeouter: the deadline set by arm passed. Whatever is
// overdue is answered (408 for a head or a body, 503 for a handler) and
// the connection ends after it; an idle connection (past its idle timeout,
// or its drain grace) and a new one that sent nothing within the head
// timeout are closed silently: there is no request to answer.
func (c *conn) Timeout(lc *loop.Conn) {
	if c.flags&cfHijacked != 0 {
		if t, ok := c.hijack.p.(loop.Timeouter); ok {
			t.Timeout(lc)
		} else {
			c.lc.Abort()
		}
		return
	}
	if c.dead() {
		return
	}
	now := c.ls.now()
	cfg := &c.ls.e.cfg
	switch {
	case c.idle() && (now >= c.idleBy() || c.flags&cfDraining != 0 && now >= c.ls.drainBy):
		c.flags |= cfClosing | cfShutdown
		_ = c.lc.Close()
		return
	case c.cur != nil && c.cur.pipeSince != 0:
		// A streamed body waiting for its reader: no body timer runs.
	case c.cur != nil && now >= c.lastRead+cfg.BodyTimeout:
		c.failSlot(c.cur, errBodyTimeout)
	case c.cur != nil && c.slowBodyAt(c.cur) != 0 && now >= c.slowBodyAt(c.cur):
		c.failSlot(c.cur, errBodySlow)
	case c.headStart != 0 && now >= c.headStart+cfg.HeaderTimeout:
		c.headStart = 0
		c.failConn(errHeadTimeout)
	}
	for x := c.head; x != nil; x = x.next {
		if x.state == stPending && !x.dead && x != c.cur { // a streamed body's reader is timed by its body
			if d := x.handlerTimeout(cfg); d > 0 && now >= x.started+d {
				c.handlerTimeout(x)
				break
			}
		}
	}
	c.flush()
	c.update()
}

// handlerTimeout returns x's handler time limit: its plan's, else the
// configuration's (0 or less: none).
func (x *Exchange) handlerTimeout(cfg *Config) time.Duration {
	if x.plan.HandlerTimeout > 0 {
		return x.plan.HandlerTimeout
	}
	return cfg.HandlerTimeout
}

// handlerTimeout answers 503 in place of a handler that took too long and
// cancels its context; the handler's own answer, when it comes, is dropped
// and x is released then.
func (c *conn) handlerTimeout(x *Exchange) {
	x.mu.Lock()
	if x.sf&(sfFinished|sfStream) != 0 {
		x.mu.Unlock()
		return // finished or streaming; its kick is on the way
	}
	// Claimed before the context is cancelled, under the same lock: a
	// handler woken by the cancellation already sees its answer dropped.
	x.sf |= sfClaimed
	x.cancelContextLocked(ErrHandlerTimeout)
	x.mu.Unlock()
	c.failSlot(x, errHandlerTimeout)
}

// stamp returns now as a mark for a field where 0 means "not set": the
// loop's clock starts at 0.
func stamp(now time.Duration) time.Duration { return max(now, 1) }
