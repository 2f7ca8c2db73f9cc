package loop

import (
	"math"
	"net"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/panjf2000/gnet/v2"
)

// Conn is one connection, guarded against gnet's traps: after it closed, writes return
// ErrClosed and reach nothing (gnet reuses fd numbers); a failed write closes it once;
// Close flushes first. It is small (64 bytes beside gnet's own state, TestConnSize) so idle
// keep-alive connections stay cheap: what only matters while output is pending or while
// closing lives in an outState, found in the loop's map then.
//
// Methods marked Loop-only must run on c's loop (inside a Protocol callback, a timer, a
// CallSoon/CallSoonThreadsafe function, a Handle.Post function or an executor done).
type Conn struct {
	gc    gnet.Conn // nil once gnet let go (fDetached); never used after: gnet recycles its fd
	loop  *Loop
	proto Protocol

	deadline time.Duration // Timeouter deadline on the Time scale; 0 = none

	left    int32       // unconsumed inbound bytes after the last offer (MaxInbound <= 1 GiB)
	hidx    int32       // index in the loop's check heap; -1 only while its check runs, or once closed
	hclosed atomic.Bool // fClosed, readable from any goroutine (Handle)
	flags   uint16
	why     closeReason // why we closed it; given to ConnectionLost
	pauses  uint8       // PauseReading calls not yet matched by ResumeReading
}

// outState is a connection's state while output is pending (fOutPending) or from
// Shutdown's half-close until it closes. The loop maps connections to it (Loop.outs),
// which keeps Conn in the 64-byte size class; only those connections pay for it.
// Released ones are kept for reuse, so a connection that writes more than the kernel
// takes costs no allocation in steady state.
type outState struct {
	lingerAt   time.Duration // a Shutdown's wait for the peer's EOF ends at this time (once fHalfClosed)
	progressAt time.Duration // last time the outbound buffer shrank
	pollStep   uint8         // output poll backoff exponent
	next       *outState     // the loop's free list

	buf   []byte // queued output: buf[off:] is not yet taken by the kernel
	off   int
	files []fileSeg // file segments (SendFile), each sent before buf[at:]
	fileq int64     // file bytes queued in files
	wid   uint64    // the writability watcher's id for c (0: not watched)
	err   error     // the write error that closed the connection (whyWriteErr)

	// Once gnet let go at the peer's EOF (fDetached):
	fd           int      // our duplicate of the socket
	in           []byte   // input left unconsumed at the EOF, still to offer
	laddr, raddr net.Addr // the addresses gnet knew
}

// maxFreeOut bounds a loop's free list: past a burst of slow writers, the rest go to the GC.
const maxFreeOut = 256

func (c *Conn) setHidx(i int32) { c.hidx = i }

// out returns c's outState, nil if it has none.
func (c *Conn) out() *outState { return c.loop.outs[c] }

// takeOut returns c's outState, making one if it has none.
func (c *Conn) takeOut() *outState {
	l := c.loop
	if o := l.outs[c]; o != nil {
		return o
	}
	o := l.freeOut
	if o != nil {
		l.freeOut = o.next
		l.nfreeOut--
		*o = outState{buf: o.buf[:0], files: o.files[:0]}
	} else {
		o = new(outState)
	}
	if l.outs == nil {
		l.outs = make(map[*Conn]*outState)
	}
	l.outs[c] = o
	return o
}

func (c *Conn) releaseOut() {
	if c.flags&fClosed == 0 && c.flags&(fDetached|fCarry) != 0 {
		return // it holds the socket, or input
	}
	l := c.loop
	o := l.outs[c]
	if o == nil {
		return
	}
	delete(l.outs, c)
	o.dropFiles(l)
	if cap(o.buf) > maxKeptOut {
		o.buf = nil
	}
	o.in, o.err, o.laddr, o.raddr = nil, nil, nil, nil
	if l.nfreeOut < maxFreeOut {
		o.next = l.freeOut
		l.freeOut = o
		l.nfreeOut++
	}
}

// closeReason is why the loop closed a connection: an index into closeErrs. A byte
// instead of an error value keeps Conn in a smaller size class (every reason is one of
// the package's sentinel errors).
type closeReason uint8

