package eddy

import (
	"encoding/json"
	"fmt"
	"math"
	"net"
	"net/url"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/eddy-go/eddy/httpcodec"
	"github.com/eddy-go/eddy/loop"
	"github.com/eddy-go/eddy/ws"
)

// WebSocket is one WebSocket connection (aiohttp's WebSocketResponse once
// prepared). Its send methods and accessors are safe for concurrent use;
// frames leave in the order the send calls returned. Sends are queued and
// written by the connection's loop: a send from a callback is written at
// the end of the callback's batch of input (one write for all of them),
// one from another goroutine as soon as the loop runs.
//
// # Ownership
//
// A WebSocket is valid from WSCallbacks.OnOpen (or the start of a WSFunc)
// until it is closed; after that its send methods return ErrWSClosed and
// its accessors keep answering. The data of a message given to OnMessage
// is loop memory, valid until OnMessage returns; copy it to keep it.
type WebSocket struct {
	wr *wsRoute // its route: handler, configuration and App, shared read-only

	// Set before the upgrade, read-only after.
	// remote is the client's address when it is TCP's (one word less than
	// a net.Addr); any other is in ext, made before the upgrade then.
	remote *net.TCPAddr
	// head points to what it keeps of the handshake (ws_head.go): the
	// route's path parameters and the handshake's head, in one allocation.
	// Header, Query and the path parse the head again when asked.
	head *byte
	// ext is the state only some WebSockets have (a WSFunc's inbox, the
	// compression, hub slots, echoes by reference): set before the upgrade
	// when needed then, else made by the loop (under mu) at first use, so
	// the loop reads it freely and other goroutines under mu.
	ext *wsExt

	// Loop-owned.
	lc       *loop.Conn // its Handle (the same pointer) is safe from any goroutine
	parser   ws.Parser
	lastRead time.Duration // the last input, on the loop's clock
	pingAt   time.Duration // when the unanswered ping was sent; 0: none
	closeBy  time.Duration // the closing handshake's deadline; 0: not closing
	outIdle  time.Duration // when the kept output buffer goes if no send came; 0: none kept
	lstate   wsState
	proto    uint8 // the subprotocol, read-only: wr.cfg.Protocols[proto-1]; 0: none
	failNow  bool  // close the connection once the close frame is written
	// readStopped: reading is paused until the WSFunc catches up; the
	// heartbeat waits meanwhile (the peer's pongs are behind the unread
	// messages, so their absence says nothing about the peer).
	readStopped bool

	// Shared, guarded by mu.
	flags wsFlags       // one byte, not five bools (with queued's 32 bits: 240 bytes, not 256)
	code  ws.StatusCode // the close code (0 while open); the peer's wins over ours
	mu    sync.Mutex
	// flushPosted: a flush is posted, or the loop is in a batch that ends
	// with one. Atomic, so the loop marks its batches without taking mu;
	// cleared by flush with mu held.
	flushPosted atomic.Bool
	// queued is the output queued in the loop at the last look (for Send's
	// limit), at most math.MaxInt32 (queuedFigure): 32 bits fill the word
	// flushPosted starts.
	queued atomic.Int32
	out    []byte  // frames queued and not yet written
	reason *string // the reason that came with code; nil: none (a pointer: most WebSockets never close with one)
}

// wsFlags are a WebSocket's yes/no state shared with other goroutines,
// one bit each, guarded by mu.
type wsFlags uint8

const (
	wsfSendClosed  wsFlags = 1 << iota // a close frame was queued (or the connection is gone): no more sends
	wsfCloseQueued                     // out ends with our close frame
	wsfCut                             // the client fell MaxOutbound behind: flush cuts it off
	wsfPeerClosed                      // the peer's close frame arrived
	wsfGone                            // the connection is closed (ConnectionLost ran)
)

// flag reports whether flag f is set. mu held.
func (w *WebSocket) flag(f wsFlags) bool { return w.flags&f != 0 }

// setFlag sets flag f (one or more bits) to on. mu held.
func (w *WebSocket) setFlag(f wsFlags, on bool) {
	if on {
		w.flags |= f
	} else {
		w.flags &^= f
	}
}

// queuedFigure returns q, the output the loop holds, as queued keeps it:
// at most math.MaxInt32, which only a MaxOutbound of 2 GiB or more lets
// the loop pass.
func queuedFigure(q int) int32 { return int32(min(q, math.MaxInt32)) }

// wsExt is the state of a WebSocket that only some WebSockets need.
type wsExt struct {
	rx   *wsInbox   // a WSFunc's receiving side; nil for callbacks. Set before the upgrade.
	def  *wsDeflate // nil: permessage-deflate not negotiated. Set before the upgrade.
	bw   *wsBorrow  // nil until the first message that may be echoed by reference; guarded by mu
	hubs []hubSlot  // the hubs it is a member of; loop-owned

	protocol string   // the subprotocol, when WebSocket.proto is protoInExt. Set before the upgrade.
	remote   net.Addr // the client's address when not a *net.TCPAddr. Set before the upgrade.
}

// reasonPtr returns a pointer to reason, nil for "".
func reasonPtr(reason string) *string {
	if reason == "" {
		return nil
	}
	return &reason
}

