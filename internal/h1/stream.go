package h1

import (
	"sync"

	"github.com/eddy-go/eddy/httpcodec"
	"github.com/eddy-go/eddy/loop"
)

// StreamStart finishes nothing yet: it starts a streamed response with
// status and the application's header lines (same rules as Respond). The
// body is chunked for HTTP/1.1 and delimited by the connection's close for
// HTTP/1.0; a HEAD request gets the head only; 1xx, 204 and 304 get no body
// (StreamStart(101, h) then Hijack is how a protocol switch answers).
// Finish with StreamEnd. It returns ErrFinished after a finish or when the
// engine answered in x's place (Claimed; x then counts as finished), and
// ErrConnClosed when the connection is gone (x then counts as finished too).
// Callable from the goroutine running Serve, and after Detach from any
// goroutine.
func (x *Exchange) StreamStart(status int, header []byte) error {
	return x.streamStart(status, header, -1)
}

// StreamStartLength is StreamStart for a body whose length n is known (a
// file): the head announces Content-Length n and the body goes out as it
// is written, unframed, for HTTP/1.0 as for HTTP/1.1 (the connection stays
// open). The caller must write exactly n bytes before StreamEnd; one that
// cannot (a read error half way) must StreamAbort, which closes the
// connection so the client sees the body cut short. A HEAD request gets
// the head only. Same errors and goroutine rules as StreamStart.
func (x *Exchange) StreamStartLength(status int, header []byte, n int64) error {
	if n < 0 {
		n = 0
	}
	return x.streamStart(status, header, n)
}

// streamStart starts a stream of n body bytes, or of an unknown length
// when n < 0.
func (x *Exchange) streamStart(status int, header []byte, n int64) error {
	x.mu.Lock()
	if x.sf&(sfFinished|sfStream) != 0 {
		x.mu.Unlock()
		return ErrFinished
	}
	if x.sf&sfClaimed != 0 {
		// The engine answered in x's place (a handler timeout): x counts
		// as finished now, as after a Respond, or a handler that gives up
		// on ErrFinished would hold x for ever.
		x.sf |= sfFinished
		x.notifyLocked()
		return ErrFinished
	}
	if x.dead {
		x.sf |= sfFinished
		x.notifyLocked()
		return ErrConnClosed
	}
	x.sf |= sfStream | sfHeadPending
	x.status = status
	x.out = append(x.out[:0], header...)
	x.hlen = len(header)
	x.clen = 0
	switch {
	case noBody(status):
		x.mode = modeNone
		x.sf |= sfNoBody
	case n >= 0:
		x.mode = modeLength
		x.clen = n
	case x.req.Minor() == 0:
		x.mode = modeClose
	default:
		x.mode = modeChunked
	}
	if x.isHead() {
		x.sf |= sfNoBody
	}
	x.notifyLocked()
	return nil
}

// StreamWrite queues p as the next piece of the body (a chunk for
// HTTP/1.1) and returns once p is copied. Above the connection's high water
// mark (or while its own queue is full behind earlier responses) it blocks
// for a Plan with InPool, and otherwise returns ErrBackpressure without
// queueing p: continue from OnWritable. It returns ErrConnClosed when the
// connection is gone (x then counts as finished), ErrFinished after
// StreamEnd, ErrNotStreaming before StreamStart. Callable from the
// goroutine running Serve, and after Detach from any goroutine; in the pool
// it may block (never call it on the loop for a Plan with InPool). While
// Serve's pool worker blocks here, the executor may run a spare worker in
// its place (loop.Loop.BlockingWait), so clients that never read cannot
// hold every worker.
func (x *Exchange) StreamWrite(p []byte) error {
	return x.streamWrite(p, x.plan.InPool)
}

// StreamTryWrite is StreamWrite that never blocks, whatever the Plan: above
// the high water mark it returns ErrBackpressure without queueing p. It is
// how the loop writes to a stream whose handler ran in the pool (an event
// stream fed from the loop). Same goroutine rules as StreamWrite.
func (x *Exchange) StreamTryWrite(p []byte) error {
	return x.streamWrite(p, false)
}

