package eddy

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/eddy-go/eddy/loop"
)

// Event is one server-sent event (the WHATWG EventSource format). Every
// field is optional; an Event with none of them sends nothing.
type Event struct {
	// ID sets the client's last event ID, which it sends back as
	// Last-Event-ID when it reconnects. It must not contain CR, LF or NUL.
	ID string
	// Event is the event type ("message" when empty). No CR or LF.
	Event string
	// Data is the payload; each of its lines becomes a "data:" line and
	// the client joins them back with "\n".
	Data string
	// Retry tells the client how long to wait before reconnecting.
	Retry time.Duration
	// Comment is sent as a comment line (ignored by EventSource). No CR or LF.
	Comment string
}

// SSEOptions configures Ctx.SSE. The zero value is usable.
type SSEOptions struct {
	// Heartbeat sends a comment line when nothing else was sent for this
	// long, on the loop's timer, so that proxies keep the connection open
	// and a client that left is noticed. Default 15 s; negative sends none.
	Heartbeat time.Duration
	// Buffer bounds the bytes of events queued and not yet handed to the
	// connection: past it Send blocks and TrySend returns ErrBackpressure.
	// Default 64 KiB.
	Buffer int
}

// ErrSSEClosed is returned by SSE.Send after Close, and after the server
// ended the stream because it drains.
var ErrSSEClosed = errors.New("eddy: event stream closed")

// errBadEvent is returned for an event field with a line break.
var errBadEvent = errors.New("eddy: event ID, type and comment must not contain CR, LF or NUL")

// SSE is a server-sent event stream (text/event-stream). Get one from
// Ctx.SSE; send with Send or TrySend from any goroutine, until Done is
// closed. Safe for concurrent use.
type SSE struct {
	c       *Ctx
	s       *Stream
	loop    *loop.Loop
	app     *App
	lastID  string
	hbEvery time.Duration

	mu       sync.Mutex
	cond     *sync.Cond
	queue    []byte // rendered events not yet taken by the loop
	max      int
	posted   bool // a flush is on its way to the loop
	closing  bool // Close asked: end once the queue is out
	closed   bool // ended: no more sends
	done     chan struct{}
	endCause error

	// Loop-only.
	pending              []byte        // taken from queue, not yet accepted by the stream
	sentAt               time.Duration // loop time of the last write
	hb                   *loop.Timer
	stop                 func() bool // unregisters the context watch
	flushFn, hbFn, endFn func()
}

// SSE starts a server-sent event stream (text/event-stream, no caching,
// "X-Accel-Buffering: no" so that nginx does not buffer it) and defers the
// response: the handler returns nil, and events are sent from any
// goroutine (a timer, a subscription, a pool job) with Send until the
// stream ends. It ends when Close is called, when the client goes away
// (Done is closed; Send returns ErrConnClosed) and when the server drains
// (Send returns ErrSSEClosed). Heartbeat comments keep it alive. The
// client's Last-Event-ID, when it reconnects, is LastEventID.
//
//	app.Get("/events", func(c *eddy.Ctx) error {
//		es, err := c.SSE(eddy.SSEOptions{})
//		if err != nil {
//			return err
//		}
//		go func() {
//			for n := 0; ; n++ {
//				if es.Send(eddy.Event{Data: strconv.Itoa(n)}) != nil {
//					return
//				}
//				time.Sleep(time.Second)
//			}
//		}()
//		return nil
//	})
func (c *Ctx) SSE(opts SSEOptions) (*SSE, error) {
	if !c.enter() {
		return nil, ErrStaleCtx
	}
	defer c.exit()
	if c.failing {
		return nil, errFailStream
	}
	if !c.hasCT {
		c.appendHeader("Content-Type", "text/event-stream")
	}
	if len(c.responseHeader("Cache-Control")) == 0 {
		c.addHeader("Cache-Control", "no-cache")
	}
	c.addHeader("X-Accel-Buffering", "no")
	c.deferResponse()
	if err := c.startStream("", -1); err != nil {
		c.defers.Add(^uint32(0)) // nothing deferred after all: the handler answers
		return nil, err
	}
	es := &SSE{c: c, s: &Stream{c: c}, loop: c.loop, app: c.app, done: make(chan struct{}), max: opts.Buffer}
	if es.max <= 0 {
		es.max = 64 << 10
	}
	es.hbEvery = opts.Heartbeat
	if es.hbEvery == 0 {
		es.hbEvery = 15 * time.Second
	}
	es.lastID = string(c.x.Request().Header("Last-Event-ID"))
	es.cond = sync.NewCond(&es.mu)
	es.flushFn, es.hbFn, es.endFn = es.flush, es.heartbeat, es.endOnLoop
	// The client leaving cancels the request's context: end at once.
	ctx := c.x.Context()
	es.stop = context.AfterFunc(ctx, func() {
		cause := context.Cause(ctx)
		es.post(func() { es.end(cause) })
	})
	if !c.app.events.add(es) {
		es.post(es.endFn) // the app already drains
	}
	es.post(func() { // the head goes out now; the heartbeat starts
		es.sentAt = es.loop.Time()
		es.flush()
		if es.hbEvery > 0 {
			es.hb = es.loop.CallLater(es.hbEvery, es.hbFn)
		}
	})
	return es, nil
}