// closeReasonLocked returns the close reason. mu held.
func (w *WebSocket) closeReasonLocked() string {
	if w.reason == nil {
		return ""
	}
	return *w.reason
}

// Close reasons of ours, by pointer (WebSocket.reason).
var (
	reasonTooSlow = "client too slow"
	reasonNoPong  = "no pong within the pong timeout"
)

// protoInExt is WebSocket.proto for a subprotocol past the 254th of
// WSConfig.Protocols: its name is kept in wsExt instead.
const protoInExt = 255

// extLoop returns w.ext, making it first if needed. Loop-only.
func (w *WebSocket) extLoop() *wsExt {
	if w.ext == nil {
		w.mu.Lock()
		w.ext = &wsExt{}
		w.mu.Unlock()
	}
	return w.ext
}

// deflate returns the compression, nil if not negotiated. Loop-only, or
// mu held.
func (w *WebSocket) deflate() *wsDeflate {
	if w.ext == nil {
		return nil
	}
	return w.ext.def
}

// borrow returns the echo-by-reference state, nil if none. Loop-only, or
// mu held.
func (w *WebSocket) borrow() *wsBorrow {
	if w.ext == nil {
		return nil
	}
	return w.ext.bw
}

// wsDeflate is a WebSocket's compression, made only when permessage-deflate
// is negotiated. It is guarded by its own mu, which the loop never takes for
// its own work (housekeeping such as Timeout only tries it): a message is
// compressed by the goroutine that sends it, outside the WebSocket's mu. A
// Send from the loop itself (OnOpen, OnMessage) does take mu, so it waits
// while another goroutine compresses a message on the same WebSocket; send
// large messages on a compressed WebSocket from one side, the loop or a
// goroutine, not both. mu is held from the compression to the frame's place
// in the output: with context takeover the frames must leave in the order
// they were compressed.
type wsDeflate struct {
	mu  sync.Mutex
	d   *ws.Deflater
	buf []byte // the frame being compressed; kept up to maxKeptWSOut
}

// wsBorrow is the state of echoes sent by reference, guarded by the
// WebSocket's mu, made for the first message large enough to be sent so.
// refs are payloads sent from OnMessage that are the message's own bytes,
// still in the loop's input: the output holds their headers, and the flush
// at the end of the batch writes them from there (writev), with no copy.
// cur is the message OnMessage is running for, when it may be sent so.
// Both are empty outside a batch.
type wsBorrow struct {
	refs  []wsRef
	bytes int
	cur   []byte
}

// wsInbox is the receiving side of a WSFunc's WebSocket (Receive,
// Messages), guarded by the WebSocket's mu. Callback WebSockets, which
// deliver on the loop, do without it.
type wsInbox struct {
	inbox      []WSMessage
	inboxBytes int
	readPaused bool
	wake       chan struct{} // a message (or the close) arrived; capacity 1
	done       chan struct{} // closed at ConnectionLost
}

// wsState is the loop's view of the closing handshake.
type wsState uint8

const (
	wsOpen      wsState = iota
	wsClosing           // our close frame is out; waiting for the peer's
	wsPeerClose         // the peer's close came (NoAutoClose); waiting for the application's
	wsDone              // the handshake is over (or failed): input is discarded
	wsGone              // ConnectionLost ran
)

// maxKeptWSOut bounds the output buffer a WebSocket keeps between flushes:
// enough for a steady flow of 16 KiB messages without an allocation each,
// while a burst's larger buffer goes to the GC.
const maxKeptWSOut = 64 << 10

// wsOutIdle is how long a WebSocket keeps its output buffer after the last
// flush: a flow of more than one message a second reuses it, an idle
// WebSocket lets it go (it could hold up to maxKeptWSOut).
const wsOutIdle = time.Second

// wsSmallOut is the most queued output flush copies to its stack to write
// it (most flushes: an echo's or a chat line's frames), leaving the
// buffer in place.
const wsSmallOut = 128

func newWebSocket(c *Ctx, wr *wsRoute, hs *ws.Handshake) *WebSocket {
	w := &WebSocket{wr: wr}
	ra := c.x.RemoteAddr()
	w.remote, _ = ra.(*net.TCPAddr)
	for i, p := range wr.cfg.Protocols {
		if p == hs.Protocol && hs.Protocol != "" {
			w.proto = uint8(min(i+1, protoInExt))
			break
		}
	}
	w.head = wsHead(c)
	w.parser.MaxMessage = wr.cfg.MaxMessage
	if hs.Deflate || wr.fn != nil || w.proto == protoInExt || w.remote == nil {
		w.ext = &wsExt{}
	}
	if w.remote == nil {
		w.ext.remote = ra
	}
	if w.proto == protoInExt {
		w.ext.protocol = hs.Protocol
	}
	if hs.Deflate {
		w.parser.Inflater = ws.NewInflater(hs.DeflateParams, ws.RoleServer)
		w.ext.def = &wsDeflate{d: ws.NewDeflater(hs.DeflateParams, ws.RoleServer)}
	}
	if wr.fn != nil {
		w.ext.rx = &wsInbox{wake: make(chan struct{}, 1), done: make(chan struct{})}
	}
	return w
}

var (
	_ loop.Protocol  = (*WebSocket)(nil)
	_ loop.Timeouter = (*WebSocket)(nil)
	_ loop.Drainer   = (*WebSocket)(nil)
	_ loop.WriteFlow = (*WebSocket)(nil)
)

