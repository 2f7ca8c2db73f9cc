package loop

import (
	"context"
	"math"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/panjf2000/gnet/v2"
)

// Loop is one event loop: a goroutine that runs every callback of its connections,
// its timers and the functions posted to it, one at a time.
type Loop struct {
	idx int
	srv *Server
	// own checks, in builds with the eddydebug tag, that Loop-only methods run on the
	// loop's goroutine; without the tag it is empty (and not last: no padding).
	own owner

	gel      atomic.Pointer[elBox] // gnet's loop, learnt from the anchor
	anchored atomic.Bool
	stopping atomic.Bool // stop requested: closes are expected
	stopped  atomic.Bool // engine gone: posting fails with ErrStopped

	// PROXY protocol headers of open connections (Config.ProxyProtocol).
	// Owned by the loop goroutine.
	proxied map[*Conn]*ProxyHeader

	// Owned by the loop goroutine.
	depth    int   // nesting of enter/exit (a close inside a callback re-enters)
	watching bool  // Config.SlowCallback is set (the watchdog runs)
	cur      *Conn // connection whose gnet callback is running (its close becomes an Action)
	// running is the connection the running callback works for (nil: none): a panic
	// aborts it, and CallSoon and CallLater functions scheduled now work for it too.
	running *Conn
	direct  *Conn // the connection whose DataReceived called ReadDirect (it must consume all)
	now     time.Duration
	// yieldAt is when the loop next yields its P (yield): the loop's clock, on the
	// Time scale.
	yieldAt time.Duration
	soon    []task
	spare   []task
	timers  timerHeap[*Timer] // CallLater, CallAt
	// checks holds every open connection's single "check me at" entry (at never when
	// nothing is due), so it is also the loop's connection list: a separate list would
	// cost each idle keep-alive connection, which always has a deadline, 8 more bytes.
	checks   timerHeap[*Conn]
	outs     map[*Conn]*outState // connections with output pending or closing
	ins      map[*Conn]*inState  // connections with a receive hint or an inbound limit
	freeOut  *outState           // released outStates, for reuse
	laddr    *net.TCPAddr        // the local address accepted connections share (trimAddrs)
	nfreeOut int
	label    string
	labelPub labelBox  // label, published for the driver's watchdog (with Config.SlowCallback set)
	began    time.Time // watchdog: start of the outermost callback

	// Posted from any goroutine; one wake-up per batch.
	tsMu      sync.Mutex
	tsq       []task
	tsSpare   []task
	tsPending bool
	runTS     gnet.Runnable
	runSoonR  gnet.Runnable
	soonPend  bool // a runSoon task is queued (loop-only)

	// Timer driver handshake.
	nextAt      atomic.Int64 // earliest timer deadline (ns on the Time scale); MaxInt64 = none
	timerPosted atomic.Bool
	postedAt    atomic.Int64
	runTimersR  gnet.Runnable
	busySince   atomic.Int64 // watchdog: ns on the Time scale; 0 = idle
	stuckFor    atomic.Int64 // watchdog: busySince already reported as stuck

	stats counters
	// incoming counts the accepted connections pickLoop sent here that the loop has
	// not opened yet.
	incoming atomic.Int64
}

func newLoop(s *Server, i int) *Loop {
	l := &Loop{idx: i, srv: s, watching: s.cfg.SlowCallback > 0}
	l.nextAt.Store(math.MaxInt64)
	l.runTS = gnet.RunnableFunc(func(context.Context) error { l.drainThreadsafe(); return nil })
	l.runSoonR = gnet.RunnableFunc(func(context.Context) error {
		l.enter()
		l.soonPend = false
		l.exit()
		return nil
	})
	l.runTimersR = gnet.RunnableFunc(func(context.Context) error { l.runTimers(); return nil })
	return l
}

// Index is the loop's position in Server.Loops. Safe for concurrent use.
func (l *Loop) Index() int { return l.idx }

// Server returns the server the loop belongs to. Safe for concurrent use.
func (l *Loop) Server() *Server { return l.srv }

// Time is the loop's monotonic clock, asyncio's loop.time(): the time since the server
// started, read when the running callback started (so it does not move while a callback
// runs). Deadlines and CallAt use this scale. Loop-only.
func (l *Loop) Time() time.Duration { return l.now }

// Now is the wall clock matching Time. Loop-only.
func (l *Loop) Now() time.Time { return l.srv.startMono.Add(l.now) }

