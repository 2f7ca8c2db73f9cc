package h1

import "github.com/eddy-go/eddy/loop"

// Drain is loop.Drainer: the server is shutting down. An idle connection
// closes now. A busy one parses nothing more after the request it is
// reading, answers the requests in flight (the last with "Connection:
// close") and closes after them.
func (c *conn) Drain(lc *loop.Conn) {
	if c.flags&cfHijacked != 0 {
		if d, ok := c.hijack.(loop.Drainer); ok {
			d.Drain(lc)
		} else {
			_ = lc.Close()
		}
		return
	}
	c.flags |= cfDraining
	if c.dead() {
		return
	}
	if c.idle() {
		c.flags |= cfClosing | cfShutdown
		_ = lc.Close()
		return
	}
	if t := c.tail; t != nil && c.flags&cfUpgrade == 0 {
		t.lf |= lfLast
		c.flags |= cfClosing
	}
	c.flush()
	c.update()
}
