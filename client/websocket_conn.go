package client

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/eddy-go/eddy/httpcodec"
	"github.com/eddy-go/eddy/loop"
	"github.com/eddy-go/eddy/ws"
)

// wsConn is a WebSocket's loop side: the loop.Protocol that writes the
// handshake, checks the 101, parses the server's frames and runs the
// heartbeat and the closing handshake. Every field is loop-owned.
type wsConn struct {
	w  *WebSocket
	lc *loop.Conn

	hsParser httpcodec.ResponseParser
	head     httpcodec.Response
	hsSent   bool // the handshake's outcome went to hsDone
	parser   ws.Parser

	state    wsState
	failNow  bool          // close the connection once our close frame is written
	lastRead time.Duration // the last input, on the loop's clock
	pingAt   time.Duration // when the unanswered ping was sent; 0: none
	closeBy  time.Duration // the closing handshake's deadline; 0: not closing
	hsBy     time.Duration // the 101's deadline (Timeout.ResponseHeader); 0: none
}

// wsState is the loop's view of the WebSocket.
type wsState uint8

const (
	wsHandshake wsState = iota // the request is out; waiting for the 101
	wsOpen
	wsClosing   // our close frame is out; waiting for the server's
	wsPeerClose // the server's close came (NoAutoClose); waiting for the application's
	wsDone      // the closing handshake is over (or failed): input is discarded
	wsGone      // ConnectionLost ran
)

// maxKeptWSOut bounds the output buffer a WebSocket keeps between flushes.
const maxKeptWSOut = 64 << 10

var (
	_ loop.Protocol  = (*wsConn)(nil)
	_ loop.Timeouter = (*wsConn)(nil)
	_ loop.WriteFlow = (*wsConn)(nil)
)

// ConnectionMade writes the handshake request.
func (cn *wsConn) ConnectionMade(c *loop.Conn) {
	w := cn.w
	cn.lc = c
	w.hd = c.Handle() // before any frame can make the loop post to it
	w.made.Store(true)
	cn.hsParser.Limits = w.s.limits
	now := c.Loop().Time()
	cn.lastRead = now
	if t := w.s.cfg.Timeout.ResponseHeader; t > 0 {
		cn.hsBy = now + t
		c.SetDeadline(cn.hsBy)
	}
	if err := c.Write(w.reqHead); err != nil {
		cn.handshakeFailed(err)
	}
}

// DataReceived checks the 101, then parses frames; bytes that came with the
// 101 are offered again at once, as frames.
func (cn *wsConn) DataReceived(c *loop.Conn, data []byte) int {
	cn.lastRead = c.Loop().Time()
	switch cn.state {
	case wsHandshake:
		return cn.readHandshake(c, data)
	case wsDone, wsGone:
		return len(data)
	}
	used := 0
	for used < len(data) && cn.state < wsDone {
		n, m, err := cn.parser.Feed(data[used:])
		used += n
		if err != nil {
			cn.protocolError(err)
			return len(data)
		}
		if m.Op == 0 {
			break // need more: Feed took everything
		}
		cn.handle(m)
		if cn.inboxFull() {
			c.PauseReading()
			break
		}
	}
	if cn.state >= wsDone {
		return len(data)
	}
	return used
}

func (cn *wsConn) readHandshake(c *loop.Conn, data []byte) int {
	w := cn.w
	n, err := cn.hsParser.Parse(data, &cn.head, false)
	if err != nil {
		cn.handshakeFailed(fmt.Errorf("%w: %w", ErrWSHandshake, badResponse(err)))
		return len(data)
	}
	if n == 0 {
		return 0 // need more; the parser bounds the head (MaxHeaderBytes)
	}
	h := &cn.head
	st := h.Status()
	if st >= 100 && st < 200 && st != 101 {
		h.Reset()
		return n // an interim response: skip it
	}
	hdr := make(http.Header, h.NumHeaders())
	for i := range h.NumHeaders() {
		k, v := h.HeaderAt(i)
		key := headerKey(k)
		hdr[key] = append(hdr[key], string(v))
	}
	if st != 101 {
		h.Reset()
		cn.handshakeFailed(&WSHandshakeError{StatusCode: st, Header: hdr})
		return len(data)
	}
	hs, herr := ws.CheckResponse(h, w.key[:], &w.copts)
	h.Reset()
	if herr != nil {
		cn.handshakeFailed(fmt.Errorf("%w: %w", ErrWSHandshake, herr))
		return len(data)
	}
	w.protocol, w.header = hs.Protocol, hdr
	cn.parser = ws.Parser{Role: ws.RoleClient, MaxMessage: w.opts.MaxMessage}
	if hs.Deflate {
		cn.parser.Inflater = ws.NewInflater(hs.DeflateParams, ws.RoleClient)
		w.deflater = ws.NewDeflater(hs.DeflateParams, ws.RoleClient)
	}
	cn.state = wsOpen
	cn.hsBy = 0
	cn.hsSent = true
	w.hsDone <- nil
	cn.rearm()
	return n
}