const (
	whyNone closeReason = iota
	whyInboundOverflow
	whyBadConsumed
	whyWriteStall
	whyLinger
	whyTimeout
	whyPanicked
	whyWriteErr // the error is in outState.err
)

var closeErrs = [...]error{
	whyNone:            nil,
	whyInboundOverflow: ErrInboundOverflow,
	whyBadConsumed:     ErrBadConsumed,
	whyWriteStall:      ErrWriteStall,
	whyLinger:          ErrLinger,
	whyTimeout:         ErrTimeout,
	whyPanicked:        ErrPanicked,
	whyWriteErr:        errWriteFailed, // replaced by the error itself (outState.err)
}

const (
	fAccepted    uint16 = 1 << iota // from our listener (counts toward NumConns)
	fClosed                         // gnet closed it; ConnectionLost scheduled
	fClosing                        // Close called: flush, then close
	fShutdown                       // Shutdown called: flush, then half-close
	fHalfClosed                     // SHUT_WR sent; discarding input until EOF
	fCloseAct                       // close requested inside c's own gnet callback: return gnet.Close
	fReoffer                        // a re-offer is queued
	fWritePaused                    // PauseWriting was called
	fOutPending                     // output is queued (outState.buf); watched for EPOLLOUT, polled by the timer
	fDetached                       // gnet let go at the peer's EOF; we own a dup of the fd
	fEnded                          // EOFReceived ran
	fInState                        // a receive hint or an inbound limit is set (Loop.ins)
	fParked                         // out of gnet while reading is paused (with fDetached; park.go)
	fRejoin                         // parked, and being enrolled in gnet again (with fDetached)
	fCarry                          // input lives in outState.in until consumed (after a park)
	fProxied                        // came with a PROXY protocol header (Loop.proxied)
)

const (
	pollBase    = time.Millisecond // first output poll after a write left bytes buffered
	maxPollStep = 6                // polls back off to pollBase<<6 = 64 ms while the peer reads slowly
	pollGood    = 16 << 10         // a poll that sends this much (or all) polls again after pollBase
)

// Write sends p, or queues what the kernel does not take; it returns once p is copied,
// so the caller may reuse p. After the connection closed (or Close/Shutdown was called)
// it returns ErrClosed and sends nothing. A write error closes the connection and is
// returned. Loop-only.
func (c *Conn) Write(p []byte) error {
	c.loop.own.check("Conn.Write")
	if c.flags&(fClosed|fClosing|fShutdown) != 0 {
		return ErrClosed
	}
	if c.flags&fOutPending != 0 {
		c.out().enqueue(p) // behind what is queued: the order is kept
		c.loop.stats.bytesOut.Add(int64(len(p)))
		c.outputPending()
		return nil
	}
	n, err := sockWrite(c.fd(), p)
	if err != nil {
		c.writeFailed(err)
		return err
	}
	if n < len(p) {
		o := c.takeOut()
		o.buf = append(o.buf[:0], p[n:]...) // the one copy: only what the kernel did not take
		o.off = 0
		c.outputPending()
	}
	c.loop.stats.bytesOut.Add(int64(len(p)))
	return nil
}

// Writev sends bufs in order, with one writev syscall when nothing is queued; only what
// the kernel does not take is copied (once), so a large body costs no copy of the part
// the socket takes at once. bufs and its elements are not modified. Same rules as Write.
// Loop-only.
func (c *Conn) Writev(bufs [][]byte) error {
	c.loop.own.check("Conn.Writev")
	if c.flags&(fClosed|fClosing|fShutdown) != 0 {
		return ErrClosed
	}
	total := 0
	for _, b := range bufs {
		total += len(b)
	}
	if c.flags&fOutPending != 0 {
		o := c.out()
		for _, b := range bufs {
			o.enqueue(b)
		}
		c.loop.stats.bytesOut.Add(int64(total))
		c.outputPending()
		return nil
	}
	n, err := sockWritev(c.fd(), bufs)
	if err != nil {
		c.writeFailed(err)
		return err
	}
	if n < total {
		c.queueRest(bufs, n)
	}
	c.loop.stats.bytesOut.Add(int64(total))
	return nil
}

