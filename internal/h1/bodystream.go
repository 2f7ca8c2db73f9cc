package h1

import (
	"io"
	"sync"
	"time"
)

// A streamed request body (Plan.StreamBody): the handler runs in the pool
// as soon as the head is routed and reads the body with ReadBody while it
// arrives. Between the loop, which appends what arrives, and the handler,
// which reads, sits a small buffer (the pipe) guarded by Exchange.mu.
// While the pipe holds bodyPipe bytes or more the loop stops consuming the
// connection's input and pauses reading it; the handler's reads resume it
// once the pipe falls to half. The body's timers (BodyTimeout,
// MinBodyRate) stop while the pipe is full, since the wait is the
// handler's, not the client's; the handler timeout starts when the body
// has arrived whole. A paused connection that keeps receiving is parked by
// the loop once 64 KiB (or its MaxInbound, if lower) are buffered: it
// leaves the poller, the kernel stops reading it and TCP's window closes.
// So a client that outruns its handler, even one that stopped reading for
// a while, is held back by TCP, not cut off at MaxInbound, and the
// connection holds at most the pipe plus what the park threshold and one
// read of the loop's let through.

// bodyPipe is the most a streamed body buffers between the loop and its
// reader before the loop stops consuming (one decoded chunk may pass it).
const bodyPipe = 512 << 10

// ReadBody reads the next bytes of a streamed request body (Plan.StreamBody)
// into p, blocking until some arrive; it returns io.EOF after the last
// byte. When the body fails (the client went away or sent it too slowly,
// or it passed its limit: the engine then answers in the handler's place),
// it returns io.ErrUnexpectedEOF. For a request that was not streamed it
// reads from Body. Callable from the goroutine running Serve.
func (x *Exchange) ReadBody(p []byte) (int, error) {
	if !x.streamed {
		return 0, io.EOF // Body holds the whole body; callers read it there
	}
	x.mu.Lock()
	for len(x.pipe) == x.pipeOff {
		switch {
		case x.pipeEnd:
			x.mu.Unlock()
			return 0, io.EOF
		case x.dead || x.sf&sfClaimed != 0:
			x.mu.Unlock()
			return 0, io.ErrUnexpectedEOF
		}
		if len(p) == 0 {
			x.mu.Unlock()
			return 0, nil
		}
		if x.cond == nil {
			x.cond = sync.NewCond(&x.mu)
		}
		if x.inJob {
			// A client that trickles its body must not hold a worker.
			x.ls.l.BlockingWait(x.cond.Wait)
		} else {
			x.cond.Wait()
		}
	}
	n := copy(p, x.pipe[x.pipeOff:])
	x.pipeOff += n
	if x.pipeOff == len(x.pipe) {
		x.pipe, x.pipeOff = x.pipe[:0], 0
	}
	// Room again after the loop stopped: get it reading.
	resume := x.pipeFull && len(x.pipe)-x.pipeOff <= bodyPipe/2
	post := false
	if resume {
		x.pipeFull = false
		if post = x.kicks == 0; post {
			x.kicks++
		}
	}
	x.mu.Unlock()
	if post {
		x.post()
	}
	return n, nil
}

// StreamsBody reports whether the request body is streamed: read it with
// ReadBody, not Body. Callable wherever x may be used.
func (x *Exchange) StreamsBody() bool { return x.streamed }

// startBodyStream sets x up to stream its body: the handler is dispatched
// before the body arrives. Loop-only.
func (x *Exchange) startBodyStream() {
	x.lf |= lfStreamBody
	x.streamed = true
	x.own() // the head outlives this callback
}

// pipeBody moves body bytes of a streamed x from in into its pipe, as
// readBody does into x.buf; it stops consuming while the pipe is full.
// Loop-only.
func (c *conn) pipeBody(x *Exchange, in []byte, now time.Duration) (consumed int, done bool) {
	max64 := x.plan.MaxBody
	if max64 <= 0 {
		max64 = c.ls.e.cfg.MaxBody
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.dead || x.sf&sfClaimed != 0 {
		return len(in), false // nobody reads: the connection ends after x
	}
	room := func() bool { return len(x.pipe)-x.pipeOff < bodyPipe }
	wake := func() {
		if x.cond != nil {
			x.cond.Broadcast()
		}
	}
	defer wake()
	if x.pipeOff > 0 {
		// Keep the unread bytes at the front, so the pipe never grows
		// past its bound plus one batch.
		x.pipe = x.pipe[:copy(x.pipe, x.pipe[x.pipeOff:])]
		x.pipeOff = 0
	}
	if cl := x.req.ContentLength(); !x.req.Chunked() {
		take := min(cl-x.got, int64(len(in)), int64(bodyPipe-(len(x.pipe)-x.pipeOff)))
		if take > 0 {
			x.pipe = append(x.pipe, in[:take]...)
			x.got += take
			c.lastRead = now
			if x.bodyAt == 0 {
				x.bodyAt = stamp(now) // after 100 Continue: from the first byte
			}
		}
		if x.got == cl {
			x.pipeEnd = true
			return int(take), true
		}
		if !room() {
			x.pipeFull = true
			x.pipeSince = stamp(now)
		}
		return int(take), false
	}
	for consumed < len(in) && room() {
		data, n, err := x.cd.Decode(in[consumed:])
		if err != nil {
			x.mu.Unlock()
			c.failSlot(x, codecError(err))
			x.mu.Lock()
			return len(in), false
		}
		x.piped += int64(len(data))
		if x.piped > max64 {
			x.mu.Unlock()
			c.failSlot(x, errBodyTooLarge)
			x.mu.Lock()
			return len(in), false
		}
		x.pipe = append(x.pipe, data...)
		consumed += n
		if n > 0 {
			c.lastRead = now
			x.got += int64(n)
			if x.bodyAt == 0 {
				x.bodyAt = stamp(now)
			}
		}
		if x.cd.Done() {
			x.pipeEnd = true
			return consumed, true
		}
		if n == 0 {
			break
		}
	}
	if !room() {
		x.pipeFull = true
		x.pipeSince = stamp(now)
	}
	return consumed, false
}

// pipeState reports whether x's body waits for its reader (the pipe
// filled and the reader has not made room), and whether it just stopped
// waiting; then it moves the body's clocks past the wait, which was the
// handler's. Loop-only; updateReading is its one caller (the timers read
// pipeSince, which stays set until then).
func (c *conn) pipeState(x *Exchange) (stalled, resumed bool) {
	if x.lf&lfStreamBody == 0 || x.pipeSince == 0 {
		return false, false
	}
	x.mu.Lock()
	full := x.pipeFull
	x.mu.Unlock()
	if full {
		return true, false
	}
	now := c.ls.l.Time()
	if x.bodyAt != 0 {
		x.bodyAt += now - x.pipeSince
	}
	c.lastRead = max(c.lastRead, now)
	x.pipeSince = 0
	return false, true
}
