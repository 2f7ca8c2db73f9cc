package h1

import (
	"errors"

	"github.com/eddy-go/eddy/loop"
)

// ErrNilProtocol: Hijack was given a nil Protocol.
var ErrNilProtocol = errors.New("h1: hijack with a nil protocol")

// Hijack hands the connection to p after x's response: the engine writes
// the response bytes already given (Respond(101, ...) or StreamStart(101,
// ...) before Hijack), then calls p.ConnectionMade and hands every later
// inbound byte, including bytes that already arrived after the request, to
// p.DataReceived; flow control, timeouts, drain and ConnectionLost go to p
// too (WriteFlow, Timeouter, Drainer when p implements them). Hijack
// finishes x if it was not finished. Requests pipelined after x are
// dropped. A connection that ends before the hand-over (the responses
// before x's are still under way when the client resets it) never reaches
// p: then abandoned, when not nil, is called once on the loop instead of
// p.ConnectionMade, so whatever p counted from the upgrade can be undone
// (p.ConnectionLost is not called either). Loop-only: call it inside an
// on-loop Serve, or on the loop after Detach.
func (x *Exchange) Hijack(p loop.Protocol, abandoned func()) error {
	if p == nil {
		return ErrNilProtocol
	}
	if x.plan.InPool {
		return ErrNotOnLoop
	}
	assertLoop(x.ls, "h1: Exchange.Hijack")
	c := x.c
	if c.hijack != nil {
		return ErrFinished
	}
	if x.dead || c.dead() {
		return ErrConnClosed
	}
	c.hijack = &hijacker{p: p, abandoned: abandoned}
	x.lf |= lfHijack
	c.flags |= cfUpgrade
	c.cancelFrom(x.next, ErrConnClosed)
	x.mu.Lock()
	x.sf |= sfFinished
	x.mu.Unlock()
	x.syncState()
	if x.state == stPending || x.state == stReading {
		x.state = stReady // nothing was given: nothing to write
	}
	c.flush()
	return nil
}

// switchProtocol makes the hijacking protocol the connection's: called once
// every response up to the upgrade is written. On a loop.Conn the engine
// steps aside (loop.Conn.SetProtocol): every later event goes to the new
// protocol directly and c, with nothing left to do, goes to the GC; an
// upgraded connection (a WebSocket) does not carry it. Under the
// socketless tests' fake, c forwards every event (the hijacked branches of
// its methods), which is what the loop does on its own otherwise.
func (c *conn) switchProtocol() {
	c.flags |= cfHijacked
	c.flags &^= cfClosing | cfUpgrade
	c.lc.SetDeadline(0)
	lc, _ := c.lc.(*loop.Conn) // nil under the socketless tests' fake
	if lc != nil {
		lc.SetProtocol(c.hijack.p)
	}
	c.hijack.p.ConnectionMade(lc)
	if c.flags&cfReadPaused != 0 && !c.lc.Closed() {
		c.flags &^= cfReadPaused
		c.lc.ResumeReading() // re-offers the bytes that came after the upgrade request
	}
}