// Second is the wall clock's current Unix second (the clock is not monotonic: it
// follows the system clock). While callbacks run, the server's driver goroutine
// refreshes it within a few milliseconds of the second changing; on an idle server,
// where the driver sleeps, Second reads the wall clock itself. A value derived from the
// wall time and cached for a second (a protocol's date line) can be rebuilt only when
// Second returns something else than it was built from: two atomic loads per check
// while the server is busy. Safe for concurrent use.
func (l *Loop) Second() int64 {
	if l.srv.driver.idle.Load() {
		return time.Now().Unix()
	}
	return l.srv.wallSec.Load()
}

// Annotate names what the running callback is doing (a route, a command); the slow
// callback watchdog includes it in its reports. It costs a field write (and, with
// Config.SlowCallback set, four atomic stores). Loop-only.
func (l *Loop) Annotate(what string) {
	l.own.check("Loop.Annotate")
	l.label = what
	if l.watching {
		l.labelPub.store(what)
	}
}

// AssertLoopOnly panics, in builds with the eddydebug tag, when called from a goroutine
// other than the loop's (once the loop ran its first callback); what names the caller in
// the message. Protocols call it at the top of their own Loop-only methods. Without the
// tag it does nothing and the compiler inlines it away. Safe for concurrent use.
func (l *Loop) AssertLoopOnly(what string) { l.own.check(what) }

// CallSoon runs fn on this loop after the current callback returns, in FIFO order with
// other CallSoon functions. A panic in fn is recovered and logged (the loop goes on);
// if CallSoon was called for a connection (in its Protocol callback, or in a function
// scheduled from one), that connection is aborted and its ConnectionLost gets
// ErrPanicked. Loop-only.
func (l *Loop) CallSoon(fn func()) {
	l.own.check("Loop.CallSoon")
	l.callSoonFor(l.running, fn)
}

// callSoonFor is CallSoon for connection c (nil: none), whatever runs now.
func (l *Loop) callSoonFor(c *Conn, fn func()) {
	l.soon = append(l.soon, task{fn, c})
	if l.depth == 0 && !l.soonPend {
		// Called outside any callback we dispatched (should not happen on the loop):
		// make sure the queue runs.
		l.soonPend = true
		l.execute(l.runSoonR)
	}
}

// CallSoonThreadsafe runs fn on this loop soon. Calls are batched: one wake-up of the
// loop per batch, not one per call. It returns ErrStopped once the loop has stopped
// (fn will not run). A panic in fn is recovered and logged; the loop goes on. Safe for
// concurrent use.
func (l *Loop) CallSoonThreadsafe(fn func()) error { return l.post(task{fn, nil}) }

// post queues t from any goroutine (CallSoonThreadsafe, Handle.Post).
func (l *Loop) post(t task) error {
	if l.stopped.Load() {
		return ErrStopped
	}
	l.tsMu.Lock()
	l.tsq = append(l.tsq, t)
	wake := !l.tsPending
	l.tsPending = true
	l.tsMu.Unlock()
	if wake {
		if err := l.execute(l.runTS); err != nil {
			l.tsMu.Lock()
			l.tsq = l.tsq[:0]
			l.tsPending = false
			l.tsMu.Unlock()
			return ErrStopped
		}
		l.stats.wakeups.Add(1)
	}
	return nil
}

func (l *Loop) execute(r gnet.Runnable) error {
	b := l.gel.Load()
	if b == nil {
		return ErrStopped
	}
	if err := b.el.Execute(context.Background(), r); err != nil {
		return ErrStopped
	}
	return nil
}

func (l *Loop) drainThreadsafe() {
	l.enter()
	l.tsMu.Lock()
	q := l.tsq
	l.tsq = l.tsSpare[:0]
	l.tsPending = false
	l.tsMu.Unlock()
	l.runTasks(q)
	l.tsMu.Lock()
	l.tsSpare = q[:0]
	l.tsMu.Unlock()
	l.exit()
}

// enter starts a callback dispatched by us: it reads the clock (one vDSO call), wakes
// the driver if the server was idle, and, with
// Config.SlowCallback set, starts the watchdog. Calls nest (closing a connection inside a callback re-enters).
func (l *Loop) enter() {
	l.depth++
	if l.depth > 1 {
		return
	}
	l.own.enter()
	l.now = l.srv.now()
	if l.now >= l.yieldAt || len(l.srv.enrolling) > 0 || l.srv.handing.Load() > 0 {
		l.yield()
	}
	l.stats.callbacks.Add(1)
	if l.srv.driver.idle.Load() {
		l.srv.driver.resume()
	}
	if l.watching {
		l.began = time.Now()
		l.busySince.Store(int64(l.now))
		l.label = ""
		l.labelPub.store("")
	}
}

