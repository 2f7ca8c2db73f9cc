package h1

import (
	"encoding/binary"
	"unsafe"

	"github.com/eddy-go/eddy/httpcodec"
)

var methodHead = "HEAD"

// hotBlock is the size of the two blocks putHead copies a cached head of
// hotBlock to 2*hotBlock bytes with (the usual head: status line, Server,
// Date, Content-Type and Content-Length lines, some 120 to 130 bytes).
const hotBlock = 80

// headBlock is hotBlock bytes as a struct, not an array: the compiler moves
// a struct through pointers with inline vector moves, an array (which may
// overlap itself) with a call to memmove.
type headBlock struct{ b [hotBlock]byte }

// sameString reports whether a and b hold the same bytes. The usual case,
// the same string at the same address (the Content-Type line of every Text
// response is one constant), is answered without comparing bytes; equal
// strings at two addresses are compared, so a caller that builds its lead
// anew each time still gets the right answer.
func sameString(a, b string) bool {
	return len(a) == len(b) && (len(a) == 0 || unsafe.StringData(a) == unsafe.StringData(b) || a == b)
}

// Respond finishes x with a whole response. header holds zero or more
// "Name: value\r\n" lines built by the application, never Content-Length,
// Transfer-Encoding, Date, Server or Connection: the engine writes those
// (for a 1xx status it writes no Connection field; a 101 carries the app's
// "Connection: Upgrade"). status, header and body are copied before it
// returns. A HEAD request gets no body but the Content-Length of body;
// 1xx, 204 and 304 get neither. A second finish is ignored.
//
// On the loop inside Route or Serve (not detached) the response goes
// straight into the loop's output buffer when no earlier response is
// pending: no lock, no extra copy. Elsewhere it is copied under x's mutex
// and the loop is woken. Callable from the goroutine running Serve, and
// after Detach from any goroutine.
func (x *Exchange) Respond(status int, header, body []byte) {
	x.RespondLead(status, "", header, body)
}

// RespondLead is Respond with lead, zero or more field lines (typically
// a constant Content-Type line), written before header: the caller need
// not copy a constant line into its header buffer first. It is copied
// with header.
func (x *Exchange) RespondLead(status int, lead string, header, body []byte) {
	if !x.loopOwned() {
		x.respondOff(status, lead, header, body)
		return
	}
	// On the loop inside Route or Serve (every on-loop handler's answer):
	// rendered here, not in a callee, which would pass the eight words of
	// arguments once more (about 20 instructions a response).
	// The flags in a local, stored once here and once below: each
	// read-modify-write of x.lf is a load and a store.
	lf := x.lf
	if lf&lfOwed == 0 || x.sf&(sfFinished|sfStream) != 0 {
		return
	}
	lf &^= lfOwed
	if lf&lfRouteClose != 0 {
		lf |= lfLast // answered in Route before its body arrived
	}
	x.lf = lf
	x.sf |= sfFinished // loop-owned: no other goroutine reads sf now
	c := x.c
	ls := c.ls
	if x.dead || x.sf&sfClaimed != 0 {
		return
	}
	// c.dead(), asking the *loop.Conn directly when ls knows it.
	if lc := ls.known(c); lc == nil || c.flags&cfClosed != 0 || lc.Closed() {
		if c.dead() {
			return
		}
	}
	if c.head == x {
		x.lf = lf | lfDirect // nothing above changed x.lf since
		ls.claim(c)
		mode := modeLength
		hot := status == 200 && len(header) == 0 && ls.hotClen >= 0 && sameString(lead, ls.hotLead) &&
			x.lf&lfLast == 0 && c.flags&cfEOF == 0 && x.req.Minor() != 0
		if hot {
			// The head is for the loop's second: known when it was found so
			// in this callback already (the second is read once per
			// callback), else asked (ls.current, out of line).
			if l := ls.loop; l == nil || l.Time() != ls.hotAt {
				hot = ls.hotCurrent()
			}
			if hot && int64(len(body)) != ls.hotClen {
				// The same head but for its length (an API whose bodies
				// vary): only the Content-Length line is written anew.
				ls.hotLength(len(body))
			}
		}
		if hot {
			// The same head as the last: one copy, and the body with it
			// when the buffer has room.
			if !x.isHead() && x.writeHot(c, ls, body) {
				return
			}
			ls.out = append(ls.out, ls.hot...)
		} else {
			var clen int64
			mode, clen = x.bodyMode(status, len(body))
			ls.out = c.appendHead(ls.out, x, status, lead, header, mode, clen)
		}
		if mode == modeLength && !x.isHead() {
			if len(body) >= directBody {
				x.state = stWritten
				c.writeOutWith(body)
				return
			}
			ls.out = append(ls.out, body...)
		}
		x.state = stWritten
		if len(ls.out) >= streamBuffer {
			c.writeOut() // a big batch goes out now rather than grow the buffer
		}
		return
	}
	x.recordLocked(status, lead, header, body)
	x.state = stReady
}