// handshakeFailed reports err to the dialer and drops the connection.
func (cn *wsConn) handshakeFailed(err error) {
	if !cn.hsSent {
		cn.hsSent = true
		cn.w.hsDone <- err
	}
	cn.state = wsDone
	cn.lc.Abort()
}

// handle acts on one message or control frame. Loop-only.
func (cn *wsConn) handle(m ws.Message) {
	w := cn.w
	switch m.Op {
	case ws.OpText, ws.OpBinary:
		if cn.state == wsOpen {
			cn.deliver(m)
		}
	case ws.OpPing:
		if w.opts.NoAutoPing {
			cn.deliver(m)
			return
		}
		// Only the latest ping's pong is owed (RFC 6455 5.5.3): a server that
		// pings faster than we write makes us hold one pong, not a queue.
		w.mu.Lock()
		if !w.sendClosed {
			w.pong = append(w.pong[:0], m.Payload...)
			w.pongOwed = true
			w.postLocked()
		}
		w.mu.Unlock()
	case ws.OpPong:
		cn.pingAt = 0
		if w.opts.NoAutoPing {
			cn.deliver(m)
		}
		cn.rearm()
	case ws.OpClose:
		cn.peerClose(m.Payload)
	}
}

// peerClose handles the server's close frame. Loop-only.
func (cn *wsConn) peerClose(payload []byte) {
	w := cn.w
	code, reason, _ := ws.ParseClose(payload) // the parser validated it
	w.mu.Lock()
	w.peerClosed = true
	if w.cause == nil {
		w.code, w.reason = int(code), string(reason)
	}
	w.mu.Unlock()
	switch {
	case cn.state == wsClosing:
		// The answer to our close: the handshake is over.
		cn.state = wsDone
		_ = cn.lc.Close()
	case w.opts.NoAutoClose:
		cn.deliver(ws.Message{Op: ws.OpClose, Payload: payload})
		cn.state = wsPeerClose
		cn.closeBy = cn.lc.Loop().Time() + w.opts.CloseTimeout
		cn.rearm()
	default:
		if code == ws.StatusNoStatus {
			code = 0 // echoed as a close frame without a code
		}
		w.closeWith(code, "", nil)
	}
	cn.signal()
}

// protocolError fails the connection with the close code err carries.
// Loop-only.
func (cn *wsConn) protocolError(err error) {
	w := cn.w
	code, reason := ws.StatusProtocolError, "protocol error"
	var we *ws.Error
	if errors.As(err, &we) {
		code, reason = we.Code, we.Reason
	}
	w.mu.Lock()
	if w.code == 0 || w.cause == nil {
		w.code, w.reason, w.cause = int(code), reason, err
	}
	w.mu.Unlock()
	cn.failNow = true
	w.closeWith(code, reason, err)
	cn.flush(cn.lc)
	if cn.state < wsDone {
		cn.state = wsDone
		_ = cn.lc.Close()
	}
}

// deliver copies m into the inbox and wakes a receiver. Loop-only.
func (cn *wsConn) deliver(m ws.Message) {
	w := cn.w
	msg := WSMessage{Type: m.Op, Data: append([]byte(nil), m.Payload...)}
	w.mu.Lock()
	w.inbox = append(w.inbox, msg)
	w.inboxBytes += len(msg.Data)
	w.mu.Unlock()
	cn.signal()
}

func (cn *wsConn) signal() {
	select {
	case cn.w.wake <- struct{}{}:
	default:
	}
}

// inboxFull reports whether the inbox is full, and if so records that
// reading pauses for it. Loop-only.
func (cn *wsConn) inboxFull() bool {
	w := cn.w
	w.mu.Lock()
	defer w.mu.Unlock()
	full := w.inboxFullLocked()
	if full {
		w.readPaused = true
	}
	return full
}

// flush writes the queued frames in one write and acts on what was queued
// with them: our close frame starts the closing handshake (or ends the
// connection), a cut-off drops the connection. Loop-only.
func (cn *wsConn) flush(*loop.Conn) {
	w := cn.w
	w.mu.Lock()
	buf := w.out
	w.out = nil
	if w.pongOwed {
		w.pongOwed = false
		buf = ws.AppendMaskedFrame(buf, ws.OpPong, true, w.pong, ws.NewMaskKey())
	}
	w.flushPosted = false
	closing, cut := w.closeQueued, w.cut
	w.closeQueued, w.cut = false, false
	w.mu.Unlock()
	if cn.state == wsGone || cn.state == wsHandshake {
		return
	}
	if cut {
		// The network does not take our output: tell the server why, after
		// what the loop already holds (bounded by MaxOutbound), then close.
		cn.state = wsDone
		var b [32 + ws.MaxHeaderSize]byte
		_ = cn.lc.Write(ws.AppendMaskedClose(b[:0], ws.StatusPolicyViolation, "output not taken fast enough", ws.NewMaskKey()))
		_ = cn.lc.Close()
		return
	}
	if len(buf) > 0 {
		_ = cn.lc.Write(buf) // a failed write closes the connection: ConnectionLost follows
	}
	if cap(buf) > 0 && cap(buf) <= maxKeptWSOut {
		w.mu.Lock()
		if w.out == nil && !w.sendClosed {
			w.out = buf[:0]
		}
		w.mu.Unlock()
	}
	w.queued.Store(int64(cn.lc.OutboundBuffered()))
	if closing {
		cn.closeSent()
	}
}