// ConnectionMade is loop.Protocol: the 101 is out and the connection is
// the WebSocket's. Loop-only; called by the server, not by applications.
func (w *WebSocket) ConnectionMade(lc *loop.Conn) {
	w.lc = lc
	w.lastRead = w.lc.Loop().Time()
	w.rearm()
	if w.wr.fn != nil {
		wsOpening.Add(-1)
		go w.run()
		return
	}
	if w.wr.cb.OnOpen != nil {
		w.batchStart()
		w.callOpen()
		wsOpening.Add(-1) // after OnOpen's Hub.Add
		w.flush()
		return
	}
	wsOpening.Add(-1)
}

// DataReceived is loop.Protocol: it parses every frame in data and
// delivers the messages. Loop-only; called by the server.
func (w *WebSocket) DataReceived(lc *loop.Conn, data []byte) int {
	if w.lstate >= wsDone {
		return len(data)
	}
	if w.wr.cfg.Heartbeat > 0 { // only the heartbeat reads it
		w.lastRead = w.lc.Loop().Time()
	}
	if w.pingAt != 0 {
		// Any input shows the peer is alive: the next ping is due Heartbeat
		// from now, earlier than the pong timeout the deadline waits for.
		// Once per ping; otherwise input costs a field write.
		w.pingAt = 0
		w.rearm()
	}
	w.batchStart()
	off := 0
	for off < len(data) && w.lstate < wsDone {
		if w.wr.fn != nil && w.inboxFull() {
			lc.PauseReading() // the WSFunc is behind: Receive resumes it
			w.readStopped = true
			w.rearm()
			break
		}
		n, m, err := w.parser.Feed(data[off:])
		off += n
		if err != nil {
			w.protocolError(err)
			break
		}
		if m.Op == 0 {
			break // need more
		}
		w.handle(m, data)
	}
	w.flush()
	if w.failNow {
		w.closeConn() // after the close frame: a failed connection does not wait for the peer's
	}
	if w.lstate >= wsDone {
		return len(data)
	}
	return off
}

// handle acts on one message or control frame; in is the input it came
// in. Loop-only.
func (w *WebSocket) handle(m ws.Message, in []byte) {
	cfg := &w.wr.cfg
	switch m.Op {
	case ws.OpText, ws.OpBinary:
		if w.lstate == wsOpen {
			if w.wr.cb.OnMessage != nil && len(m.Payload) >= minBorrowedSend && within(m.Payload, in) {
				w.deliverBorrowable(WSMessage{Type: WSMessageType(m.Op), Data: m.Payload})
				return
			}
			w.deliver(WSMessage{Type: WSMessageType(m.Op), Data: m.Payload})
		}
	case ws.OpPing:
		if cfg.NoAutoPing {
			w.deliver(WSMessage{Type: WSPing, Data: m.Payload})
			return
		}
		q := w.lc.OutboundBuffered()
		w.mu.Lock()
		switch {
		case w.flag(wsfSendClosed):
		case q+w.outLenLocked() > 0 && q+w.outLenLocked()+len(m.Payload) > w.wr.cfg.MaxOutbound:
			// A peer that pings and does not read its pongs is a slow
			// consumer too: the pongs must not pile up.
			w.setFlag(wsfSendClosed|wsfCut, true)
			w.dropOutLocked()
		default:
			w.out = ws.AppendFrame(w.out, ws.OpPong, true, m.Payload)
		}
		w.mu.Unlock()
	case ws.OpPong:
		if cfg.NoAutoPing {
			w.deliver(WSMessage{Type: WSPong, Data: m.Payload})
		}
	case ws.OpClose:
		w.peerClose(m.Payload)
	}
}

// peerClose handles the peer's close frame. Loop-only.
func (w *WebSocket) peerClose(payload []byte) {
	code, reason, _ := ws.ParseClose(payload) // validated by the parser
	if code == 0 {
		code = ws.StatusNoStatus
	}
	w.mu.Lock()
	w.code, w.reason = code, reasonPtr(string(reason))
	w.setFlag(wsfPeerClosed, true)
	w.mu.Unlock()
	switch {
	case w.lstate == wsClosing:
		// The answer to our close (which may still be queued: write it
		// first): the handshake is complete.
		w.flush()
		w.lstate = wsDone
		w.closeConn()
	case w.wr.cfg.NoAutoClose:
		w.lstate = wsPeerClose
		w.closeBy = w.lc.Loop().Time() + w.wr.cfg.CloseTimeout
		w.rearm()
		if w.wr.fn != nil {
			w.signal() // Receive returns the close as a *WSCloseError
		} else {
			w.deliver(WSMessage{Type: WSClose, Data: payload})
		}
	default:
		// Answer with the peer's code (none if it sent none), then close.
		echo := code
		if echo != 0 && !echo.Valid() {
			echo = ws.StatusNormal
		}
		w.queueClose(echo, "", false)
	}
}

// protocolError fails the connection: close with the error's code, without
// waiting for the peer's answer. Loop-only.
func (w *WebSocket) protocolError(err error) {
	code, reason := ws.StatusProtocolError, "protocol error"
	if e, ok := err.(*ws.Error); ok {
		code, reason = e.Code, e.Reason
	}
	w.failNow = true
	w.queueClose(code, reason, true)
}

