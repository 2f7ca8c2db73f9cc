package h1

import (
	"time"

	"github.com/eddy-go/eddy/httpcodec"
)

// The connection's output path: responses are rendered, in request order,
// into the loop's output buffer (claim, take, appendHead) and handed to
// the connection in one write per batch (flush, writeOut, writeOutWith);
// the connection ends, or is handed over, after its last response
// (finish). Everything here is Loop-only.

var (
	continueLine   = []byte("HTTP/1.1 100 Continue\r\n\r\n")
	hdrChunked     = "Transfer-Encoding: chunked\r\n"
	hdrClose       = "Connection: close\r\n"
	hdrKeepAlive   = "Connection: keep-alive\r\n"
	hdrTextPlain   = []byte("Content-Type: text/plain; charset=utf-8\r\n")
	crlf           = "\r\n"
	errorBodyColon = ": "
)

// appendHead renders a response head: status line, Server, Date, the
// application's lines (lead, then header), framing, Connection, blank
// line. Loop-only (Date).
func (c *conn) appendHead(dst []byte, x *Exchange, status int, lead string, header []byte, mode bodyMode, clen int64) []byte {
	ls := c.ls
	if !ls.current() {
		ls.rebuildPrefix(ls.sec)
	}
	start := len(dst)
	pre := ls.pre
	if status == 200 {
		dst = append(dst, pre...)
	} else {
		dst = httpcodec.AppendStatusLine(dst, status)
		dst = append(dst, pre[len(statusLine200):]...)
	}
	if lead != "" {
		dst = append(dst, lead...)
	}
	if len(header) > 0 {
		dst = append(dst, header...)
	}
	framing := len(dst) // where the Content-Length line starts (RespondLead's hot head)
	switch mode {
	case modeLength:
		dst = httpcodec.AppendContentLength(dst, clen)
	case modeChunked:
		dst = append(dst, hdrChunked...)
	}
	if status >= 200 {
		switch {
		case x.lf&lfLast != 0 || mode == modeClose || c.flags&cfEOF != 0:
			dst = append(dst, hdrClose...)
		case x.req.Minor() == 0:
			dst = append(dst, hdrKeepAlive...)
		default:
			if status == 200 && len(header) == 0 && mode == modeLength {
				// A plain head: kept whole for the next one like it.
				dst = append(dst, '\r', '\n')
				ls.hot = append(ls.hot[:0], dst[start:]...)
				ls.hotLead, ls.hotClen, ls.hotCL = lead, clen, framing-start
				return dst
			}
		}
	}
	return append(dst, '\r', '\n') // two byte stores; a string append calls memmove
}

// statusLine200 starts every loop's cached response prefix.
const statusLine200 = "HTTP/1.1 200 OK\r\n"

// rebuildPrefix builds the loop's cached start of a 200 response head,
// ls.pre: "HTTP/1.1 200 OK", Server and Date lines for the wall-clock second
// sec. appendHead calls it only when the second changes (the Date value,
// RFC 9110 IMF-fixdate, has one-second resolution), so that a response
// costs one copy instead of three appends, a date format and a status
// lookup; without the status line the prefix serves every other status.
// Loop-only; ls.pre is valid until the next call.
func (ls *loopState) rebuildPrefix(sec int64) {
	ls.preSec = sec
	ls.hotClen = -1 // its Date is stale
	pre := append(ls.pre[:0], statusLine200...)
	if s := ls.e.cfg.ServerName; s != "" {
		pre = httpcodec.AppendHeader(pre, "Server", s)
	}
	pre = append(pre, "Date: "...)
	pre = httpcodec.AppendHTTPDate(pre, time.Unix(sec, 0))
	ls.pre = append(pre, crlf...)
}

// appendFailure renders the engine's own answer e for x: the handler's
// rendering when it is a Failer and gives one, else appendError's text.
// Connection: close either way. Loop-only.
func (c *conn) appendFailure(dst []byte, x *Exchange, e *httpcodec.Error) []byte {
	if f, ok := c.ls.e.h.(Failer); ok {
		if status, header, body, ok := f.Fail(x, e); ok {
			mode, clen := x.bodyMode(status, len(body))
			dst = c.appendHead(dst, x, status, "", header, mode, clen)
			if mode == modeLength && !x.isHead() {
				dst = append(dst, body...)
			}
			return dst
		}
	}
	return c.appendError(dst, x, e)
}

// appendError renders the engine's own answer e: a short text body and
// Connection: close. Loop-only.
func (c *conn) appendError(dst []byte, x *Exchange, e *httpcodec.Error) []byte {
	text := httpcodec.StatusText(e.Status)
	n := len(text) + len(errorBodyColon) + len(e.Reason) + 1
	dst = c.appendHead(dst, x, e.Status, "", hdrTextPlain, modeLength, int64(n))
	if x.isHead() {
		return dst
	}
	dst = append(dst, text...)
	dst = append(dst, errorBodyColon...)
	dst = append(dst, e.Reason...)
	return append(dst, '\n')
}