// OutboundBuffered is the number of bytes queued and not yet taken by the kernel; 0
// after close. Loop-only.
func (c *Conn) OutboundBuffered() int {
	if c.flags&fClosed != 0 {
		return 0
	}
	return c.queued()
}

// InboundBuffered is the number of unconsumed inbound bytes held for c. Loop-only.
func (c *Conn) InboundBuffered() int {
	switch {
	case c.flags&fClosed != 0:
		return 0
	case c.flags&(fDetached|fCarry) != 0:
		return len(c.out().in)
	}
	return c.gc.InboundBuffered()
}

// Close stops reading (later input is discarded), flushes pending output, then closes.
// The flush is bounded as any write is: if the output makes no progress for
// Config.WriteTimeout (a peer that stopped reading), the connection is aborted and
// ConnectionLost gets ErrLinger; a peer that pauses for less gets every byte. It
// returns ErrClosed if already closed or closing. ConnectionLost runs later, never
// inside Close. Loop-only.
func (c *Conn) Close() error {
	c.loop.own.check("Conn.Close")
	if c.flags&(fClosed|fClosing) != 0 {
		return ErrClosed
	}
	c.flags |= fClosing
	if c.queued() == 0 {
		c.closeNow(whyNone)
	}
	// Else the output poll flushes, then closes (onTimer), or cuts a stalled flush
	// after WriteTimeout.
	return nil
}

// Shutdown flushes pending output, then half-closes (SHUT_WR: the peer reads EOF after
// the last byte), discards input until the peer's EOF, and closes then, or
// Config.CloseLinger after the half-close. This is the lingering close that keeps a peer
// from getting a reset before it read the response. The flush is bounded as Close's is:
// output that makes no progress for Config.WriteTimeout aborts the connection
// (ConnectionLost gets ErrLinger). It returns ErrClosed if already closed or closing.
// Loop-only.
func (c *Conn) Shutdown() error {
	c.loop.own.check("Conn.Shutdown")
	if c.flags&(fClosed|fClosing|fShutdown) != 0 {
		return ErrClosed
	}
	c.flags |= fShutdown
	if c.queued() == 0 {
		c.halfClose()
	}
	c.rejoinToDiscard()
	return nil
}

// Abort drops pending output and closes now (with SO_LINGER 0: the peer gets a reset).
// ConnectionLost gets nil. Loop-only.
func (c *Conn) Abort() {
	c.loop.own.check("Conn.Abort")
	c.abort(whyNone)
}

// Closed reports whether the connection is closed or closing (Close, Shutdown or Abort
// was called, or the peer went away). Loop-only.
func (c *Conn) Closed() bool { return c.flags&(fClosed|fClosing|fShutdown) != 0 }

// SetDeadline arms the connection's deadline at t on the Time scale (Loop.Time()+d);
// 0 clears it. When it passes, Timeouter.Timeout runs (or the connection is aborted with
// ErrTimeout). Moving a deadline later is a field write: the timer entry is re-armed
// lazily when it fires. Loop-only.
func (c *Conn) SetDeadline(t time.Duration) {
	c.loop.own.check("Conn.SetDeadline")
	if old := c.deadline; old != 0 && t >= old && c.hidx >= 0 {
		// Moved later (an idle timeout re-armed at each request): c's timer entry
		// fires no later than the old deadline (arm only moves it earlier, and rearm
		// sets it to the deadline at the latest), so no later than t: the test
		// below would not arm, without its look into the heap.
		c.deadline = t
		return
	}
	c.deadline = t
	if t != 0 && c.flags&fClosed == 0 && (c.hidx < 0 || t < c.loop.checks.when(c.hidx)) {
		c.arm(t)
	}
}

// SetDeadlineAfter arms the connection's deadline d from now (Loop.Time()+d): an idle
// timeout is SetDeadlineAfter(idle) at each request. d <= 0 clears it. Loop-only.
func (c *Conn) SetDeadlineAfter(d time.Duration) {
	if d <= 0 {
		c.SetDeadline(0)
		return
	}
	c.SetDeadline(c.loop.now + d)
}

// Deadline returns the deadline set by SetDeadline (0 = none). Loop-only.
func (c *Conn) Deadline() time.Duration { return c.deadline }