// queueClose queues a close frame (unless one was sent) and records code
// as ours when none is recorded yet; fail closes the connection right
// after the frame instead of waiting for the peer's. The frame is written
// by the next flush. Loop-only.
func (w *WebSocket) queueClose(code ws.StatusCode, reason string, record bool) {
	w.mu.Lock()
	if record && w.code == 0 {
		w.code, w.reason = code, reasonPtr(reason)
	}
	if !w.flag(wsfSendClosed) {
		w.setFlag(wsfSendClosed, true)
		w.out = ws.AppendClose(w.out, code, reason)
		w.setFlag(wsfCloseQueued, true)
	}
	w.mu.Unlock()
	switch {
	case w.failNow:
		w.lstate = wsDone
	case w.lstate == wsOpen:
		w.lstate = wsClosing // messages after our close are not delivered
	}
}

// deliver hands a message to the application. Loop-only.
func (w *WebSocket) deliver(m WSMessage) {
	if w.wr.fn != nil {
		w.enqueue(m)
		return
	}
	if w.wr.cb.OnMessage != nil {
		w.callMessage(m)
	}
}

// deliverBorrowable runs OnMessage for a message whose payload lies in
// the loop's input, which stays untouched until the batch's flush: a Send
// of that very payload from OnMessage queues a reference instead of a
// copy. Loop-only.
func (w *WebSocket) deliverBorrowable(m WSMessage) {
	w.mu.Lock()
	x := w.ext
	if x == nil {
		x = &wsExt{}
		w.ext = x
	}
	if x.bw == nil {
		x.bw = &wsBorrow{}
	}
	x.bw.cur = m.Data
	w.mu.Unlock()
	w.callMessage(m)
	w.mu.Lock()
	if bw := w.borrow(); bw != nil {
		bw.cur = nil
	}
	w.mu.Unlock()
}

// minBorrowedSend is the smallest payload an echo sends by reference:
// below it the copy costs less than the bookkeeping.
const minBorrowedSend = 1 << 10

// within reports whether p lies inside in.
func within(p, in []byte) bool {
	if len(p) == 0 || len(in) == 0 {
		return false
	}
	b := uintptr(unsafe.Pointer(unsafe.SliceData(in)))
	q := uintptr(unsafe.Pointer(unsafe.SliceData(p)))
	return q >= b && q+uintptr(len(p)) <= b+uintptr(len(in))
}

// wsRef is a payload queued by reference: it goes after out[:at].
type wsRef struct {
	at int
	p  []byte
}

// outLenLocked is the size of the queued output. mu held.
func (w *WebSocket) outLenLocked() int {
	if bw := w.borrow(); bw != nil {
		return len(w.out) + bw.bytes
	}
	return len(w.out)
}

// dropOutLocked drops the queued output. mu held.
func (w *WebSocket) dropOutLocked() {
	w.out = nil
	if bw := w.borrow(); bw != nil {
		clear(bw.refs)
		bw.refs = bw.refs[:0]
		bw.bytes = 0
	}
}

// batchStart marks the loop as being in a batch that ends with a flush, so
// sends from its callbacks queue without posting a flush each. Loop-only.
func (w *WebSocket) batchStart() {
	if !w.flushPosted.Load() {
		w.flushPosted.Store(true)
	}
}

// flush writes the queued frames, in one write, and acts on what was
// queued with them: our close frame starts the closing handshake (or
// ends the connection after a failure or when answering the peer's), a
// slow consumer is cut off. Loop-only.
func (w *WebSocket) flush() {
	var small [wsSmallOut]byte
	w.mu.Lock()
	if n := len(w.out); n > 0 && n <= wsSmallOut && cap(w.out) <= maxKeptWSOut && w.lstate != wsGone &&
		w.flags&(wsfSendClosed|wsfCloseQueued|wsfCut) == 0 && (w.ext == nil || w.ext.bw == nil || len(w.ext.bw.refs) == 0) {
		// The common case, a few small frames and nothing else to act on:
		// copied out, so the buffer stays in place for the next sends and
		// mu is taken once, not twice.
		copy(small[:], w.out)
		w.out = w.out[:0]
		if w.flushPosted.Load() {
			w.flushPosted.Store(false)
		}
		w.mu.Unlock()
		_ = w.lc.Write(small[:n]) // a failed write closes the connection: ConnectionLost follows
		if w.lstate != wsGone {
			w.keptOut()
			if q := queuedFigure(w.lc.OutboundBuffered()); q != w.queued.Load() {
				w.queued.Store(q)
			}
		}
		return
	}
	buf := w.out
	w.out = nil
	var refs []wsRef
	if bw := w.borrow(); bw != nil {
		refs = bw.refs
		bw.refs, bw.bytes = nil, 0
	}
	if w.flushPosted.Load() {
		w.flushPosted.Store(false)
	}
	closing, cut := w.flag(wsfCloseQueued), w.flag(wsfCut)
	w.setFlag(wsfCloseQueued|wsfCut, false)
	w.mu.Unlock()
	if w.lstate == wsGone {
		return
	}
	if cut {
		w.cutOff()
		return
	}
	switch {
	case len(refs) > 0:
		w.writeRefs(buf, refs)
		clear(refs) // no reference to the input survives the batch
	case len(buf) > 0:
		_ = w.lc.Write(buf) // a failed write closes the connection: ConnectionLost follows
	}
	if cap(buf) > 0 && cap(buf) <= maxKeptWSOut || cap(refs) > 0 {
		// Written (Write copies what the kernel did not take): reuse it for
		// the next sends, unless a send already started a new one, until
		// no send came for wsOutIdle (Timeout lets it go): a steady flow
		// costs no allocation per message, an idle WebSocket holds no buffer.
		w.mu.Lock()
		kept := w.out == nil && !w.flag(wsfSendClosed) && cap(buf) <= maxKeptWSOut
		if kept {
			w.out = buf[:0]
		}
		if bw := w.borrow(); bw != nil && bw.refs == nil {
			bw.refs = refs[:0]
		}
		w.mu.Unlock()
		if kept && w.lstate != wsGone {
			w.keptOut()
		}
	}
	if q := queuedFigure(w.lc.OutboundBuffered()); q != w.queued.Load() {
		w.queued.Store(q) // an atomic store costs more than the load: mostly 0 stays 0
	}
	if closing {
		w.closeSent()
	}
}

