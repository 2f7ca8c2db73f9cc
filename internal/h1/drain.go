package h1

import "github.com/eddy-go/eddy/loop"

// Drain is loop.Drainer: the server is shutting down. An idle connection
// gets Config.DrainIdleGrace: a request that arrives within it (one the
// client sent before it could know) is answered with "Connection: close"
// and the connection closes after it; otherwise it closes when the grace
// passes (Timeout). Closing an idle connection at once would lose such a
// request: the client wrote it, and gets neither a response nor a refused
// connect. A busy connection parses nothing more after the request it is
// reading, answers the requests in flight (the last with "Connection:
// close") and closes after them.
func (c *conn) Drain(lc *loop.Conn) {
	if c.flags&cfHijacked != 0 {
		if d, ok := c.hijack.p.(loop.Drainer); ok {
			d.Drain(lc)
		} else {
			_ = c.lc.Close()
		}
		return
	}
	c.flags |= cfDraining
	if c.dead() {
		return
	}
	if c.idle() {
		if g := c.ls.e.cfg.DrainIdleGrace; g > 0 {
			if c.ls.drainBy == 0 {
				c.ls.drainBy = c.ls.l.Time() + g // the server drains every connection at once
			}
			c.arm()
			return
		}
		c.flags |= cfClosing | cfShutdown
		_ = c.lc.Close()
		return
	}
	if t := c.tail; t != nil && c.flags&cfUpgrade == 0 {
		t.lf |= lfLast
		c.flags |= cfClosing
	}
	c.flush()
	c.update()
}
