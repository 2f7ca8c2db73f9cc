package client

import (
	"errors"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/eddy-go/eddy/httpcodec"
	"github.com/eddy-go/eddy/loop"
)

// pconn is one pooled connection: the loop.Protocol that writes requests and
// parses responses on its loop. Every field is loop-owned except made.
type pconn struct {
	c  *loop.Conn
	lp *loopPool
	hp *hostPool

	ex        *exchange // the exchange being served; nil while idle or dialing
	idleSince time.Duration
	dead      bool        // closing or closed: never reused
	made      atomic.Bool // ConnectionMade ran (read by the dialing goroutine)

	parser httpcodec.ResponseParser
	head   httpcodec.Response
	chunk  httpcodec.ChunkedDecoder
	phase  uint8
	mode   httpcodec.BodyMode
	remain int64 // BodyLength: bytes still to come
	keep   bool  // the connection may serve another request after this one

	headerAt, gapAt time.Duration // deadlines on the loop's Time scale; 0 = none
	totalAt         time.Duration // the call's Timeout.Total, while this connection carries it

	jarHold  bool  // reading paused while the jar stores the head's cookies
	pump     *pump // streams the request body, while it runs
	pumpWait bool  // the pump waits for the output to drain (ResumeWriting acks)
	pumpDone bool  // the request body is all written
	wpaused  bool  // the output passed the loop's high water mark

	// A view's head, copied when its body does not arrive with it, and the
	// buffer that collects such bodies, kept for the next view.
	vhead, vbody []byte
}

// maxRoomWithHead bounds the buffered body that shares the allocation of the
// head's values (a larger one is allocated on its own as it arrives).
const maxRoomWithHead = 64 << 10

const (
	phHead uint8 = iota // awaiting the response head
	phBody              // reading the body
	phDone              // the response is complete
)

var (
	_ loop.Protocol  = (*pconn)(nil)
	_ loop.Timeouter = (*pconn)(nil)
	_ loop.WriteFlow = (*pconn)(nil)
)

// ConnectionMade records the connection on its loop's pool.
func (pc *pconn) ConnectionMade(c *loop.Conn) {
	pc.c = c
	pc.lp.conns[pc] = struct{}{}
	pc.hp.conns++
	pc.lp.s.liveInc() // until ConnectionLost
	pc.parser.Limits = pc.lp.s.limits
	pc.chunk.Limits = pc.lp.s.limits
	pc.made.Store(true)
}

// DataReceived parses the response head, then hands the body to the exchange.
func (pc *pconn) DataReceived(c *loop.Conn, data []byte) int {
	ex := pc.ex
	if ex == nil || pc.phase == phDone {
		// Bytes nobody asked for (on an idle connection, or after a complete
		// response): the connection cannot be trusted any more.
		pc.lp.s.log.Debug("client: unsolicited bytes; closing the connection", "host", pc.hp.key, "bytes", len(data))
		pc.dead = true
		c.Abort()
		return len(data)
	}
	if !ex.gotByte {
		ex.gotByte = true
		ex.trace.firstByte()
	}
	if gap := pc.lp.s.cfg.Timeout.ReadGap; gap > 0 {
		pc.gapAt = c.Loop().Time() + gap
	}
	if pc.phase == phHead {
		return pc.readHead(ex, data)
	}
	return pc.readBody(ex, data)
}

func (pc *pconn) readHead(ex *exchange, data []byte) int {
	n, err := pc.parser.Parse(data, &pc.head, ex.req.Method == http.MethodHead)
	if err != nil {
		pc.fail(badResponse(err))
		return len(data)
	}
	if n == 0 {
		pc.arm()
		return 0 // need more; the parser bounds the head (MaxHeaderBytes)
	}
	h := &pc.head
	st := h.Status()
	if st < 200 && st != 101 {
		h.Reset() // its views point into loop memory lent to this call only
		return n  // an interim response (100 Continue, 103 Early Hints): skip it
	}
	if ex.c.vcb != nil && ex.c.rawView(h) {
		return pc.readViewHead(ex, data, n)
	}
	extra := 0 // a buffered body of known length shares the values' buffer
	if cl := h.ContentLength(); ex.c.buffered && h.BodyMode() == httpcodec.BodyLength && cl <= maxRoomWithHead && cl <= pc.lp.s.cfg.MaxBodyBuffered {
		extra = int(cl)
	}
	hdr, room := ownHeaderRoom(h, extra)
	resp := ex.c.newResponse()
	*resp = Response{
		StatusCode:    st,
		Status:        statusLine(st, h.Reason()),
		Proto:         protoString(h.Minor()),
		Header:        hdr,
		ContentLength: h.ContentLength(),
		Request:       ex.req,
		maxBuf:        pc.lp.s.cfg.MaxBodyBuffered,
	}
	pc.startBody(ex)
	h.Reset()
	ex.gotHead(resp)
	if pc.ex != ex {
		return n // the callback ended the exchange
	}
	if ex.mode == sinkBuffer && ex.buf == nil {
		ex.buf = room
	}
	if pc.mode == httpcodec.BodyNone || pc.mode == httpcodec.BodyLength && pc.remain == 0 {
		pc.keep = pc.keep && n == len(data)
		pc.bodyDone()
		return n
	}
	pc.arm()
	return n
}