// keptOut notes that the output buffer was kept for the next sends: it
// goes once no send came for wsOutIdle. Loop-only.
func (w *WebSocket) keptOut() {
	idle := w.outIdle == 0
	w.outIdle = w.lc.Loop().Time() + wsOutIdle
	if idle {
		w.rearm() // later flushes only move the time: the deadline check finds it
	}
}

// writeRefs writes out with the payloads queued by reference spliced in
// at their places, with writev (several when there are many): the loop
// copies only what the kernel does not take at once. Loop-only.
func (w *WebSocket) writeRefs(out []byte, refs []wsRef) {
	var iov [17][]byte
	n, from := 0, 0
	for _, r := range refs {
		if r.at > from {
			iov[n] = out[from:r.at]
			n++
		}
		iov[n] = r.p
		n++
		from = r.at
		if n >= len(iov)-1 {
			if w.lc.Writev(iov[:n]) != nil {
				return // the connection is closing: ConnectionLost follows
			}
			n = 0
		}
	}
	if from < len(out) {
		iov[n] = out[from:]
		n++
	}
	if n > 0 {
		_ = w.lc.Writev(iov[:n])
	}
	clear(iov[:])
}

// closeSent runs once our close frame is written. Loop-only.
func (w *WebSocket) closeSent() {
	w.mu.Lock()
	peer := w.flag(wsfPeerClosed)
	w.mu.Unlock()
	if peer || w.failNow {
		w.lstate = wsDone
		w.closeConn() // flushes the close frame first
		return
	}
	if w.lstate < wsDone && w.closeBy == 0 {
		w.lstate = wsClosing
		w.closeBy = w.lc.Loop().Time() + w.wr.cfg.CloseTimeout
		w.rearm()
	}
}

// cutOff ends a slow consumer's connection: what was queued for it is
// dropped, a close frame with 1008 follows what the loop already holds
// (bounded by MaxOutbound), and the connection closes once that is
// flushed, or is aborted when the flush has not ended within CloseTimeout:
// a consumer cut for being slow does not get the write timeout's patience
// (30 s by default) to take what it would not take before. Loop-only.
func (w *WebSocket) cutOff() {
	w.mu.Lock()
	if w.code == 0 {
		w.code, w.reason = ws.StatusPolicyViolation, &reasonTooSlow
	}
	w.mu.Unlock()
	w.lstate = wsDone
	var b [16 + ws.MaxHeaderSize]byte
	_ = w.lc.Write(ws.AppendClose(b[:0], ws.StatusPolicyViolation, "client too slow"))
	w.closeConn()
}

// closeConn closes the connection after what is queued (the close frame
// last) and bounds that flush by CloseTimeout: Timeout aborts a closing
// connection whose flush has not ended by then, so a peer that takes
// nothing holds it that long, not the server's write timeout (30 s by
// default). Loop-only.
func (w *WebSocket) closeConn() {
	_ = w.lc.Close()
	w.closeBy = w.lc.Loop().Time() + w.wr.cfg.CloseTimeout
	w.rearm()
}