// StreamWriteWait is StreamWrite that waits for room whatever the Plan: for
// a goroutine other than the loop writing to a detached exchange (a pool
// job of an on-loop handler). The wait counts as a blocked pool wait
// (loop.Loop.BlockingWait), so clients that never read cannot hold every
// worker. Never call it on the loop: it would wait for the loop itself.
func (x *Exchange) StreamWriteWait(p []byte) error {
	return x.streamWrite(p, true)
}

// StreamWriteDirect is StreamTryWrite for the loop, made for files: when
// x streams a body of known length (StreamStartLength), is the
// connection's current response, has its head out and nothing of its own
// queued, p goes to the connection at once (one writev with whatever else
// the loop holds for the connection) instead of being copied into x's
// queue and then into the loop's buffer: only what the kernel does not
// take is copied, once. That saves two copies of every byte of a large
// file. Otherwise it is StreamTryWrite. Loop-only.
func (x *Exchange) StreamWriteDirect(p []byte) error {
	assertLoop(x.ls, "h1: Exchange.StreamWriteDirect")
	c := x.c
	x.mu.Lock()
	direct := len(p) > 0 && x.sf&(sfStream|sfFinished|sfClaimed|sfHeadPending|sfNoBody) == sfStream &&
		!x.dead && x.mode == modeLength && len(x.out) == 0
	x.mu.Unlock()
	// Not from inside ResumeWriting: the loop calls it while flushing its
	// queue, and a write that pauses it again there could leave it paused
	// with nothing left to poll; through x's queue the write comes after.
	if !direct || c == nil || c.head != x || x.state != stStreaming || c.flags&(cfWritePaused|cfHijacked|cfResuming) != 0 || c.dead() {
		return x.streamWrite(p, false)
	}
	c.ls.claim(c)
	c.writeOutWith(p) // a failed write closes the connection: the next call reports it
	return nil
}

// StreamSendFile sends n bytes of f from off as the next piece of a body of
// known length (StreamStartLength) with sendfile(2): the kernel copies
// them from the page cache to the socket, never through user space (see
// loop.Conn.SendFile; it suits files likely in the page cache). It does so
// only when StreamWriteDirect would write directly (x is the connection's
// current response, its head is out, nothing of its own is queued, the
// connection is below its high water mark) and reports whether it did:
// true means f now belongs to the connection (closed once sent, or when
// the connection goes away; do not use or close it), and the n bytes
// count as written, even if the connection failed meanwhile (the next
// call reports that). false means nothing happened and f is still the
// caller's: write the bytes another way (StreamWriteDirect). Loop-only.
func (x *Exchange) StreamSendFile(f loop.File, off, n int64) bool {
	assertLoop(x.ls, "h1: Exchange.StreamSendFile")
	c := x.c
	lc, ok := c.lc.(*loop.Conn)
	if n <= 0 || !ok || c.head != x || c.flags&(cfWritePaused|cfHijacked|cfResuming) != 0 || c.dead() {
		return false // (the tests' fake transport has no socket)
	}
	x.mu.Lock()
	sf := x.sf
	x.mu.Unlock()
	if sf&(sfStream|sfFinished|sfClaimed|sfHeadPending) == sfStream|sfHeadPending {
		// The head was recorded off the loop's view (a deferred response):
		// render it now, as the kick posted for it would, so that even the
		// first bytes can go with sendfile.
		x.syncState()
		c.flush()
		if c.head != x || c.flags&(cfWritePaused|cfHijacked) != 0 || c.dead() {
			return false
		}
	}
	x.mu.Lock()
	direct := x.sf&(sfStream|sfFinished|sfClaimed|sfHeadPending|sfNoBody) == sfStream &&
		!x.dead && x.mode == modeLength && len(x.out) == 0
	x.mu.Unlock()
	if !direct || x.state != stStreaming {
		return false
	}
	c.ls.claim(c)
	c.writeOut() // what the loop holds for c goes first
	if !c.dead() {
		// A failed send closes the connection (and f); ConnectionLost follows.
		_ = lc.SendFile(f, off, n)
	} else {
		_ = f.Close()
	}
	return true
}