// startBody sets pc to read the body of ex's response, whose head pc.head
// holds: its framing, whether the connection can be kept. Loop-only.
func (pc *pconn) startBody(ex *exchange) {
	h := &pc.head
	pc.mode = h.BodyMode()
	pc.remain = h.ContentLength()
	pc.keep = h.KeepAlive() && !ex.close
	if h.Status() == 101 {
		pc.mode, pc.keep = httpcodec.BodyNone, false // no upgrade here: the connection is done
	}
	pc.phase = phBody
	pc.headerAt = 0
	pc.chunk.Reset()
}

func (pc *pconn) readBody(ex *exchange, data []byte) int {
	used := 0
	for used < len(data) {
		room := ex.room()
		if room <= 0 {
			pc.pause()
			return used
		}
		in := data[used:min(len(data), used+room)]
		switch pc.mode {
		case httpcodec.BodyLength:
			k := int(min(pc.remain, int64(len(in))))
			pc.remain -= int64(k)
			if !pc.sink(ex, in[:k]) {
				return len(data)
			}
			used += k
			if pc.remain == 0 {
				pc.keep = pc.keep && used == len(data) // more bytes than the response: distrust
				pc.bodyDone()
				return used
			}
		case httpcodec.BodyChunked:
			if len(in) < 64 {
				in = data[used:min(len(data), used+64)] // room for the framing around a small rest
			}
			d, k, err := pc.chunk.Decode(in)
			if err != nil {
				pc.fail(badResponse(err))
				return len(data)
			}
			used += k
			if len(d) > 0 && !pc.sink(ex, d) {
				return len(data)
			}
			if pc.chunk.Done() {
				pc.keep = pc.keep && used == len(data)
				pc.bodyDone()
				return used
			}
			if k == 0 {
				pc.arm()
				return used // need more
			}
		default: // BodyClose: everything until the server closes
			if !pc.sink(ex, in) {
				return len(data)
			}
			used += len(in)
		}
	}
	pc.arm()
	return used
}

// sink hands body bytes to the exchange; false when the exchange failed (the
// connection is closed then) or ended.
func (pc *pconn) sink(ex *exchange, p []byte) bool {
	if err := ex.body(p); err != nil {
		pc.fail(err)
		return false
	}
	return pc.ex == ex
}

// pause stops reading while the body's reader lags.
func (pc *pconn) pause() {
	pc.c.PauseReading()
	pc.gapAt = 0 // the reader lags, not the server
	pc.arm()
}

// holdReading pauses reading while the jar stores the head's cookies; the
// server is not to blame for the wait (no read-gap deadline). Loop-only.
func (pc *pconn) holdReading() {
	if pc.jarHold {
		return
	}
	pc.jarHold = true
	pc.c.PauseReading()
	pc.gapAt = 0
	pc.arm()
}

// releaseReading ends holdReading. Loop-only.
func (pc *pconn) releaseReading() {
	if !pc.jarHold {
		return
	}
	pc.jarHold = false
	if gap := pc.lp.s.cfg.Timeout.ReadGap; gap > 0 && pc.ex != nil {
		pc.gapAt = pc.c.Loop().Time() + gap
		pc.arm()
	}
	pc.c.ResumeReading()
}

// resume restarts reading after the body's reader caught up. Loop-only.
func (pc *pconn) resume(ex *exchange) {
	if pc.ex != ex || pc.dead {
		return
	}
	if gap := pc.lp.s.cfg.Timeout.ReadGap; gap > 0 {
		pc.gapAt = pc.c.Loop().Time() + gap
		pc.arm()
	}
	pc.c.ResumeReading()
}

// bodyDone ends a complete response: the connection goes back to the pool if it
// may serve another request, and the exchange ends.
func (pc *pconn) bodyDone() {
	ex := pc.ex
	pc.phase = phDone
	pc.ex = nil
	ex.pc = nil
	pc.headerAt, pc.gapAt, pc.totalAt = 0, 0, 0
	pc.releaseReading()
	if pc.keep && pc.pump == nil && pc.pumpDone && !pc.dead && !pc.c.Closed() {
		pc.lp.release(pc)
	} else {
		pc.close()
	}
	ex.end(nil)
}