// Timeout is loop.Timeouter: the heartbeat, the pong timeout or the
// closing handshake's timeout is due. Loop-only; called by the server.
func (w *WebSocket) Timeout(lc *loop.Conn) {
	now := w.lc.Loop().Time()
	cfg := &w.wr.cfg
	if w.outIdle != 0 && now >= w.outIdle {
		w.mu.Lock()
		if len(w.out) == 0 { // nothing queued since: let the buffers go
			w.out = nil
			if bw := w.borrow(); bw != nil && len(bw.refs) == 0 {
				bw.refs = nil
			}
		}
		w.mu.Unlock()
		// The compressed frame's buffer too, unless a sender is compressing
		// now (the loop never waits for def.mu).
		if d := w.deflate(); d != nil && d.mu.TryLock() {
			d.buf = nil
			d.mu.Unlock()
		}
		w.outIdle = 0
	}
	if w.closeBy != 0 && now >= w.closeBy {
		// The peer (or, with NoAutoClose, the application) did not finish
		// the closing handshake in time, or a closing flush (a cut-off
		// consumer's, the handshake's last frame) is still not done.
		w.lstate = wsDone
		w.closeBy = 0
		if lc.Closed() {
			lc.Abort()
		} else {
			w.closeConn()
		}
		return
	}
	if cfg.Heartbeat > 0 && w.lstate == wsOpen && !w.readStopped {
		switch {
		case w.pingAt != 0 && now >= w.pingAt+cfg.PongTimeout:
			// Nothing came back: the peer is gone or stuck. No close
			// frame: it would not be read either.
			w.mu.Lock()
			if w.code == 0 {
				w.code, w.reason = ws.StatusAbnormal, &reasonNoPong
			}
			w.mu.Unlock()
			w.lstate = wsDone
			lc.Abort()
			return
		case w.pingAt == 0 && now >= w.lastRead+cfg.Heartbeat:
			w.mu.Lock()
			ok := !w.flag(wsfSendClosed)
			if ok {
				w.out = ws.AppendFrame(w.out, ws.OpPing, true, nil)
			}
			w.mu.Unlock()
			if ok {
				w.pingAt = max(now, 1)
				w.flush()
			}
		}
	}
	w.rearm()
}

// rearm sets the connection's deadline to the next thing due: the closing
// handshake's end, the pong timeout or the next ping. Loop-only.
func (w *WebSocket) rearm() {
	if w.lstate == wsGone || w.lc == nil {
		return
	}
	at := w.outIdle
	if w.closeBy != 0 && (at == 0 || w.closeBy < at) {
		at = w.closeBy
	}
	if hb := w.wr.cfg.Heartbeat; hb > 0 && w.lstate == wsOpen && !w.readStopped {
		t := w.lastRead + hb
		if w.pingAt != 0 {
			t = w.pingAt + w.wr.cfg.PongTimeout
		}
		if at == 0 || t < at {
			at = t
		}
	}
	w.lc.SetDeadline(at)
}

// Drain is loop.Drainer: the server is shutting down. The WebSocket is
// closed with 1001; the server waits for the closing handshake (bounded by
// CloseTimeout and the shutdown's own timeout). Loop-only; called by the
// server.
func (w *WebSocket) Drain(lc *loop.Conn) {
	if w.lstate != wsOpen {
		return
	}
	w.queueClose(ws.StatusGoingAway, "server shutting down", true)
	w.flush()
}

// PauseWriting is loop.WriteFlow: the client reads slower than we write.
// Loop-only; called by the server.
func (w *WebSocket) PauseWriting(lc *loop.Conn) { w.queued.Store(queuedFigure(lc.OutboundBuffered())) }

// ResumeWriting is loop.WriteFlow: the client caught up. Loop-only;
// called by the server.
func (w *WebSocket) ResumeWriting(lc *loop.Conn) { w.queued.Store(queuedFigure(lc.OutboundBuffered())) }

// ConnectionLost is loop.Protocol: the connection is closed. OnClose runs
// (or the WSFunc's Receive returns the close). Loop-only; called by the
// server.
func (w *WebSocket) ConnectionLost(lc *loop.Conn, err error) {
	w.lstate = wsGone
	w.mu.Lock()
	w.setFlag(wsfGone, true)
	w.setFlag(wsfSendClosed, true)
	w.dropOutLocked()
	if w.ext != nil {
		w.ext.bw = nil
	}
	if w.code == 0 {
		w.code = ws.StatusAbnormal
	}
	code, reason := int(w.code), w.closeReasonLocked()
	w.mu.Unlock()
	for w.ext != nil && len(w.ext.hubs) > 0 {
		w.ext.hubs[len(w.ext.hubs)-1].h.removeLoop(w)
	}
	if w.wr.fn != nil {
		close(w.ext.rx.done)
		return
	}
	if w.wr.cb.OnClose != nil {
		w.callClose(code, reason)
	}
}

// callOpen, callMessage and callClose run a callback, turning a panic into
// a log line with the stack and a close with 1011.
func (w *WebSocket) callOpen() {
	defer w.recoverCallback()
	w.wr.cb.OnOpen(w)
}

func (w *WebSocket) callMessage(m WSMessage) {
	defer w.recoverCallback()
	w.wr.cb.OnMessage(w, m)
}

func (w *WebSocket) callClose(code int, reason string) {
	defer w.recoverCallback()
	w.wr.cb.OnClose(w, code, reason)
}

func (w *WebSocket) recoverCallback() {
	if v := recover(); v != nil {
		w.panicked(v)
		if w.lstate < wsDone {
			w.queueClose(ws.StatusInternalError, "internal error", true)
		}
	}
}

func (w *WebSocket) panicked(v any) {
	w.wr.app.Load().log.Error("eddy: WebSocket handler panic", "panic", fmt.Sprint(v),
		"path", w.path(), "stack", string(debug.Stack()))
}

// run is a WSFunc's goroutine.
func (w *WebSocket) run() {
	code, reason := ws.StatusNormal, ""
	defer func() {
		if v := recover(); v != nil {
			w.panicked(v)
			code, reason = ws.StatusInternalError, "internal error"
		}
		_ = w.Close(int(code), reason)
	}()
	if err := w.wr.fn(w); err != nil {
		w.wr.app.Load().log.Error("eddy: WebSocket handler error", "path", w.path(), "error", err)
		code, reason = ws.StatusInternalError, "internal error"
	}
}

