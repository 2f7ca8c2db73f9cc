package h1

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"net"
	"sync"
	"time"
)

// The socketless harness: a fake transport and a seeded, deterministic fake
// loop drive one conn through its loop.Protocol methods, as the loop would,
// without gnet, sockets or goroutines. Every callback runs on the test's
// goroutine; the fake executor runs a pool job there too, when the
// scheduler picks it, so an interleaving is a function of the seed alone.

// fakeSecond is the wall-clock second every fake loop reports
// (Mon, 02 Jan 2006 15:04:05 GMT).
const fakeSecond = 1136214245

var errFakeClosed = errors.New("fake: write after close")

// fakeLoop is the scheduler of the socketless tests. Functions posted with
// CallSoon run, in order, after the current event (as the loop runs them
// after the current callback); CallSoonThreadsafe functions queue in order
// too; executor jobs and the test's foreign events (a timer, another
// goroutine finishing a detached exchange) are picked in a random order
// drawn from the seed.
type fakeLoop struct {
	rng *rand.Rand
	now time.Duration

	soon    []func()
	mu      sync.Mutex // CallSoonThreadsafe may be called from a real goroutine in table tests
	ts      []func()
	jobs    []fakeJob
	foreign []func()
	maxJobs int   // RunInExecutor fails with more jobs queued (0: never)
	secs    int64 // seconds Second reports past fakeSecond
}

type fakeJob struct{ job, done func() }