// start sends ex's request on pc. Loop-only.
func (pc *pconn) start(ex *exchange, reused bool) {
	now := pc.c.Loop().Time()
	idle := time.Duration(0)
	if reused {
		idle = now - pc.idleSince
	}
	pc.ex, ex.pc, ex.reused = ex, pc, reused
	pc.phase = phHead
	pc.parser.Reset()
	pc.keep, pc.pumpDone, pc.pumpWait = false, false, false
	pc.c.SetDeadline(0)
	pc.c.ResumeReading()
	ex.trace.gotConn(reused, idle)
	var err error
	if p := ex.req.payload; len(p) > 0 {
		err = pc.c.Writev([][]byte{ex.head, p})
	} else {
		err = pc.c.Write(ex.head)
	}
	if err != nil {
		pc.fail(err)
		return
	}
	cfg := &pc.lp.s.cfg
	pc.totalAt = ex.c.deadline
	if rh := cfg.Timeout.ResponseHeader; rh > 0 {
		pc.headerAt = now + rh
	}
	if gap := cfg.Timeout.ReadGap; gap > 0 {
		pc.gapAt = now + gap
	}
	pc.arm()
	if !ex.req.streamed() {
		pc.pumpDone = true
		ex.trace.wroteRequest(nil)
		return
	}
	if pc.pump = startPump(pc, ex); pc.pump == nil {
		pc.fail(ErrClosed)
	}
}

// arm sets the connection's deadline to the nearest of the header, gap and
// total deadlines (a field write when it moves later).
func (pc *pconn) arm() {
	at := pc.headerAt
	if pc.gapAt != 0 && (at == 0 || pc.gapAt < at) {
		at = pc.gapAt
	}
	if pc.totalAt != 0 && (at == 0 || pc.totalAt < at) {
		at = pc.totalAt
	}
	pc.c.SetDeadline(at)
}

// setIdle parks pc in its pool until the idle timeout.
func (pc *pconn) setIdle() {
	now := pc.c.Loop().Time()
	pc.idleSince = now
	pc.c.SetDeadline(now + pc.lp.s.cfg.IdleTimeout)
}

// Timeout is a passed deadline: idle expiry, or a response too slow.
func (pc *pconn) Timeout(c *loop.Conn) {
	if pc.ex == nil {
		pc.close() // idle too long
		return
	}
	now := c.Loop().Time()
	switch {
	case pc.totalAt != 0 && now >= pc.totalAt:
		pc.ex.c.abort(ErrTotalTimeout)
	case pc.headerAt != 0 && now >= pc.headerAt:
		pc.fail(ErrHeaderTimeout)
	case pc.gapAt != 0 && now >= pc.gapAt:
		pc.fail(ErrReadGapTimeout)
	default:
		pc.arm()
	}
}

// PauseWriting is the output passing the loop's high water mark.
func (pc *pconn) PauseWriting(*loop.Conn) { pc.wpaused = true }

// ResumeWriting lets a waiting request-body pump go on.
func (pc *pconn) ResumeWriting(*loop.Conn) {
	pc.wpaused = false
	if pc.pumpWait {
		pc.pumpWait = false
		pc.pump.ack(nil)
	}
}

// close closes pc (flushing nothing of interest); ConnectionLost cleans up.
func (pc *pconn) close() {
	pc.dead = true
	pc.stopPump(ErrClosed)
	if pc.c != nil {
		_ = pc.c.Close()
	}
}

// fail ends the current exchange with err and aborts the connection.
func (pc *pconn) fail(err error) {
	pc.dead = true
	pc.stopPump(err)
	ex := pc.ex
	pc.ex = nil
	pc.headerAt, pc.gapAt, pc.totalAt = 0, 0, 0
	pc.c.Abort()
	if ex != nil {
		ex.pc = nil
		ex.connFailed(err)
	}
}

func (pc *pconn) stopPump(err error) {
	if pc.pump != nil {
		pc.pump.stop(err)
		pc.pump = nil
		pc.pumpWait = false
	}
}

// ConnectionLost frees the connection's slot and ends its exchange: cleanly for
// a close-delimited body, else with an error.
func (pc *pconn) ConnectionLost(_ *loop.Conn, err error) {
	pc.dead = true
	pc.stopPump(ErrConnLost)
	pc.lp.gone(pc)
	pc.lp.s.liveDone()
	ex := pc.ex
	if ex == nil {
		return
	}
	pc.ex = nil
	ex.pc = nil
	if err == nil && pc.phase == phBody && pc.mode == httpcodec.BodyClose {
		ex.end(nil)
		return
	}
	switch {
	case err == nil:
		err = ErrConnLost
	case errors.Is(err, loop.ErrStopped):
		err = ErrClosed
	case errors.Is(err, loop.ErrInboundOverflow):
		err = ErrBodyLag
	default:
		err = errors.Join(ErrConnLost, err)
	}
	ex.connFailed(err)
}
