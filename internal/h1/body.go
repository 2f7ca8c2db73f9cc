package h1

import (
	"time"
)

// bodyChunk is the smallest buffer a body that is still arriving gets: its
// buffer then doubles as bytes arrive, up to the size the body announced,
// so a head that promises 4 MiB and sends 100 bytes costs about this much,
// not 4 MiB.
const bodyChunk = 4 << 10

// readBody moves body bytes of x from in into x.buf: a Content-Length body
// byte for byte, a chunked one through x's ChunkedDecoder. It returns the
// bytes of in consumed and whether the body is complete. Framing errors, a
// body over the Plan's limit and a body over the loop's budget fail x (and
// the connection). Loop-only.
func (c *conn) readBody(x *Exchange, in []byte, now time.Duration) (consumed int, done bool) {
	head := x.req.HeadLen()
	if cl := x.req.ContentLength(); !x.req.Chunked() {
		need := cl - x.got
		take := int64(len(in))
		if take > need {
			take = need
		}
		if take > 0 {
			if !c.growBody(x, int(take), head+int(cl)) {
				return len(in), false
			}
			x.buf = append(x.buf, in[:take]...)
			x.got += take
			c.lastRead = now
			if x.bodyAt == 0 {
				x.bodyAt = stamp(now)
			}
		}
		if x.got < cl {
			return int(take), false
		}
		x.unhold()
		x.body = x.buf[head : head+int(cl) : head+int(cl)]
		return int(take), true
	}
	max64 := x.plan.MaxBody
	if max64 <= 0 {
		max64 = c.ls.e.cfg.MaxBody
	}
	for consumed < len(in) {
		data, n, err := x.cd.Decode(in[consumed:])
		if err != nil {
			c.failSlot(x, codecError(err))
			return len(in), false
		}
		if int64(len(x.buf)-head+len(data)) > max64 {
			c.failSlot(x, errBodyTooLarge)
			return len(in), false
		}
		if len(data) > 0 && !c.growBody(x, len(data), head+int(max64)) {
			return len(in), false
		}
		x.buf = append(x.buf, data...)
		consumed += n
		if n > 0 {
			c.lastRead = now
			x.got += int64(n)
			if x.bodyAt == 0 {
				x.bodyAt = stamp(now)
			}
		}
		if x.cd.Done() {
			x.unhold()
			x.body = x.buf[head:len(x.buf):len(x.buf)]
			return consumed, true
		}
		if n == 0 {
			break
		}
	}
	return consumed, false
}

// growBody makes room in x.buf for n more bytes of a body that is still
// arriving. The buffer doubles (at least bodyChunk, at most limit, the
// head plus the most the body may hold), so memory follows the bytes that
// arrived, not the size announced. The capacity is charged to the loop's
// body budget; a growth past Config.BodyBudget fails x with 503, unless x
// is the only body arriving on the loop. It reports whether x.buf has
// room. Loop-only.
func (c *conn) growBody(x *Exchange, n, limit int) bool {
	need := len(x.buf) + n
	if need <= cap(x.buf) {
		return true
	}
	size := min(max(2*cap(x.buf), need, len(x.buf)+bodyChunk), limit)
	size = max(size, need)
	ls := c.ls
	delta := int64(size) - x.held
	if b := ls.e.cfg.BodyBudget; b > 0 && ls.bodyBytes > x.held && ls.bodyBytes+delta > b {
		c.failSlot(x, errBodyBudget)
		return false
	}
	grown := make([]byte, len(x.buf), size)
	copy(grown, x.buf)
	x.buf = grown
	// The only place x.buf moves while the body arrives (appends stay
	// within the capacity made here): the request follows it, and lets the
	// old buffer go now.
	x.req.Rebase(x.buf[:x.req.HeadLen()])
	ls.bodyBytes += delta
	x.held = int64(size)
	return true
}

// unhold gives the budget x's body buffer was charged back to its loop:
// the body is complete (it is the handler's now) or x is recycled.
// Loop-only.
func (x *Exchange) unhold() {
	if x.held != 0 {
		x.ls.bodyBytes -= x.held
		x.held = 0
	}
}