// LastEventID returns the Last-Event-ID the client sent (a reconnecting
// EventSource sends the ID of the last event it saw), "" if none.
func (es *SSE) LastEventID() string { return es.lastID }

// Done is closed when the stream ended: the client went away, the server
// drains, or Close finished.
func (es *SSE) Done() <-chan struct{} { return es.done }

// Send queues ev and returns once it is queued, blocking while the queue
// is full (the client reads slower than events come): backpressure for a
// producer goroutine. It returns ErrConnClosed once the client went away,
// ErrSSEClosed after Close or when the server drains. Never call it on a
// loop goroutine (a timer or a completion callback): it may block; use
// TrySend there.
func (es *SSE) Send(ev Event) error { return es.send(ev, true) }

// TrySend is Send without blocking: with the queue full it returns
// ErrBackpressure and queues nothing. Safe on the loop.
func (es *SSE) TrySend(ev Event) error { return es.send(ev, false) }

func (es *SSE) send(ev Event, wait bool) error {
	if strings.ContainsAny(ev.ID, "\r\n\x00") || strings.ContainsAny(ev.Event, "\r\n") || strings.ContainsAny(ev.Comment, "\r\n") {
		return errBadEvent
	}
	es.mu.Lock()
	for {
		if es.closed || es.closing {
			err := es.endCause
			if err == nil {
				err = ErrSSEClosed
			}
			es.mu.Unlock()
			return err
		}
		if len(es.queue) < es.max {
			break
		}
		if !wait {
			es.mu.Unlock()
			return ErrBackpressure
		}
		es.cond.Wait()
	}
	es.queue = appendEvent(es.queue, ev)
	es.kickLocked()
	es.mu.Unlock()
	return nil
}

// Close ends the stream once the events already queued are out. It
// returns at once; Done is closed when the stream ended. Closing twice is
// a no-op.
func (es *SSE) Close() error {
	es.mu.Lock()
	if es.closing || es.closed {
		es.mu.Unlock()
		return nil
	}
	es.closing = true
	es.kickLocked()
	es.cond.Broadcast()
	es.mu.Unlock()
	return nil
}

// kickLocked gets the loop to flush, unless a flush is on its way.
func (es *SSE) kickLocked() {
	if !es.posted {
		es.posted = true
		es.post(es.flushFn)
	}
}

// post runs fn on the stream's loop; a stopped loop ends the stream.
func (es *SSE) post(fn func()) {
	if es.loop.CallSoonThreadsafe(fn) != nil {
		es.finish(ErrSSEClosed)
	}
}

// flush hands the queued events to the stream; with the connection above
// its high water mark it continues from OnWritable. Loop-only.
func (es *SSE) flush() {
	for {
		if len(es.pending) == 0 {
			es.mu.Lock()
			es.posted = false
			if es.closed {
				es.mu.Unlock()
				return
			}
			es.pending, es.queue = es.queue, es.pending[:0]
			closing := es.closing
			es.cond.Broadcast() // room in the queue again
			es.mu.Unlock()
			if len(es.pending) == 0 {
				if closing {
					es.endOnLoop()
				}
				return
			}
		}
		switch _, err := es.s.tryWrite(es.pending); err {
		case nil:
			es.pending = es.pending[:0]
			es.sentAt = es.loop.Time()
		case ErrBackpressure:
			es.s.OnWritable(es.flushFn)
			return
		default:
			es.end(err)
			return
		}
	}
}