// PauseReading stops DataReceived calls until every PauseReading has been matched by a
// ResumeReading: pauses are counted, so independent reasons (a full outbound buffer, a
// busy executor job, an application's own limit) each pause and resume on their own and
// reading resumes when the last is released. At most 255 pauses may be held at once; one
// more panics (a missing ResumeReading). Bytes that arrive while paused are buffered;
// past 64 KiB (or the connection's inbound limit, if lower) the connection leaves gnet's
// poller until the last ResumeReading, so the kernel stops reading for it and memory
// stays bounded (gnet itself cannot stop reading; see the package doc's Flow control).
// Loop-only.
func (c *Conn) PauseReading() {
	c.loop.own.check("Conn.PauseReading")
	if c.pauses == math.MaxUint8 {
		panic("loop: more than 255 PauseReading calls held at once")
	}
	c.pauses++
}

// ResumeReading releases one PauseReading; when none is left, DataReceived calls resume
// and the buffered bytes are re-offered soon (a CallSoon, never inside this call): gnet
// is level-triggered and would not offer them again by itself. Without a pause held it
// does nothing. Loop-only.
func (c *Conn) ResumeReading() {
	c.loop.own.check("Conn.ResumeReading")
	if c.pauses == 0 {
		return
	}
	c.pauses--
	if c.pauses > 0 {
		return
	}
	// Something to do: buffered input to offer, the peer's EOF to report, or a parked
	// connection to put back in gnet (reoffer does all three).
	if c.flags&(fReoffer|fClosed) == 0 && (c.InboundBuffered() > 0 || c.flags&(fDetached|fEnded) == fDetached) {
		c.flags |= fReoffer
		c.loop.CallSoon(c.reoffer)
	}
}

// ReadingPaused reports whether a PauseReading is held. Loop-only.
func (c *Conn) ReadingPaused() bool { return c.pauses != 0 }

// Loop is the connection's loop. Safe for concurrent use.
func (c *Conn) Loop() *Loop { return c.loop }

// RemoteAddr is the peer's address; nil after close. Loop-only.
func (c *Conn) RemoteAddr() net.Addr {
	if c.flags&(fClosed|fProxied|fDetached) == 0 {
		return c.gc.RemoteAddr() // the common case, with one test
	}
	switch {
	case c.flags&fClosed != 0:
		return nil
	case c.flags&fProxied != 0:
		if a := c.proxiedAddr(); a != nil {
			return a // the client, from the PROXY header (Config.ProxyProtocol)
		}
	}
	if c.flags&fDetached != 0 {
		return c.out().raddr
	}
	return c.gc.RemoteAddr()
}

// LocalAddr is the local address; nil after close. Loop-only.
func (c *Conn) LocalAddr() net.Addr {
	switch {
	case c.flags&fClosed != 0:
		return nil
	case c.flags&fDetached != 0:
		return c.out().laddr
	}
	return c.gc.LocalAddr()
}

// Protocol is the connection's protocol: the one its Factory made, or the last one given
// to SetProtocol. Loop-only.
func (c *Conn) Protocol() Protocol { return c.proto }

// SetProtocol hands the connection to p: every later event (DataReceived, including the
// rest of the input being offered, the optional interfaces, ConnectionLost) goes to p,
// and the connection no longer holds the protocol it had. p.ConnectionMade is not called:
// the caller readies p. A protocol that upgrades its connection (HTTP to WebSocket) steps
// aside with it instead of forwarding every event, and does not stay in memory. Loop-only.
func (c *Conn) SetProtocol(p Protocol) {
	c.loop.own.check("Conn.SetProtocol")
	if p == nil {
		panic("loop: SetProtocol with a nil Protocol")
	}
	c.proto = p
}

// Handle returns the handle other goroutines may hold to reach c. It costs nothing: it
// is c seen through a goroutine-safe method set. Safe for concurrent use.
func (c *Conn) Handle() *Handle { return (*Handle)(c) }

