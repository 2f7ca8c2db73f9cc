package h1

import (
	"time"
)

// readBody moves body bytes of x from in into x.buf: a Content-Length body
// byte for byte, a chunked one through x's ChunkedDecoder. It returns the
// bytes of in consumed and whether the body is complete. Framing errors and
// a body over the Plan's limit fail x (and the connection). Loop-only.
func (c *conn) readBody(x *Exchange, in []byte, now time.Duration) (consumed int, done bool) {
	head := x.req.HeadLen()
	if cl := x.req.ContentLength(); !x.req.Chunked() {
		need := cl - x.got
		take := int64(len(in))
		if take > need {
			take = need
		}
		if take > 0 {
			x.buf = append(x.buf, in[:take]...)
			x.got += take
			c.lastRead = now
		}
		if x.got < cl {
			return int(take), false
		}
		x.req.Rebase(x.buf[:head]) // append may have moved the buffer
		x.body = x.buf[head : head+int(cl) : head+int(cl)]
		return int(take), true
	}
	max := x.plan.MaxBody
	if max <= 0 {
		max = c.ls.e.cfg.MaxBody
	}
	for consumed < len(in) {
		data, n, err := x.cd.Decode(in[consumed:])
		if err != nil {
			c.failSlot(x, codecError(err))
			return len(in), false
		}
		if int64(len(x.buf)-head+len(data)) > max {
			c.failSlot(x, errBodyTooLarge)
			return len(in), false
		}
		x.buf = append(x.buf, data...)
		consumed += n
		if n > 0 {
			c.lastRead = now
		}
		if x.cd.Done() {
			x.req.Rebase(x.buf[:head])
			x.body = x.buf[head:len(x.buf):len(x.buf)]
			return consumed, true
		}
		if n == 0 {
			break
		}
	}
	return consumed, false
}