// heartbeat sends a comment when nothing was sent for a heartbeat period,
// and re-arms for a period after the last thing sent. Loop-only.
func (es *SSE) heartbeat() {
	es.mu.Lock()
	if es.closed {
		es.mu.Unlock()
		return
	}
	idle := es.loop.Time() - es.sentAt
	beat := idle >= es.hbEvery && len(es.queue) < es.max
	if beat {
		es.queue = append(es.queue, ":\n\n"...)
	}
	es.mu.Unlock()
	if beat {
		es.flush()
		idle = 0
	}
	es.hb = es.loop.CallLater(max(es.hbEvery-idle, time.Millisecond), es.hbFn)
}

// endOnLoop ends the stream cleanly (the last chunk), after a Close, a
// drain or the client's departure. Loop-only.
func (es *SSE) endOnLoop() {
	es.end(nil)
}

// end ends the stream: cleanly (err nil: what was queued and accepted is
// sent, then the last chunk) or because the client is gone. Loop-only.
func (es *SSE) end(err error) {
	es.mu.Lock()
	if es.closed {
		es.mu.Unlock()
		return
	}
	es.mu.Unlock()
	if es.hb != nil {
		es.hb.Cancel()
		es.hb = nil
	}
	es.stop()
	if cerr := es.s.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err == nil || errors.Is(err, ErrStaleCtx) {
		err = ErrSSEClosed
	}
	es.finish(err)
}

// finish marks the stream ended with cause and wakes every sender.
func (es *SSE) finish(cause error) {
	es.mu.Lock()
	if es.closed {
		es.mu.Unlock()
		return
	}
	es.closed = true
	if es.endCause == nil {
		es.endCause = cause
	}
	es.cond.Broadcast()
	close(es.done)
	es.mu.Unlock()
	es.app.events.remove(es)
}

// appendEvent renders ev in the text/event-stream format.
func appendEvent(dst []byte, ev Event) []byte {
	n := len(dst)
	if ev.Comment != "" {
		dst = append(append(append(dst, ": "...), ev.Comment...), '\n')
	}
	if ev.ID != "" {
		dst = append(append(append(dst, "id: "...), ev.ID...), '\n')
	}
	if ev.Event != "" {
		dst = append(append(append(dst, "event: "...), ev.Event...), '\n')
	}
	if ev.Retry > 0 {
		dst = append(dst, "retry: "...)
		dst = strconv.AppendInt(dst, ev.Retry.Milliseconds(), 10)
		dst = append(dst, '\n')
	}
	if ev.Data != "" {
		data := ev.Data
		for {
			i := strings.IndexAny(data, "\r\n")
			if i < 0 {
				dst = append(append(append(dst, "data: "...), data...), '\n')
				break
			}
			dst = append(append(append(dst, "data: "...), data[:i]...), '\n')
			if data[i] == '\r' && i+1 < len(data) && data[i+1] == '\n' {
				i++
			}
			data = data[i+1:]
		}
	}
	if len(dst) == n {
		return dst
	}
	return append(dst, '\n')
}

// sseSet is an app's open event streams, ended when it drains.
type sseSet struct {
	mu       sync.Mutex
	open     map[*SSE]struct{}
	draining bool
}

// add registers es; false once the app drains.
func (s *sseSet) add(es *SSE) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.draining {
		return false
	}
	if s.open == nil {
		s.open = make(map[*SSE]struct{})
	}
	s.open[es] = struct{}{}
	return true
}

func (s *sseSet) remove(es *SSE) {
	s.mu.Lock()
	delete(s.open, es)
	s.mu.Unlock()
}

// drain ends every open stream (each after what it already queued), and
// every stream started from now on.
func (s *sseSet) drain() {
	s.mu.Lock()
	s.draining = true
	open := make([]*SSE, 0, len(s.open))
	for es := range s.open {
		open = append(open, es)
	}
	s.mu.Unlock()
	for _, es := range open {
		es.Close()
	}
}