// outputPending starts flushing the queue when the kernel signals room (writable.go) and
// polling it from the timer (the fallback, and write-stall detection), and calls
// PauseWriting past the high water mark.
func (c *Conn) outputPending() {
	o := c.out()
	ob := o.pending()
	if c.flags&fOutPending == 0 {
		c.flags |= fOutPending
		o.progressAt = c.loop.now
		o.pollStep = 0
		c.arm(c.loop.now + pollBase)
		c.watch()
	}
	if ob > c.loop.srv.cfg.HighWater && c.flags&fWritePaused == 0 {
		if wf, ok := c.proto.(WriteFlow); ok {
			c.flags |= fWritePaused
			wf.PauseWriting(c)
		}
	}
}

// halfClose sends SHUT_WR once Shutdown's output is all out, and waits for the peer's
// EOF for Config.CloseLinger at most (the lingering close).
func (c *Conn) halfClose() {
	c.flags |= fHalfClosed
	if c.eofSeen() {
		c.closeNow(whyNone) // the peer's EOF came already: nothing is left to wait for
		return
	}
	if err := syscall.Shutdown(c.fd(), syscall.SHUT_WR); err != nil {
		c.closeNow(whyNone) // the peer is already gone
		return
	}
	at := c.loop.now + c.loop.srv.cfg.CloseLinger
	c.takeOut().lingerAt = at
	c.arm(at)
}

func (c *Conn) abort(why closeReason) {
	if c.flags&fClosed != 0 {
		return
	}
	_ = syscall.SetsockoptLinger(c.fd(), syscall.SOL_SOCKET, syscall.SO_LINGER, &syscall.Linger{Onoff: 1})
	c.closeNow(why)
}

// closeNow closes at once; inside c's own gnet callback it is done by returning
// gnet.Close, elsewhere synchronously through gnet's loop.
func (c *Conn) closeNow(why closeReason) {
	if c.flags&fClosed != 0 {
		return
	}
	if c.why == whyNone {
		c.why = why
	}
	c.flags |= fClosing
	if c.flags&fDetached != 0 {
		c.closeDetached(nil)
		return
	}
	if c.loop.cur == c {
		c.flags |= fCloseAct
		return
	}
	_ = c.gc.EventLoop().Close(c.gc)
}

func (c *Conn) action() gnet.Action {
	if c.flags&(fCloseAct|fClosed) == fCloseAct {
		c.flags &^= fCloseAct
		return gnet.Close
	}
	return gnet.None
}

func (c *Conn) drain() {
	if c.flags&(fClosed|fClosing|fShutdown) != 0 {
		return
	}
	if d, ok := c.proto.(Drainer); ok {
		d.Drain(c)
		return
	}
	_ = c.Close()
}

// onTraffic is gnet's OnTraffic for c.
func (c *Conn) onTraffic() gnet.Action {
	l := c.loop
	l.enter()
	prev := l.cur
	l.cur = c
	total := c.gc.InboundBuffered()
	if c.flags&(fCarry|fClosing|fShutdown|fInState) == 0 && c.pauses == 0 {
		// The common case, with one test of the flags: the input is in gnet's buffer
		// and nothing holds it back (the default case below).
		l.stats.bytesIn.Add(int64(total - int(c.left)))
		c.guardedOffer()
		l.exit()
		l.cur = prev
		return c.action()
	}
	if c.flags&fCarry != 0 {
		l.stats.bytesIn.Add(int64(total))
		total = c.carryIn()
	} else {
		l.stats.bytesIn.Add(int64(total - int(c.left)))
	}
	switch {
	case c.flags&(fClosing|fShutdown) != 0:
		_, _ = c.gc.Discard(0) // Discard(0) means everything
		if c.flags&fCarry != 0 {
			c.discard(len(c.out().in))
		}
		c.left = 0
	case c.pauses != 0 || c.flags&fInState != 0 && total < c.hint():
		// Paused, or short of the receive hint: count, do not offer (and do not ask
		// gnet for a contiguous view, which copies everything buffered). Paused past
		// parkAt, the connection leaves gnet's poller until ResumeReading (park.go):
		// the kernel's receive window closes instead of our buffer growing.
		c.left = int32(min(total, math.MaxInt32))
		limit := c.maxInbound()
		if c.pauses != 0 && c.flags&fDetached == 0 && total >= min(parkAt, limit) && c.park() {
			break
		}
		if total > limit {
			c.abort(whyInboundOverflow)
		}
	default:
		c.guardedOffer()
	}
	l.exit()
	l.cur = prev
	return c.action()
}