// hotLength makes the cached head ls.hot the one for a body of n bytes:
// its Content-Length line is replaced. Loop-only.
func (ls *loopState) hotLength(n int) {
	h := httpcodec.AppendContentLength(ls.hot[:ls.hotCL], int64(n))
	ls.hot = append(h, '\r', '\n')
	ls.hotClen = int64(n)
}

// writeHot writes x's whole response, the cached head ls.hot (for x's
// status, lead and body length, current: the caller checked) and body, at
// the end of the output buffer, which is c's, when it has room and body is
// not one to write on its own (directBody), and reports whether it did.
// One length and capacity test, one store of ls.out's length, the two
// copies. Loop-only.
//
// It is RespondLead's and respondPlain's write. RespondPlain's usual case
// has the same lines written out (a call there would spill its argument
// words: about ten instructions a response); the two share doneHot for
// x's flags and putHead and putBody for the bytes, so what either sets or
// writes is the other's too, and they differ only in where the values come
// from. A step added here is added there.
func (x *Exchange) writeHot(c *conn, ls *loopState, body []byte) bool {
	out, h := ls.out, ls.hot
	n, m := len(out), len(out)+len(h)+len(body)
	if m > cap(out) || len(body) >= directBody {
		return false
	}
	x.doneHot()
	ls.out = ls.out[:m] // a length store: no pointer, no write barrier
	out = out[:m]
	putHead(out, n, h)
	putBody(out, n+len(h), body)
	if m >= streamBuffer {
		c.writeOut() // a big batch goes out now rather than grow the buffer
	}
	return true
}

// doneHot marks x answered on the loop at the head of its FIFO, straight
// into the output buffer with the cached head (writeHot and RespondPlain's
// usual case): its flags as RespondLead leaves them then, and its state.
// Loop-only.
func (x *Exchange) doneHot() {
	x.lf = x.lf&^lfOwed | lfDirect
	x.sf |= sfFinished
	x.state = stWritten
}

// putHead writes the cached head h at out[n:], which has room for it
// (writeHot and RespondPlain write it, then the body with putBody).
func putHead(out []byte, n int, h []byte) {
	if l := len(h); l >= hotBlock && l <= 2*hotBlock && n+l <= len(out) {
		// Two fixed blocks, the head's first and last hotBlock bytes
		// (overlapping in the middle), moved inline: ten 16-byte loads and
		// stores instead of memmove's call (about 60 instructions for a
		// head of some 130 bytes).
		d, s := unsafe.Add(unsafe.Pointer(unsafe.SliceData(out)), n), unsafe.Pointer(unsafe.SliceData(h))
		*(*headBlock)(d) = *(*headBlock)(s)
		*(*headBlock)(unsafe.Add(d, l-hotBlock)) = *(*headBlock)(unsafe.Add(s, l-hotBlock))
		return
	}
	copy(out[n:], h)
}

// putBody writes body at out[k:], which has room for it.
func putBody(out []byte, k int, body []byte) {
	if b := len(body); b >= 8 && b <= 16 {
		// Two overlapping word moves instead of memmove's call (about 25
		// instructions) for a short body.
		binary.LittleEndian.PutUint64(out[k:], binary.LittleEndian.Uint64(body))
		binary.LittleEndian.PutUint64(out[k+b-8:], binary.LittleEndian.Uint64(body[b-8:]))
		return
	}
	copy(out[k:], body)
}

// RespondPlain is RespondLead(200, lead, nil, body), the usual answer of
// an on-loop handler, in fewer argument words: when the loop's cached head
// fits (the last plain response had the same lead, in this second, and
// nothing is special about x or its connection) it writes the
// head and body straight into the output buffer here, without
// RespondLead's spills; otherwise it is RespondLead. Callable where
// RespondLead is.
//
// Its usual case (the same lead string and body length as the cached
// head's, the output buffer free or c's) calls nothing that returns here
// but hotCurrent (once a callback), so no argument is spilled on the way;
// every other case is respondPlain's.
func (x *Exchange) RespondPlain(lead string, body []byte) {
	if x.loopOwned() && x.lf&(lfOwed|lfRouteClose|lfLast) == lfOwed &&
		x.sf&(sfFinished|sfStream|sfClaimed) == 0 && !x.dead {
		c, ls := x.c, x.ls
		if lc := ls.known(c); lc != nil && c.flags&(cfClosed|cfEOF) == 0 && !lc.Closed() && c.head == x &&
			ls.hotClen == int64(len(body)) && len(lead) == len(ls.hotLead) &&
			(len(lead) == 0 || unsafe.StringData(lead) == unsafe.StringData(ls.hotLead)) &&
			x.req.Minor() != 0 && !x.isHead() {
			if l, oc := ls.loop, ls.outConn; l != nil && (l.Time() == ls.hotAt || ls.hotCurrent()) && (oc == c || oc == nil || len(ls.out) == 0) {
				ls.outConn = c // claim's work: no other connection's output waits
				out, h := ls.out, ls.hot
				if n, m := len(out), len(out)+len(h)+len(body); m <= cap(out) && len(body) < directBody {
					// writeHot, written out (see there): its lines, in its
					// order.
					x.doneHot()
					ls.out = ls.out[:m] // a length store: no pointer, no write barrier
					out = out[:m]
					putHead(out, n, h)
					putBody(out, n+len(h), body)
					if m >= streamBuffer {
						c.writeOut() // a big batch goes out now rather than grow the buffer
					}
					return
				}
			}
		}
	}
	x.respondPlain(lead, body)
}

