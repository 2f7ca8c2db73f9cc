package h1

import (
	"time"

	"github.com/eddy-go/eddy/loop"
)

// arm sets the connection's one deadline to the earliest of: the head
// timeout of a partial head (from its first byte), the body inactivity
// timeout, the keep-alive idle timeout (or the drain grace of an idle
// connection while the server drains), the handler timeout of the oldest
// pending request. It is a field write in the loop (Conn.SetDeadline).
func (c *conn) arm() {
	cfg := &c.ls.e.cfg
	var at time.Duration
	earliest := func(t time.Duration) {
		if at == 0 || t < at {
			at = t
		}
	}
	if c.headStart != 0 {
		earliest(c.headStart + cfg.HeaderTimeout)
	}
	if c.cur != nil {
		earliest(c.lastRead + cfg.BodyTimeout)
	}
	if c.idle() {
		earliest(c.lastRead + cfg.IdleTimeout)
		if c.flags&cfDraining != 0 {
			earliest(c.drainBy)
		}
	}
	if cfg.HandlerTimeout > 0 {
		for x := c.head; x != nil; x = x.next {
			if x.state == stPending {
				earliest(x.started + cfg.HandlerTimeout)
				break
			}
		}
	}
	c.lc.SetDeadline(at)
}

// idle reports a keep-alive connection with nothing in flight.
func (c *conn) idle() bool {
	return c.head == nil && c.cur == nil && c.headStart == 0 && c.flags&cfClosing == 0
}

// Timeout is loop.Timeouter: the deadline set by arm passed. Whatever is
// overdue is answered (408 for a head or a body, 503 for a handler) and
// the connection ends after it; an idle connection (past its idle timeout,
// or its drain grace) is closed silently.
func (c *conn) Timeout(lc *loop.Conn) {
	if c.flags&cfHijacked != 0 {
		if t, ok := c.hijack.p.(loop.Timeouter); ok {
			t.Timeout(lc)
		} else {
			lc.Abort()
		}
		return
	}
	if c.dead() {
		return
	}
	now := c.ls.l.Time()
	cfg := &c.ls.e.cfg
	switch {
	case c.idle() && (now >= c.lastRead+cfg.IdleTimeout || c.flags&cfDraining != 0 && now >= c.drainBy):
		c.flags |= cfClosing | cfShutdown
		_ = lc.Close()
		return
	case c.cur != nil && now >= c.lastRead+cfg.BodyTimeout:
		c.failSlot(c.cur, errBodyTimeout)
	case c.headStart != 0 && now >= c.headStart+cfg.HeaderTimeout:
		c.headStart = 0
		c.failConn(errHeadTimeout)
	}
	if cfg.HandlerTimeout > 0 {
		for x := c.head; x != nil; x = x.next {
			if x.state == stPending && now >= x.started+cfg.HandlerTimeout {
				c.handlerTimeout(x)
				break
			}
		}
	}
	c.flush()
	c.update()
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