func newFakeLoop(seed uint64) *fakeLoop {
	return &fakeLoop{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

func (l *fakeLoop) Time() time.Duration   { return l.now }
func (l *fakeLoop) Second() int64         { return fakeSecond + l.secs }
func (l *fakeLoop) CallSoon(fn func())    { l.soon = append(l.soon, fn) }
func (l *fakeLoop) BlockingWait(w func()) { w() }

func (l *fakeLoop) CallSoonThreadsafe(fn func()) error {
	l.mu.Lock()
	l.ts = append(l.ts, fn)
	l.mu.Unlock()
	return nil
}

func (l *fakeLoop) RunInExecutor(job, done func()) error {
	if l.maxJobs > 0 && len(l.jobs) >= l.maxJobs {
		return errors.New("fake: executor full")
	}
	l.jobs = append(l.jobs, fakeJob{job, done})
	return nil
}

// later queues fn as a foreign event: a timer firing or another goroutine
// acting, at a moment the scheduler picks.
func (l *fakeLoop) later(fn func()) { l.foreign = append(l.foreign, fn) }

// runSoon runs the CallSoon queue, including what it adds.
func (l *fakeLoop) runSoon() {
	for len(l.soon) > 0 {
		fn := l.soon[0]
		l.soon = l.soon[1:]
		fn()
	}
}

// pending reports whether anything is queued.
func (l *fakeLoop) pending() bool {
	l.mu.Lock()
	n := len(l.ts)
	l.mu.Unlock()
	return n+len(l.soon)+len(l.jobs)+len(l.foreign) > 0
}

// step runs one queued thing picked at random (the next threadsafe
// function, a random executor job, a random foreign event), then the
// CallSoon queue. It reports whether it ran anything.
func (l *fakeLoop) step() bool {
	l.runSoon()
	l.mu.Lock()
	nts := len(l.ts)
	l.mu.Unlock()
	kinds := make([]int, 0, 3)
	if nts > 0 {
		kinds = append(kinds, 0)
	}
	if len(l.jobs) > 0 {
		kinds = append(kinds, 1)
	}
	if len(l.foreign) > 0 {
		kinds = append(kinds, 2)
	}
	if len(kinds) == 0 {
		return false
	}
	switch kinds[l.rng.IntN(len(kinds))] {
	case 0:
		l.mu.Lock()
		fn := l.ts[0]
		l.ts = l.ts[1:]
		l.mu.Unlock()
		fn()
	case 1:
		i := l.rng.IntN(len(l.jobs))
		j := l.jobs[i]
		l.jobs = append(l.jobs[:i], l.jobs[i+1:]...)
		j.job() // "on a pool goroutine": Serve of a pool exchange
		if j.done != nil {
			_ = l.CallSoonThreadsafe(j.done)
		}
	case 2:
		i := l.rng.IntN(len(l.foreign))
		fn := l.foreign[i]
		l.foreign = append(l.foreign[:i], l.foreign[i+1:]...)
		fn()
	}
	l.runSoon()
	return true
}

// fakeConn is the transport of the socketless tests: it records what the
// engine writes and how it ends the connection, and plays the loop's side
// of flow control (PauseWriting past hwm, ResumeWriting once the client read
// down to hwm/2) when hwm > 0.
type fakeConn struct {
	c   *conn
	out bytes.Buffer // every byte written, in order

	closed, shutdown, aborted bool
	lost                      bool // ConnectionLost ran
	readPaused                bool
	deadline                  time.Duration
	writesAfterClose          int

	addr net.Addr // RemoteAddr; nil: fakeAddr

	hwm         int // 0: no write flow control
	buffered    int // written, not yet read by the client
	writePaused bool
}

var fakeAddr = &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 4242}

func (f *fakeConn) Write(p []byte) error {
	if f.Closed() {
		f.writesAfterClose++
		return errFakeClosed
	}
	f.out.Write(p)
	f.buffered += len(p)
	f.flow()
	return nil
}

func (f *fakeConn) Writev(bufs [][]byte) error {
	if f.Closed() {
		f.writesAfterClose++
		return errFakeClosed
	}
	for _, b := range bufs {
		f.out.Write(b)
		f.buffered += len(b)
	}
	f.flow()
	return nil
}

// flow tells the engine its output passed the high water mark; the loop
// does that after the write that passed it.
func (f *fakeConn) flow() {
	if f.hwm > 0 && !f.writePaused && f.buffered > f.hwm {
		f.writePaused = true
		f.c.PauseWriting(nil)
	}
}

// read lets the client read n buffered bytes (all: n < 0), resuming the
// engine's writes below the low water mark.
func (f *fakeConn) read(n int) {
	if n < 0 || n > f.buffered {
		n = f.buffered
	}
	f.buffered -= n
	if f.writePaused && f.buffered <= f.hwm/2 && !f.Closed() {
		f.writePaused = false
		f.c.ResumeWriting(nil)
	}
}

func (f *fakeConn) Close() error                { f.closed = true; return nil }
func (f *fakeConn) Shutdown() error             { f.shutdown = true; return nil }
func (f *fakeConn) Abort()                      { f.aborted = true }
func (f *fakeConn) PauseReading()               { f.readPaused = true }
func (f *fakeConn) ResumeReading()              { f.readPaused = false }
func (f *fakeConn) SetDeadline(t time.Duration) { f.deadline = t }
func (f *fakeConn) Closed() bool                { return f.closed || f.shutdown || f.aborted }
func (f *fakeConn) RemoteAddr() net.Addr {
	if f.addr != nil {
		return f.addr
	}
	return fakeAddr
}
func (f *fakeConn) deadlinePassed(now time.Duration) bool {
	return f.deadline != 0 && now >= f.deadline
}

// fakeWire is one connection driven by the test: the client's bytes arrive
// in pieces, the loop's buffering of unconsumed input and its pause and
// resume of reading are played as the loop plays them.
type fakeWire struct {
	t       fatalfer
	l       *fakeLoop
	fc      *fakeConn
	c       *conn
	ls      *loopState
	inbuf   []byte // arrived, not yet consumed
	scratch []byte // what DataReceived is given
	eof     bool   // EOFReceived ran
}

type fatalfer interface {
	Helper()
	Fatalf(format string, args ...any)
}

// newFakeWire makes a conn of an engine with cfg and h on a fake loop, and
// runs ConnectionMade.
func newFakeWire(t fatalfer, cfg Config, h Handler, l *fakeLoop) *fakeWire {
	e := newEngine(cfg, h)
	ls := &loopState{e: e, l: l}
	c := &conn{ls: &e.unbound}
	fc := &fakeConn{c: c}
	w := &fakeWire{t: t, l: l, fc: fc, c: c, ls: ls}
	c.made(fc, ls)
	l.runSoon()
	return w
}

// arrive delivers p (and what is still buffered) unless reading is paused
// or the connection ended.
func (w *fakeWire) arrive(p []byte) {
	w.inbuf = append(w.inbuf, p...)
	w.offer()
}

// offer hands the buffered input to DataReceived, as the loop does on
// arrival and on ResumeReading.
func (w *fakeWire) offer() {
	if w.fc.readPaused || w.fc.lost || len(w.inbuf) == 0 {
		return
	}
	// The loop's memory, reused from one callback to the next: the engine
	// may keep no view into it.
	w.scratch = append(w.scratch[:0], w.inbuf...)
	in := w.scratch
	n := w.received(in)
	if n < 0 || n > len(in) {
		w.t.Fatalf("DataReceived consumed %d of %d bytes", n, len(in))
	}
	clear(in) // views past the callback would now read zeros
	w.inbuf = append(w.inbuf[:0], w.inbuf[n:]...)
	w.l.runSoon()
}

// received is DataReceived under a recover, as the loop runs it: a panic
// goes to DataPanicked, and one it does not handle goes on to the caller.
func (w *fakeWire) received(in []byte) (n int) {
	returned := false
	defer func() {
		if returned {
			return
		}
		v := recover()
		if v == nil {
			return // runtime.Goexit goes on
		}
		var ok bool
		if n, ok = w.c.DataPanicked(nil, v); !ok {
			panic(v)
		}
	}()
	n = w.c.DataReceived(nil, in)
	returned = true
	return n
}

// sendEOF delivers EOFReceived once every byte before it was offered.
func (w *fakeWire) sendEOF() {
	if w.eof || w.fc.lost || w.fc.readPaused {
		return
	}
	w.offer()
	if w.fc.readPaused {
		return
	}
	w.eof = true
	w.c.EOFReceived(nil)
	w.l.runSoon()
}

// tick advances the clock by d and runs Timeout when the deadline passed.
func (w *fakeWire) tick(d time.Duration) {
	w.l.now += d
	if !w.fc.lost && !w.fc.Closed() && w.fc.deadlinePassed(w.l.now) {
		w.c.Timeout(nil)
		w.l.runSoon()
	}
}

// resumed re-offers the buffered input after ResumeReading.
func (w *fakeWire) resumed() {
	if !w.fc.readPaused {
		w.offer()
	}
}

// lose runs ConnectionLost once the engine closed or shut down the
// connection (the loop does so once the output is flushed), or for a
// client that went away.
func (w *fakeWire) lose() {
	if w.fc.lost {
		return
	}
	w.fc.lost = true
	w.c.ConnectionLost(nil, nil)
	w.l.runSoon()
}