// respondPlain is RespondPlain where its call-free case does not apply:
// the cached head is also used when its lead is an equal string elsewhere
// or it must be rewritten for the body's length, and another connection's
// output goes out first.
func (x *Exchange) respondPlain(lead string, body []byte) {
	if x.loopOwned() && x.lf&(lfOwed|lfRouteClose|lfLast) == lfOwed &&
		x.sf&(sfFinished|sfStream|sfClaimed) == 0 && !x.dead {
		c, ls := x.c, x.ls
		if lc := ls.known(c); lc != nil && c.flags&(cfClosed|cfEOF) == 0 && !lc.Closed() && c.head == x &&
			ls.hotClen >= 0 && sameString(lead, ls.hotLead) && x.req.Minor() != 0 && !x.isHead() {
			// The head is for the loop's second (see RespondLead).
			if l := ls.loop; l != nil && (l.Time() == ls.hotAt || ls.hotCurrent()) {
				if int64(len(body)) != ls.hotClen {
					ls.hotLength(len(body)) // see RespondLead
				}
				ls.claim(c)
				if x.writeHot(c, ls, body) {
					return
				}
			}
		}
	}
	x.RespondLead(200, lead, nil, body)
}

// respondOff is RespondLead off the loop (a pool handler, a detached
// exchange): the response is recorded under x's mutex and the loop is
// woken to write it.
func (x *Exchange) respondOff(status int, lead string, header, body []byte) {
	x.mu.Lock()
	if x.sf&(sfFinished|sfStream) != 0 {
		x.mu.Unlock()
		return
	}
	x.sf |= sfFinished
	if x.sf&sfClaimed == 0 && !x.dead {
		x.recordLocked(status, lead, header, body)
	}
	post := !x.inJob && x.kicks == 0
	if post {
		x.kicks++
	}
	x.mu.Unlock()
	if post {
		x.post()
	}
}

// CloseAfter makes x's response the connection's last, as an error
// response is: the response carries "Connection: close", nothing more is
// parsed, requests already parsed behind x are dropped (their responses
// are never sent; their handlers, if running, see Context cancelled with
// ErrConnClosed), and the connection half-closes once x's response is
// flushed. Call it before finishing x (Respond, StreamStart), so the
// Connection field makes it into the head; called after the head went out
// it still ends the connection after x, without the field. A second call
// does nothing; so does a call for a connection that is already gone or
// hijacked.
//
// On the loop inside Route or Serve it takes effect at once; elsewhere it
// is recorded under x's mutex and the loop is woken to apply it. Callable
// from the goroutine running Serve, and after Detach from any goroutine,
// until x is finished (in the pool: until Serve returns).
func (x *Exchange) CloseAfter() {
	if x.loopOwned() {
		x.c.closeAfter(x)
		return
	}
	x.mu.Lock()
	if x.sf&sfCloseAfter != 0 || x.dead {
		x.mu.Unlock()
		return
	}
	x.sf |= sfCloseAfter
	post := x.kicks == 0 && (!x.inJob || x.sf&sfFinished == 0)
	if post {
		x.kicks++
	}
	x.mu.Unlock()
	if post {
		x.post()
	}
}

// closeAfter applies CloseAfter for x on the loop: x's response becomes the
// last, and every slot behind it is cancelled. When x is already written
// and out of the FIFO, every slot left is behind it. Idempotent. Loop-only.
func (c *conn) closeAfter(x *Exchange) {
	if x.lf&lfLast != 0 || x.dead || c.flags&cfHijacked != 0 || c.dead() {
		return
	}
	x.lf |= lfLast
	c.flags |= cfClosing
	if x.lf&lfQueued != 0 {
		c.cancelFrom(x.next, ErrConnClosed)
	} else {
		c.cancelFrom(c.head, ErrConnClosed)
	}
}

// recordLocked copies a whole response into x.out, to be rendered on the
// loop when its turn comes. Call with x.mu held (or on the loop for a
// loop-owned exchange).
func (x *Exchange) recordLocked(status int, lead string, header, body []byte) {
	x.status = status
	x.out = append(append(x.out[:0], lead...), header...)
	x.hlen = len(lead) + len(header)
	x.sf |= sfHeadPending
	x.mode, x.clen = x.bodyMode(status, len(body))
	if x.mode == modeLength && !x.isHead() {
		x.out = append(x.out, body...)
	}
}

// bodyMode returns how a whole response of n body bytes is delimited.
func (x *Exchange) bodyMode(status, n int) (bodyMode, int64) {
	if noBody(status) {
		return modeNone, 0
	}
	return modeLength, int64(n)
}

// noBody reports the statuses that never carry a body (RFC 9110 6.4.1).
func noBody(status int) bool {
	return status < 200 || status == 204 || status == 304
}

// isHead reports a HEAD request. Safe wherever x may be used.
func (x *Exchange) isHead() bool { return x.headReq }