// streamWrite queues p, waiting for room when wait is set.
func (x *Exchange) streamWrite(p []byte, wait bool) error {
	x.mu.Lock()
	for {
		if err := x.streamErrLocked(); err != nil {
			return err
		}
		if !x.fullLocked() {
			break
		}
		if !wait {
			x.mu.Unlock()
			return ErrBackpressure
		}
		if x.cond == nil {
			x.cond = sync.NewCond(&x.mu)
		}
		if x.inJob || !x.plan.InPool {
			// On a pool worker (Serve runs as the job, or a job of a
			// detached exchange): waiting for a client that may never
			// read must not hold the worker.
			x.ls.l.BlockingWait(x.cond.Wait)
		} else {
			x.cond.Wait()
		}
	}
	if len(p) > 0 && x.sf&sfNoBody == 0 {
		if x.mode == modeChunked {
			x.out = httpcodec.AppendChunk(x.out, p)
		} else {
			x.out = append(x.out, p...)
		}
	}
	x.notifyLocked()
	return nil
}

// StreamEnd finishes a streamed response: for a chunked body the last
// chunk, with trailer ("Name: value\r\n" lines, may be nil). Same errors as
// StreamWrite, without backpressure. Same goroutine rules as StreamWrite.
func (x *Exchange) StreamEnd(trailer []byte) error {
	x.mu.Lock()
	if err := x.streamErrLocked(); err != nil {
		return err
	}
	if x.mode == modeChunked && x.sf&sfNoBody == 0 {
		x.out = httpcodec.AppendLastChunk(x.out, trailer)
	}
	x.sf |= sfFinished
	x.notifyLocked()
	return nil
}

// StreamAbort ends a streamed response that failed (its producer returned
// an error or panicked): what was already written is flushed, but the body
// is not terminated (no last chunk) and the connection closes after it,
// as CloseAfter does, so the client sees a truncated body, not a complete
// one. (A body delimited by the connection's close, HTTP/1.0, cannot show
// the difference.) Same errors and goroutine rules as StreamEnd.
func (x *Exchange) StreamAbort() error {
	x.mu.Lock()
	if err := x.streamErrLocked(); err != nil {
		return err
	}
	x.sf |= sfFinished | sfCloseAfter
	x.notifyLocked()
	return nil
}

// streamErrLocked checks that x is streaming; on error it has unlocked
// x.mu (and, for a dead connection, finished x).
func (x *Exchange) streamErrLocked() error {
	switch {
	case x.sf&sfStream == 0:
		x.mu.Unlock()
		return ErrNotStreaming
	case x.sf&(sfFinished|sfClaimed) != 0:
		x.mu.Unlock()
		return ErrFinished
	case x.dead:
		x.sf |= sfFinished
		x.notifyLocked()
		return ErrConnClosed
	}
	return nil
}

// fullLocked reports backpressure for x's stream.
func (x *Exchange) fullLocked() bool {
	if len(x.out) >= streamBuffer {
		return true
	}
	if x.loopOwned() {
		return x.c.flags&cfWritePaused != 0
	}
	return x.sf&sfFlowPaused != 0
}

// notifyLocked unlocks x.mu and gets the loop to look at x: at once when
// the caller is the loop inside Serve, else by posting a kick (unless one
// is already on its way, or the pool job's done callback will do it).
func (x *Exchange) notifyLocked() {
	if x.loopOwned() {
		x.mu.Unlock()
		x.syncState()
		x.c.flush()
		return
	}
	post := x.kicks == 0 && (!x.inJob || x.sf&sfFinished == 0)
	if post {
		x.kicks++
	}
	x.mu.Unlock()
	if post {
		x.post()
	}
}