// offered is guardedOffer's work after a DataReceived call that returned n, then the rest of
// the offer, for a call whose panic the protocol recovered (DataRecoverer): the input that
// call was given is still the whole of inbound.
func (c *Conn) offered(n int) {
	direct := c.loop.direct == c
	if direct {
		c.loop.direct = nil
	}
	if c.flags&fClosed != 0 {
		return
	}
	size := len(c.inbound())
	if n < 0 || n > size || direct && n != size {
		c.abort(whyBadConsumed)
		return
	}
	if n == 0 {
		c.offerEnd()
		return
	}
	if c.flags&(fDetached|fCarry) != 0 {
		c.discard(n)
	} else {
		_, _ = c.gc.Discard(n)
	}
	if n == size {
		c.left = 0
		return
	}
	c.guardedOffer() // the rest, under a recover of its own
}

// offerEnd is the end of an offer that left input unconsumed: it counts what is left
// and holds it to the inbound bounds.
func (c *Conn) offerEnd() {
	if c.flags&fClosed != 0 {
		return
	}
	left := c.InboundBuffered()
	c.left = int32(min(left, math.MaxInt32))
	limit := c.maxInbound()
	if c.pauses != 0 && c.flags&fDetached == 0 && left >= min(parkAt, limit) && c.park() {
		return
	}
	if left > limit && c.flags&fParked == 0 { // a parked one's input is bounded by the park

		c.abort(whyInboundOverflow)
	}
}

func (c *Conn) reoffer() {
	c.flags &^= fReoffer
	if c.flags&(fClosed|fClosing|fShutdown) != 0 || c.pauses != 0 {
		return
	}
	c.guardedOffer() // offers, then EOFReceived once the input is all seen
	if c.pauses == 0 && c.flags&(fParked|fRejoin|fClosed) == fParked {
		c.rejoin()
	}
}

// inbound returns the unconsumed input: gnet's buffer (Peek(0) means everything), or our
// copy once gnet let go.
func (c *Conn) inbound() []byte {
	if c.flags&(fDetached|fCarry) != 0 {
		return c.out().in
	}
	buf, _ := c.gc.Peek(0)
	return buf
}

// discard drops the first n unconsumed input bytes.
func (c *Conn) discard(n int) {
	if c.flags&(fDetached|fCarry) != 0 {
		o := c.out()
		o.in = o.in[n:]
		if len(o.in) == 0 {
			o.in = nil
			if c.flags&(fCarry|fDetached) == fCarry {
				c.flags &^= fCarry // back to gnet's buffer
				if c.flags&(fOutPending|fClosing|fShutdown) == 0 {
					c.releaseOut()
				}
			}
		}
		return
	}
	_, _ = c.gc.Discard(n)
}

// onClose is gnet's OnClose for c: after it, c.gc is never touched again. At the peer's
// EOF, c may live on outside gnet (detach).
func (c *Conn) onClose(err error) {
	if c.flags&fClosed == 0 && peerEOF(err) && c.keepAfterEOF() {
		l := c.loop
		l.enter()
		ok := c.detach()
		l.exit()
		if ok {
			return
		}
	}
	c.lost(err)
}

// lost ends c: the check heap, the counters and the MaxConns slot are released, and
// ConnectionLost is scheduled with the reason (err is gnet's close error, if any).
func (c *Conn) lost(err error) {
	l := c.loop
	s := l.srv
	l.enter()
	ours := c.flags&(fClosing|fShutdown) != 0
	reason := closeErrs[c.why]
	if o := c.out(); c.why == whyWriteErr && o != nil && o.err != nil {
		reason = o.err
	}
	c.flags |= fClosed
	c.hclosed.Store(true)
	if c.hidx >= 0 {
		l.checks.remove(int(c.hidx))
	}
	c.unwatch()
	c.releaseOut()
	c.releaseIn()
	c.forgetProxied()
	l.stats.conns.Add(-1)
	if c.flags&fAccepted != 0 {
		s.releaseSlot()
		if s.nconns.Add(-1) == 0 && s.draining.Load() {
			select {
			case s.zero <- struct{}{}:
			default:
			}
		}
	}
	switch {
	case reason != nil:
	case err != nil && !peerEOF(err):
		reason = err
	case err == nil && !ours:
		reason = ErrStopped // gnet closed it while its loop stopped
	}
	p := c.proto
	l.callSoonFor(c, func() { p.ConnectionLost(c, reason) })
	l.exit()
}