// yieldEvery is the longest a busy loop keeps its P from the process's other
// goroutines (yield).
const yieldEvery = time.Millisecond

// yield lets every other runnable goroutine run before the callback starting now
// (runtime.Gosched). enter calls it once per yieldEvery of the loop's clock, and at
// every callback while an accepted connection is on its way to a loop: from the
// accept to the end of its enrollment on our listener (a slot of Server.enrolling),
// and during any enrollment, which PROXY-protocol connections (after their header)
// and ServeConn's make as well (Server.handing).
//
// A loop under load never blocks: every epoll_wait finds work. With as many Ps as
// loops (GOMAXPROCS=1 and one loop, the default in a one-CPU container), every other
// goroutine then waits for the runtime to preempt the loop, which it does only after
// 10 ms of running: the pool's handlers, and the accept goroutine, the enrollers and
// gnet's pool worker that hand a new connection over, each in turn. Enrolling 128 new
// connections took 71-107 ms that way while the first ones kept the loop busy, and wrk
// measured p99 latencies of 33-59 ms over whole 1 s runs; with these yields the same
// enrolments took 2.3-3.6 ms and the p99 was 2.9-4.4 ms (runtime/trace, bench/server
// with one loop, wrk -c128 on another core). Called between callbacks (the outermost
// enter), where no loop state is half-updated.
func (l *Loop) yield() {
	l.stats.yields.Add(1)
	runtime.Gosched()
	l.now = l.srv.now()
	l.yieldAt = l.now + yieldEvery
}

// exit ends a callback: at the outermost level it runs the CallSoon queue (the functions
// present now; ones they add run on the next pass, after I/O) and checks the watchdog.
// The common case (outermost, nothing queued, no watchdog) is small enough to be inlined.
func (l *Loop) exit() {
	if l.depth > 1 || len(l.soon) > 0 || l.watching {
		l.exitSlow()
		return
	}
	l.depth--
}

// exitSlow is exit for a nested callback, a CallSoon queue to run or the watchdog.
func (l *Loop) exitSlow() {
	if l.depth > 1 {
		l.depth--
		return
	}
	if len(l.soon) > 0 {
		q := l.soon
		l.soon = l.spare[:0]
		l.runTasks(q)
		l.spare = q[:0]
		if len(l.soon) > 0 && !l.soonPend {
			l.soonPend = true
			_ = l.execute(l.runSoonR)
		}
	}
	if l.watching {
		l.busySince.Store(0)
		if d := time.Since(l.began); d >= l.srv.cfg.SlowCallback {
			l.stats.slow.Add(1)
			l.srv.log.Warn("loop: slow callback", "loop", l.idx, "duration", d, "what", l.label)
		}
	}
	l.depth--
}

// open makes the Conn for a new gnet connection and runs ConnectionMade.
// a is how an accepted connection came from our listener (nil for a dialled one, and
// in ReusePort mode).
func (l *Loop) open(gc gnet.Conn, req *dialReq, accepted bool, a *arrival) gnet.Action {
	s := l.srv
	l.enter()
	var p Protocol
	if req != nil {
		p = req.proto
	} else {
		p = s.factory()
	}
	if p == nil {
		gc.SetContext(nil)
		l.exit()
		return gnet.Close
	}
	c := &Conn{gc: gc, loop: l, proto: p, hidx: -1}
	if accepted {
		l.trimAddrs(gc)
		c.flags |= fAccepted
		s.nconns.Add(1)
		l.stats.accepted.Add(1)
	}
	if a != nil && a.h != nil {
		l.setProxied(c, a.h)
	}
	gc.SetContext(c)
	l.checks.push(never, c)
	l.stats.conns.Add(1)
	if a != nil {
		a.opened = true
		l.incoming.Add(-1) // counted in conns now, with no moment counted twice
	}
	prev := l.cur
	l.cur = c
	l.made(c, req, accepted && s.draining.Load())
	l.cur = prev
	act := c.action()
	l.exit()
	return act
}

// made runs ConnectionMade, then a dial's callback, then Drain if the server drains. A
// panic in any of them aborts c.
func (l *Loop) made(c *Conn, req *dialReq, drain bool) {
	depth, cur, run := l.depth, l.cur, l.running
	returned := false
	defer func() {
		if !returned {
			l.unwound(recover(), depth, cur)
		}
		l.running = run
	}()
	l.running = c
	c.proto.ConnectionMade(c)
	if req != nil {
		req.c = c
		if req.cb != nil {
			req.cb(c, nil)
		}
	}
	if drain {
		c.drain()
	}
	returned = true
}