// claim makes the loop's output buffer c's, writing out another
// connection's bytes first.
func (ls *loopState) claim(c *conn) {
	if ls.outConn != c {
		if ls.outConn != nil && len(ls.out) > 0 {
			ls.outConn.writeOut()
		}
		ls.outConn = c
	}
}

// flush moves every finished response from the head of the FIFO into the
// loop's output buffer, in order, then writes it in one Conn.Write (inside
// DataReceived the write waits for the end of the batch, unless the buffer
// grew large). It also ends, or hands over, the connection when its last
// response is out. Loop-only.
func (c *conn) flush() {
	assertLoop(c.ls, "h1: conn.flush")
	if c.flags&cfHijacked != 0 || c.dead() {
		return
	}
	ls := c.ls
	for x := c.head; x != nil; x = c.head {
		if x.dead {
			c.pop(x)
			continue
		}
		switch x.state {
		case stReady, stStreaming:
			c.take(x)
			if x.state == stStreaming {
				break
			}
			c.pop(x)
			continue
		case stWritten:
			c.pop(x)
			continue
		case stReading, stPending:
			if x.lf&lfWantContinue != 0 {
				x.lf &^= lfWantContinue
				ls.claim(c)
				ls.out = append(ls.out, continueLine...)
			}
		}
		break
	}
	if c.flags&cfInData == 0 || len(ls.out) >= streamBuffer {
		c.writeOut()
	}
	if c.flags&cfInData == 0 && c.head == nil && (c.hijack != nil || c.flags&cfClosing != 0) {
		c.finish() // tested here, not in finish: a keep-alive batch makes no call
	}
}

// take renders what x has recorded into the loop's output buffer and
// marks x written once its response is complete.
func (c *conn) take(x *Exchange) {
	ls := c.ls
	ls.claim(c)
	if x.engErr != nil {
		ls.out = c.appendFailure(ls.out, x, x.engErr)
		x.state = stWritten
		return
	}
	x.mu.Lock()
	var big []byte // a whole response's large body: written from x.out, not copied to ls.out
	if x.sf&sfHeadPending != 0 {
		if x.mode == modeClose {
			x.lf |= lfLast
			c.flags |= cfClosing
			c.cancelFrom(x.next, ErrConnClosed)
		}
		ls.out = c.appendHead(ls.out, x, x.status, "", x.out[:x.hlen], x.mode, x.clen)
		if b := x.out[x.hlen:]; len(b) >= directBody && x.sf&(sfFinished|sfStream) == sfFinished {
			// Finished: no goroutine touches x.out again until x is recycled.
			big = b
		} else {
			ls.out = append(ls.out, b...)
		}
		x.sf &^= sfHeadPending
	} else {
		ls.out = append(ls.out, x.out...)
	}
	x.out = x.out[:0]
	x.hlen = 0
	if c.flags&cfWritePaused != 0 {
		x.sf |= sfFlowPaused
	} else {
		x.sf &^= sfFlowPaused
	}
	if x.sf&sfFinished != 0 {
		x.state = stWritten
	}
	if x.cond != nil {
		x.cond.Broadcast()
	}
	x.mu.Unlock()
	if big != nil {
		c.writeOutWith(big)
	}
}

// writeOutWith hands the loop's output buffer and then body to c in one
// writev, now: a large body is not copied into the output buffer first
// (which the connection would copy again); only what the kernel does not
// take at once is copied, once, into the connection's queue. Loop-only.
func (c *conn) writeOutWith(body []byte) {
	ls := c.ls
	bufs := [2][]byte{ls.out, body}
	ls.out = ls.out[:0]
	ls.outConn = nil
	if !c.dead() {
		// A failed write closes the connection; ConnectionLost follows.
		_ = c.lc.Writev(bufs[:])
	}
	if cap(ls.out) > maxKeptOutput {
		ls.out = nil
	}
}

// writeOut hands the loop's output buffer to c in one write.
func (c *conn) writeOut() {
	ls := c.ls
	if ls.outConn != c || len(ls.out) == 0 {
		return
	}
	buf := ls.out
	ls.out = ls.out[:0]
	ls.outConn = nil
	if !c.dead() {
		// A failed write closes the connection; ConnectionLost follows.
		_ = c.lc.Write(buf)
	}
	if cap(ls.out) > maxKeptOutput {
		ls.out = nil
	}
}

// finish ends or hands over the connection once every response is out.
func (c *conn) finish() {
	switch {
	case c.hijack != nil && c.flags&cfUpgrade == 0:
		c.switchProtocol()
	case c.flags&cfClosing != 0 && c.cur == nil:
		c.flags &^= cfUpgrade
		if c.flags&cfShutdown == 0 {
			c.flags |= cfShutdown
			_ = c.lc.Shutdown()
		}
	}
}