// SendText sends s as a text message. It returns ErrWSClosed once the
// WebSocket is closing, ErrWSSlowConsumer when the client is too far
// behind (the WebSocket is then closed with 1008). Safe for concurrent
// use.
func (w *WebSocket) SendText(s string) error { return w.send(ws.OpText, unsafeBytes(s)) }

// SendBytes sends b as a binary message; b is copied before SendBytes
// returns, except OnMessage's own m.Data (see Send). Errors as for
// SendText. Safe for concurrent use.
func (w *WebSocket) SendBytes(b []byte) error { return w.send(ws.OpBinary, b) }

// Send sends data as a message of type t (WSText or WSBinary): the way to
// echo a message as received, or to send text held in a []byte without a
// conversion. data is copied before Send returns, with one exception that
// makes echoes cheap: the m.Data of the message OnMessage is running for
// (1 KiB or more), sent from OnMessage, is written from the loop's input
// at the end of the callback's batch, without a copy; do not modify m.Data
// after sending it. Errors as for SendText. Safe for concurrent use.
func (w *WebSocket) Send(t WSMessageType, data []byte) error {
	if t != WSText && t != WSBinary {
		return fmt.Errorf("eddy: WebSocket Send of a %s message: use Ping, Pong or Close", t)
	}
	return w.send(ws.Op(t), data)
}

// SendJSON sends v encoded as JSON in a text message. Errors as for
// SendText, or the encoding's. Safe for concurrent use.
func (w *WebSocket) SendJSON(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("eddy: WebSocket JSON: %w", err)
	}
	return w.send(ws.OpText, b)
}

// Ping sends a ping with payload p (at most 125 bytes); the peer answers
// with a pong. Safe for concurrent use.
func (w *WebSocket) Ping(p []byte) error { return w.sendControl(ws.OpPing, p) }

// Pong sends a pong with payload p (at most 125 bytes): the answer to a
// ping delivered with WSConfig.NoAutoPing, or an unsolicited heartbeat.
// Safe for concurrent use.
func (w *WebSocket) Pong(p []byte) error { return w.sendControl(ws.OpPong, p) }

func (w *WebSocket) sendControl(op ws.Op, p []byte) error {
	if len(p) > ws.MaxControlPayload {
		return ErrWSControlTooLong
	}
	return w.send(op, p)
}

// send queues one frame and makes sure a flush follows. Safe for
// concurrent use.
func (w *WebSocket) send(op ws.Op, p []byte) error {
	w.mu.Lock()
	if w.flag(wsfSendClosed) {
		w.mu.Unlock()
		return ErrWSClosed
	}
	if w.tooFarBehindLocked(len(p)) {
		return w.cutUnlock()
	}
	if d := w.deflate(); d != nil && !op.IsControl() {
		w.mu.Unlock()
		return w.sendCompressed(d, op, p)
	}
	if bw := w.borrow(); bw != nil && len(p) >= minBorrowedSend && len(p) == len(bw.cur) && unsafe.SliceData(p) == unsafe.SliceData(bw.cur) {
		// The message OnMessage runs for, sent back: its bytes stay in
		// the loop's input until the batch's flush writes them.
		w.out = ws.AppendHeader(w.out, ws.Header{Fin: true, Op: op, Length: int64(len(p))})
		bw.refs = append(bw.refs, wsRef{at: len(w.out), p: p})
		bw.bytes += len(p)
		return w.postUnlock()
	}
	w.out = ws.AppendFrame(w.out, op, true, p)
	return w.postUnlock()
}

// sendCompressed compresses p into a frame under def.mu alone (the loop
// goes on meanwhile), then queues it under mu, checking again what may have
// changed during the compression. Safe for concurrent use.
func (w *WebSocket) sendCompressed(d *wsDeflate, op ws.Op, p []byte) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	f := d.d.AppendFrame(d.buf[:0], op, p)
	d.buf = nil
	if cap(f) <= maxKeptWSOut {
		d.buf = f[:0]
	}
	w.mu.Lock()
	if w.flag(wsfSendClosed) {
		w.mu.Unlock()
		return ErrWSClosed
	}
	if w.tooFarBehindLocked(len(f)) {
		return w.cutUnlock()
	}
	w.out = append(w.out, f...)
	return w.postUnlock()
}

// tooFarBehindLocked reports whether n more bytes would pass MaxOutbound
// while output is still queued. mu held.
func (w *WebSocket) tooFarBehindLocked(n int) bool {
	q := int(w.queued.Load()) + w.outLenLocked()
	return q > 0 && q+n > w.wr.cfg.MaxOutbound
}

// cutUnlock drops what is queued and marks the slow consumer to be cut off
// by the next flush, which it makes sure follows; it releases mu.
func (w *WebSocket) cutUnlock() error {
	w.setFlag(wsfSendClosed|wsfCut, true)
	w.dropOutLocked() // the client gets a close frame instead
	_ = w.postUnlock()
	return ErrWSSlowConsumer
}

// postUnlock makes sure a flush follows what was queued, and releases mu.
func (w *WebSocket) postUnlock() error {
	post := !w.flushPosted.Load()
	if post {
		w.flushPosted.Store(true)
	}
	w.mu.Unlock()
	if post {
		return w.post()
	}
	return nil
}