// closeSent runs once our close frame is written. Loop-only.
func (cn *wsConn) closeSent() {
	w := cn.w
	w.mu.Lock()
	peer := w.peerClosed
	w.mu.Unlock()
	if peer || cn.failNow {
		cn.state = wsDone
		_ = cn.lc.Close() // flushes the close frame first
		return
	}
	if cn.state < wsDone && cn.closeBy == 0 {
		cn.state = wsClosing
		cn.closeBy = cn.lc.Loop().Time() + w.opts.CloseTimeout
		cn.rearm()
	}
}

// Timeout is the 101's deadline, the heartbeat, the pong timeout or the
// closing handshake's timeout.
func (cn *wsConn) Timeout(c *loop.Conn) {
	w := cn.w
	now := c.Loop().Time()
	if cn.state == wsHandshake {
		if cn.hsBy != 0 && now >= cn.hsBy {
			cn.handshakeFailed(ErrHeaderTimeout)
		}
		return
	}
	if cn.closeBy != 0 && now >= cn.closeBy {
		// The server (or, with NoAutoClose, the application) did not finish
		// the closing handshake in time.
		cn.state = wsDone
		cn.closeBy = 0
		_ = c.Close()
		return
	}
	if hb := w.opts.Heartbeat; hb > 0 && cn.state == wsOpen {
		switch {
		case cn.pingAt != 0 && now >= cn.pingAt+w.opts.PongTimeout:
			// Nothing came back: the server is gone or stuck. No close
			// frame: it would not be read either.
			w.mu.Lock()
			if w.code == 0 {
				w.code, w.reason, w.cause = int(ws.StatusAbnormal), "no pong within the pong timeout", ErrWSPongTimeout
			}
			w.sendClosed = true
			w.mu.Unlock()
			cn.state = wsDone
			c.Abort()
			return
		case cn.pingAt == 0 && now >= cn.lastRead+hb:
			w.mu.Lock()
			ok := !w.sendClosed
			if ok {
				w.out = ws.AppendMaskedFrame(w.out, ws.OpPing, true, nil, ws.NewMaskKey())
			}
			w.mu.Unlock()
			if ok {
				cn.pingAt = max(now, 1)
				cn.flush(c)
			}
		}
	}
	cn.rearm()
}

// rearm sets the deadline to the next thing due: the closing handshake's
// end, the pong timeout or the next ping. Loop-only.
func (cn *wsConn) rearm() {
	if cn.state == wsGone || cn.lc == nil {
		return
	}
	w := cn.w
	var at time.Duration
	if cn.closeBy != 0 {
		at = cn.closeBy
	}
	if hb := w.opts.Heartbeat; hb > 0 && cn.state == wsOpen {
		t := cn.lastRead + hb
		if cn.pingAt != 0 {
			t = cn.pingAt + w.opts.PongTimeout
		}
		if at == 0 || t < at {
			at = t
		}
	}
	cn.lc.SetDeadline(at)
}

// PauseWriting records how much output waits (for MaxOutbound).
func (cn *wsConn) PauseWriting(c *loop.Conn) { cn.w.queued.Store(int64(c.OutboundBuffered())) }

// ResumeWriting records how much output waits (for MaxOutbound).
func (cn *wsConn) ResumeWriting(c *loop.Conn) { cn.w.queued.Store(int64(c.OutboundBuffered())) }

// ConnectionLost ends the WebSocket: receivers get the close, senders
// ErrWSClosed, the dialer the error if the handshake was not over.
func (cn *wsConn) ConnectionLost(_ *loop.Conn, err error) {
	w := cn.w
	wasHandshake := cn.state == wsHandshake
	cn.state = wsGone
	switch {
	case err == nil:
	case errors.Is(err, loop.ErrStopped):
		err = ErrClosed
	default:
		err = errors.Join(ErrConnLost, err)
	}
	w.mu.Lock()
	w.gone, w.sendClosed = true, true
	w.out, w.pong, w.pongOwed = nil, nil, false
	stop := w.stopWatch
	w.stopWatch = nil
	if w.code == 0 {
		w.code, w.reason = int(ws.StatusAbnormal), "connection lost without a close frame"
		if w.cause == nil {
			w.cause = err
			if err == nil {
				w.cause = ErrConnLost
			}
		}
	}
	w.mu.Unlock()
	if wasHandshake && !cn.hsSent {
		cn.hsSent = true
		if err == nil {
			err = fmt.Errorf("%w: %w", ErrWSHandshake, ErrConnLost)
		}
		w.hsDone <- err
	}
	if stop != nil {
		stop() // the session's Close has nothing left to close here
	}
	close(w.done)
	cn.signal()
	w.s.liveDone()
}