// syncState moves a pending slot to Streaming or Ready after the handler
// started or finished it, and applies a CloseAfter made off the loop.
// Loop-only.
func (x *Exchange) syncState() {
	x.mu.Lock()
	sf := x.sf
	x.mu.Unlock()
	if sf&sfFinished != 0 {
		x.lf &^= lfOwed
	}
	if sf&sfCloseAfter != 0 {
		x.c.closeAfter(x)
	}
	if sf&sfFinished != 0 && x.c != nil && x.c.cur == x {
		// Answered before its streamed body arrived whole: the rest is
		// not read; the connection ends after the answer.
		x.c.cur = nil
		x.c.closeAfter(x)
	}
	if x.state == stPending && !x.dead {
		switch {
		case sf&sfStream != 0:
			x.state = stStreaming
		case sf&sfFinished != 0:
			x.state = stReady
		}
	}
}

// OnWritable registers fn to run once on the loop when x's stream may take
// more bytes (output below the low water mark, x's turn to write). It
// replaces an earlier registration. fn also runs when the connection goes
// away, so a waiting producer learns it from StreamWrite (ErrConnClosed).
// fn may run when StreamWrite would still report backpressure; StreamWrite
// decides. Loop-only.
func (x *Exchange) OnWritable(fn func()) {
	assertLoop(x.ls, "h1: Exchange.OnWritable")
	x.onWritable = fn
	if fn == nil || x.c.dead() {
		return
	}
	if x.c.head == x && x.c.flags&cfWritePaused == 0 {
		x.ls.l.CallSoon(x.writableFn)
	}
}

// fireWritable runs x's OnWritable function if x can take bytes now.
func (x *Exchange) fireWritable() {
	fn := x.onWritable
	if fn != nil && x.dead {
		// The connection went away: the producer learns it from its next
		// StreamWrite (ErrConnClosed), which finishes x.
		x.onWritable = nil
		fn()
		return
	}
	if fn == nil || x.state != stStreaming || x.c == nil || x.c.dead() || x.c.flags&cfWritePaused != 0 {
		return
	}
	x.mu.Lock()
	full := len(x.out) >= streamBuffer
	x.mu.Unlock()
	if full {
		return
	}
	x.onWritable = nil
	fn()
}

// fireWritable gives the head stream its OnWritable call when it can write.
func (c *conn) fireWritable() {
	if c.head != nil {
		c.headWritable()
	}
}

// headWritable is fireWritable's work, out of line so that the test for an
// empty FIFO (every keep-alive batch ends with one) inlines at each caller.
func (c *conn) headWritable() {
	if x := c.head; x != nil && x.state == stStreaming && !x.dead && x.onWritable != nil {
		x.fireWritable()
	}
}

// PauseWriting is loop.WriteFlow: the output passed the high water mark.
// Parsing pauses; streams see backpressure.
func (c *conn) PauseWriting(lc *loop.Conn) {
	if c.flags&cfHijacked != 0 {
		if wf, ok := c.hijack.p.(loop.WriteFlow); ok {
			wf.PauseWriting(lc)
		}
		return
	}
	c.flags |= cfWritePaused
	c.setFlow(true)
}

// ResumeWriting is loop.WriteFlow: the output fell to the low water mark.
// Parsing resumes; blocked streams continue.
func (c *conn) ResumeWriting(lc *loop.Conn) {
	if c.flags&cfHijacked != 0 {
		if wf, ok := c.hijack.p.(loop.WriteFlow); ok {
			wf.ResumeWriting(lc)
		}
		return
	}
	c.flags &^= cfWritePaused
	c.setFlow(false)
	c.flags |= cfResuming
	c.update()
	c.fireWritable()
	c.flags &^= cfResuming
}

// setFlow tells the streaming slots whether the connection is above its
// high water mark, waking blocked pool writers when it no longer is.
func (c *conn) setFlow(paused bool) {
	for x := c.head; x != nil; x = x.next {
		if x.dead || x.state != stStreaming && x.state != stPending {
			continue
		}
		x.mu.Lock()
		if paused {
			x.sf |= sfFlowPaused
		} else {
			x.sf &^= sfFlowPaused
			if x.cond != nil {
				x.cond.Broadcast()
			}
		}
		x.mu.Unlock()
	}
}
