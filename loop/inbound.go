package loop

import "syscall"

// This file holds what a protocol may tell the loop about its input beyond "consumed n":
// the size it waits for (a receive hint) and a connection's own inbound limit. Both are
// rare, so they live in an inState the loop maps the connection to (Loop.ins), which
// keeps Conn in the 64-byte size class; a connection without them pays one flag test per
// arrival.

// inState is a connection's receive hint and inbound limit (fInState).
type inState struct {
	hint  int // offer again once this many unconsumed bytes are buffered; 0 = none
	maxIn int // the connection's inbound limit; 0 = Config.MaxInbound
}

// SetReceiveHint tells the loop that DataReceived cannot make progress until n unconsumed
// bytes are buffered (a length-prefixed message, a value of known size): arrivals are
// then only counted, not offered. Without it a protocol that returns 0 until a large
// message is whole is offered the whole buffer on every arrival, and gnet copies
// everything buffered into one contiguous slice each time, which costs O(size^2/read)
// for a message arriving in pieces; with it the bytes are made contiguous once. The
// hint holds until the next DataReceived call (a call is made once n bytes are
// buffered, after ResumeReading if paused, and at the peer's EOF whatever is buffered);
// n <= 0 clears it. A hint above the connection's inbound limit cannot be met: the
// connection is aborted with ErrInboundOverflow once the limit is passed. Loop-only.
func (c *Conn) SetReceiveHint(n int) {
	c.loop.own.check("Conn.SetReceiveHint")
	if c.flags&fClosed != 0 {
		return
	}
	if n <= 0 {
		if c.flags&fInState != 0 {
			c.ins().hint = 0
		}
		return
	}
	c.takeIn().hint = n
}

// ReadDirect reads what the socket holds now, without blocking, straight into p: the
// bytes skip the loop's inbound buffer (one copy fewer, and fewer DataReceived calls,
// for a large message the protocol receives into its own buffer). It may be called only
// inside DataReceived, by a protocol that consumes all of data in that call: the bytes
// read follow data, so DataReceived must return len(data) (any other count aborts the
// connection with ErrBadConsumed). It returns how many bytes it read: 0 when none
// are there, when the connection is closing or outside gnet, or at the peer's EOF or an
// error (reading goes on as usual: the next arrival reports them). Loop-only.
func (c *Conn) ReadDirect(p []byte) int {
	c.loop.own.check("Conn.ReadDirect")
	if len(p) == 0 || c.flags&(fClosed|fClosing|fShutdown|fDetached|fCarry) != 0 || c.loop.running != c {
		return 0
	}
	n, err := syscall.Read(c.gc.Fd(), p)
	if err != nil || n <= 0 {
		return 0
	}
	c.loop.direct = c
	c.loop.stats.bytesIn.Add(int64(n))
	return n
}

// ReceiveHint is the hint set by SetReceiveHint and not yet met (0 = none). Loop-only.
func (c *Conn) ReceiveHint() int { return c.hint() }

// SetMaxInbound sets this connection's limit on unconsumed inbound bytes (while its
// protocol waits for more, or while reading is paused), in place of Config.MaxInbound:
// past it the connection is aborted with ErrInboundOverflow. A protocol raises it for a
// connection that is allowed large messages and lowers it for one that is not; n <= 0
// restores Config.MaxInbound. At most 1 GiB (larger values are lowered to it). The limit
// is checked when bytes arrive and after each offer, so up to one read of gnet's (64 KiB
// by default, Config.ReadBufferSize) may pass it before the abort. Loop-only.
func (c *Conn) SetMaxInbound(n int) {
	c.loop.own.check("Conn.SetMaxInbound")
	if c.flags&fClosed != 0 {
		return
	}
	if n <= 0 {
		if c.flags&fInState != 0 {
			c.ins().maxIn = 0
		}
		return
	}
	c.takeIn().maxIn = min(n, maxMaxInbound)
}

// MaxInbound is the connection's inbound limit: SetMaxInbound's, else Config.MaxInbound.
// Loop-only.
func (c *Conn) MaxInbound() int { return c.maxInbound() }

func (c *Conn) ins() *inState { return c.loop.ins[c] }

func (c *Conn) takeIn() *inState {
	l := c.loop
	if c.flags&fInState != 0 {
		return l.ins[c]
	}
	if l.ins == nil {
		l.ins = make(map[*Conn]*inState)
	}
	x := new(inState)
	l.ins[c] = x
	c.flags |= fInState
	return x
}

func (c *Conn) releaseIn() {
	if c.flags&fInState != 0 {
		delete(c.loop.ins, c)
		c.flags &^= fInState
	}
}

// hint is the receive hint not yet met; 0 = none.
func (c *Conn) hint() int {
	if c.flags&fInState == 0 {
		return 0
	}
	return c.ins().hint
}

// hintMet reports whether buffered bytes may be offered under the receive hint (which it
// clears when they may): enough are buffered, or the peer's EOF came and nothing more
// will. Called with fInState set.
func (c *Conn) hintMet(buffered int) bool {
	x := c.ins()
	if x.hint > 0 && buffered < x.hint && !c.eofSeen() {
		return false
	}
	x.hint = 0
	return true
}

func (c *Conn) maxInbound() int {
	if c.flags&fInState != 0 {
		if m := c.ins().maxIn; m > 0 {
			return m
		}
	}
	return c.loop.srv.cfg.MaxInbound
}