// flushWS flushes the WebSocket that owns lc (the server hands the
// connection to it at the upgrade): a function for every WebSocket, not a
// closure kept by each.
func flushWS(lc *loop.Conn) {
	if w, ok := lc.Protocol().(*WebSocket); ok {
		w.flush()
	}
}

// post asks the loop to flush.
func (w *WebSocket) post() error {
	if err := w.lc.Handle().Post(flushWS); err != nil {
		return ErrWSClosed
	}
	return nil
}

// Close starts the closing handshake with code and reason (at most 123
// bytes): the close frame follows every message sent before, the peer
// answers with its own, and the connection closes (after
// WSConfig.CloseTimeout if the answer does not come). code must be one a
// close frame may carry (1000-1003, 1007-1014, 3000-4999). A second Close
// returns ErrWSClosed. Safe for concurrent use.
func (w *WebSocket) Close(code int, reason string) error {
	sc := ws.StatusCode(code)
	if code < 0 || code > 0xffff || !sc.Valid() {
		return ErrWSCloseCode
	}
	if len(reason) > ws.MaxControlPayload-2 {
		return ErrWSControlTooLong
	}
	w.mu.Lock()
	if w.flag(wsfSendClosed) {
		w.mu.Unlock()
		return ErrWSClosed
	}
	w.setFlag(wsfSendClosed, true)
	if w.code == 0 {
		w.code, w.reason = sc, reasonPtr(reason)
	}
	w.out = ws.AppendClose(w.out, sc, reason)
	w.setFlag(wsfCloseQueued, true)
	post := !w.flushPosted.Load()
	if post {
		w.flushPosted.Store(true)
	}
	w.mu.Unlock()
	if post {
		_ = w.post() // a connection already gone is closed anyway
	}
	return nil
}

// CloseCode returns the close code: the peer's (1005 for a close frame
// without one), ours when we closed and the peer did not answer, 1006 for
// a connection lost without a close frame; 0 while the WebSocket is open.
// Safe for concurrent use.
func (w *WebSocket) CloseCode() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return int(w.code)
}

// CloseReason returns the reason that came with CloseCode. Safe for
// concurrent use.
func (w *WebSocket) CloseReason() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.closeReasonLocked()
}

// Closed reports whether the WebSocket is closing or closed: a close frame
// was sent or received, or the connection is gone. Safe for concurrent
// use.
func (w *WebSocket) Closed() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.flag(wsfSendClosed) || w.flag(wsfPeerClosed) || w.flag(wsfGone)
}

// Protocol returns the negotiated subprotocol ("" if none). Safe for
// concurrent use.
func (w *WebSocket) Protocol() string {
	switch w.proto {
	case 0:
		return ""
	case protoInExt:
		return w.ext.protocol
	}
	return w.wr.cfg.Protocols[w.proto-1]
}

// RemoteAddr returns the client's address. Safe for concurrent use.
func (w *WebSocket) RemoteAddr() net.Addr {
	if w.remote != nil {
		return w.remote
	}
	return w.ext.remote // made before the upgrade, never replaced: read without mu
}

// Param returns the value of the route's path parameter name from the
// handshake's path ("" if the route has none by that name). Safe for
// concurrent use.
func (w *WebSocket) Param(name string) string {
	var v string
	w.headParams(func(n, value string) bool {
		if n == name {
			v = value
			return false
		}
		return true
	})
	return v
}

// Query returns the first value of the handshake's query parameter name
// ("" if absent), decoded as url.ParseQuery decodes it. It reads the kept
// head again. Safe for concurrent use.
func (w *WebSocket) Query(name string) string {
	_, q := w.target()
	for q != "" {
		var pair string
		pair, q, _ = strings.Cut(q, "&")
		if strings.Contains(pair, ";") {
			continue // url.ParseQuery rejects such a pair
		}
		k, v, _ := strings.Cut(pair, "=")
		if k, err := url.QueryUnescape(k); err != nil || k != name {
			continue
		}
		if v, err := url.QueryUnescape(v); err == nil {
			return v
		}
	}
	return ""
}

// path returns the handshake's path (for log lines).
func (w *WebSocket) path() string {
	p, _ := w.target()
	return p
}

// target returns the handshake's path and raw query, read from the kept
// head.
func (w *WebSocket) target() (path, rawQuery string) {
	var r httpcodec.Request
	if !w.parseHead(&r) {
		return "", ""
	}
	return string(r.Path()), string(r.RawQuery())
}

// parseHead parses the kept head into r. It parsed when it arrived, with
// these limits or tighter ones, so it fails only if something is very
// wrong.
func (w *WebSocket) parseHead(r *httpcodec.Request) bool {
	head := unsafeBytes(w.headRaw()) // read-only: the parser does not write
	lim := httpcodec.Limits{MaxRequestLine: len(head), MaxHeaderBytes: len(head), MaxHeaders: len(head)}
	p := httpcodec.RequestParser{Limits: &lim}
	n, err := p.Parse(head, r)
	return n > 0 && err == nil
}

// Loop returns the loop the connection runs on: callbacks there may use
// its timers (Loop.CallLater). Safe for concurrent use.
func (w *WebSocket) Loop() *loop.Loop { return w.lc.Loop() }
