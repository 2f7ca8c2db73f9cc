package client

import (
	"sync"
)

// streamBody hands body bytes from the loop to the goroutine that reads the body.
// The loop copies what arrives into buf, at most the window; when the window is
// full it pauses reading the connection, and the reader asks the loop to resume
// once it has taken most of it. One mutex guards the handoff; the loop holds it only for
// a copy.
type streamBody struct {
	mu     sync.Mutex
	buf    []byte // unread bytes: buf[off:]
	off    int
	err    error // io.EOF at the end, or why the body failed
	closed bool
	paused bool // the loop paused reading: call resume once drained
	window int
	ready  chan struct{} // poked when bytes or err arrive

	ex *exchange // the exchange the body comes from; nil: no loop to ask
}

// resume asks the loop to resume reading the connection (posts; never blocks).
// A method, not a closure made per body: the common body never needs it.
func (b *streamBody) resume() {
	ex := b.ex
	if ex == nil {
		return
	}
	_ = ex.lp.l.CallSoonThreadsafe(func() {
		if ex.pc != nil {
			ex.pc.resume(ex)
		}
	})
}

// abort asks the loop to drop the connection (Close before the end).
func (b *streamBody) abort() {
	if b.ex == nil {
		return
	}
	c := b.ex.c
	_ = c.lp.l.CallSoonThreadsafe(func() { c.abort(ErrBodyClosed) })
}

func newStreamBody(window int) *streamBody {
	return &streamBody{window: window, ready: make(chan struct{}, 1)}
}

// room is how many more bytes the window takes; at 0 the loop pauses reading
// and push marks the body paused, so the reader resumes it. Loop side.
func (b *streamBody) room() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return 1 << 30 // nobody reads: everything is dropped
	}
	n := b.window - (len(b.buf) - b.off)
	if n <= 0 {
		b.paused = true
	}
	return n
}

// push copies p, which fits the room. Loop side.
func (b *streamBody) push(p []byte) {
	b.mu.Lock()
	if !b.closed {
		b.buf = append(b.buf, p...)
	}
	b.mu.Unlock()
	b.poke()
}

// finish ends the body with err (io.EOF: complete). Loop side; the first call wins.
func (b *streamBody) finish(err error) {
	b.mu.Lock()
	if b.err == nil {
		b.err = err
	}
	b.mu.Unlock()
	b.poke()
}

func (b *streamBody) poke() {
	select {
	case b.ready <- struct{}{}:
	default:
	}
}

// Read reads body bytes, blocking until some arrive or the body ends.
func (b *streamBody) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	b.mu.Lock()
	for len(b.buf) == b.off && b.err == nil && !b.closed {
		b.mu.Unlock()
		<-b.ready
		b.mu.Lock()
	}
	if b.closed {
		b.mu.Unlock()
		return 0, ErrBodyClosed
	}
	n := copy(p, b.buf[b.off:])
	b.off += n
	if b.off == len(b.buf) {
		b.buf, b.off = b.buf[:0], 0
	}
	resume := false
	if b.paused && len(b.buf)-b.off <= b.window/2 {
		b.paused = false
		resume = true
	}
	err := b.err
	b.mu.Unlock()
	if resume {
		b.resume()
	}
	if n == 0 { // the wait above ended with nothing to read: the body ended
		return 0, err
	}
	return n, nil
}

// Close drops what is unread; before the end it asks the loop to drop the
// connection.
func (b *streamBody) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	ended := b.err != nil
	b.buf, b.off = nil, 0
	b.mu.Unlock()
	b.poke()
	if !ended {
		b.abort()
	}
	return nil
}