// onTimer runs when c's timer entry fires (it has been popped: hidx is -1).
func (c *Conn) onTimer(now time.Duration) {
	if c.flags&fClosed != 0 {
		return
	}
	cfg := &c.loop.srv.cfg
	var o *outState
	if c.flags&(fOutPending|fClosing|fShutdown) != 0 {
		o = c.out()
	}
	if c.flags&fOutPending != 0 {
		sent, ok := c.flushOut()
		if !ok {
			return // a write error closed it
		}
		ob := o.pending()
		// A peer that reads fast is polled every pollBase; one that reads slowly (or
		// not at all) less and less often, so slow readers cost few syscalls.
		switch {
		case sent >= pollGood || sent > 0 && ob == 0:
			o.progressAt = now
			o.pollStep = 0
		case sent > 0:
			o.progressAt = now
			o.pollStep = min(o.pollStep+1, maxPollStep)
		default:
			o.pollStep = min(o.pollStep+1, maxPollStep)
		}
		if c.flags&fWritePaused != 0 && ob <= cfg.LowWater {
			c.flags &^= fWritePaused
			c.proto.(WriteFlow).ResumeWriting(c)
			if c.flags&fClosed != 0 {
				return
			}
			// What it wrote meanwhile was queued: send it now, not a poll later.
			if _, ok := c.flushOut(); !ok {
				return
			}
			ob = o.pending()
		}
		if ob == 0 {
			c.flags &^= fOutPending
			c.unwatch()
			if c.flags&(fClosing|fShutdown) == 0 {
				c.releaseOut()
				o = nil
			}
		} else if now-o.progressAt >= cfg.WriteTimeout {
			// A closing flush is bounded as any write: a peer that pauses gets
			// everything, one that stopped reading is cut.
			why := whyWriteStall
			if c.flags&(fClosing|fShutdown) != 0 {
				why = whyLinger
			}
			c.abort(why)
			return
		}
	}
	if c.flags&(fClosing|fShutdown) != 0 && o == nil {
		// closeNow's close is under way (it sets fClosing without lingering): finish it.
		c.closeNow(whyNone)
		return
	}
	if c.flags&(fClosing|fShutdown) != 0 {
		switch {
		case c.flags&fOutPending == 0 && c.flags&fClosing != 0:
			c.closeNow(whyNone)
			return
		case c.flags&fOutPending == 0 && c.flags&fHalfClosed == 0:
			c.halfClose()
			if c.flags&fClosed != 0 {
				return
			}
		}
		if c.flags&fHalfClosed != 0 && now >= o.lingerAt {
			c.closeNow(whyNone) // the peer did not close in time; our output is out
			return
		}
	}
	if c.deadline != 0 && now >= c.deadline {
		c.deadline = 0
		if t, ok := c.proto.(Timeouter); ok {
			t.Timeout(c)
		} else {
			c.abort(whyTimeout)
		}
		if c.flags&fClosed != 0 {
			return
		}
	}
	c.rearm(now)
}

func (c *Conn) rearm(now time.Duration) {
	var next time.Duration
	if c.deadline != 0 {
		next = c.deadline
	}
	if c.flags&(fOutPending|fClosing|fShutdown) != 0 {
		o := c.out()
		if c.flags&fOutPending != 0 {
			if t := now + pollBase<<o.pollStep; next == 0 || t < next {
				next = t
			}
		}
		if c.flags&fHalfClosed != 0 && (next == 0 || o.lingerAt < next) {
			next = o.lingerAt
		}
	}
	if next == 0 {
		next = never // keep the entry: the check heap is also the loop's connection list
	}
	c.arm(next)
}

// arm makes sure c's single timer entry fires no later than at.
func (c *Conn) arm(at time.Duration) {
	l := c.loop
	if c.hidx >= 0 {
		if at >= l.checks.when(c.hidx) {
			return
		}
		l.checks.fix(int(c.hidx), at)
	} else {
		l.checks.push(at, c)
	}
	l.published(at)
}
