package loop

import (
	"math"
	"sync/atomic"
	"time"
	_ "unsafe" // go:linkname
)

// nanotime is the runtime's monotonic clock in nanoseconds, the one behind time.Now's
// monotonic reading and time.Since (a vDSO call, no system call). The runtime keeps it
// available to go:linkname (its comment: "Do not remove or change the type signature").
//
//go:linkname nanotime runtime.nanotime
func nanotime() int64

// watchTick is how often the driver checks for stuck callbacks, with Config.SlowCallback
// set (and only then: without the watchdog nothing wakes the driver on a clock).
const watchTick = 5 * time.Millisecond

// driver is the one goroutine behind every loop's timers: it posts a timer pass to a
// loop only when that loop's earliest deadline has passed, keeps the wall clock's second
// (Loop.Second) while the server is busy, measures loop lag, and runs the stuck-callback
// watchdog.
//
// It never wakes on a clock of its own: it sleeps until the earliest deadline of any
// loop (a loop that publishes an earlier one pokes it), or until the wall clock's next
// second while callbacks ran in the last one. An idle server (no callback for a second,
// no deadline due) makes no wake-ups at all: the driver marks itself idle, Second reads
// the wall clock itself, and the first callback to run afterwards wakes the driver.
// Loops do not depend on it for their clock either: each callback reads the monotonic
// clock (a vDSO call, no system call) when it starts.
//
// Under load this matters beyond the idle cost: with GOMAXPROCS=1 every wake-up of
// another goroutine takes the loop's only P away from it (the Go scheduler hands the P
// over while the loop sits in a system call, and the loop then waits on the run queue),
// so a driver that ticked every few milliseconds put the loop goroutine behind it
// hundreds of times a second.
type driver struct {
	s      *Server
	pokeC  chan struct{}
	target atomic.Int64 // when the driver wakes next (ns on the Time scale); MaxInt64 = on a poke only
	// idle is set while the driver keeps no second fresh (no callback ran in the last
	// one): Second reads the wall clock itself, and the next callback wakes the driver.
	idle  atomic.Bool
	wakes atomic.Int64 // times the driver ran its pass, since start (tests count them)
	seen  int64        // loops' callbacks counted at the last pass (driver-only)
	sums  int64        // times callbacks summed the loops' callbacks (driver-only; once per pass)
	stopC chan struct{}
	doneC chan struct{}
}

func (d *driver) init(s *Server) {
	d.s = s
	d.pokeC = make(chan struct{}, 1)
	d.stopC = make(chan struct{})
	d.doneC = make(chan struct{})
	d.target.Store(math.MaxInt64)
	s.wallSec.Store(time.Now().Unix())
}

// poke wakes the driver early if at is before its next wake-up.
func (d *driver) poke(at time.Duration) {
	if int64(at) < d.target.Load() {
		d.wake()
	}
}

func (d *driver) wake() {
	select {
	case d.pokeC <- struct{}{}:
	default:
	}
}

// resume is called by a loop's callback that found the driver idle: the server is busy
// again, so the driver goes back to keeping the second fresh. The second is stored
// here first, so Second is right before the driver runs.
func (d *driver) resume() {
	if d.idle.CompareAndSwap(true, false) {
		d.s.wallSec.Store(time.Now().Unix())
		d.wake()
	}
}

func (d *driver) stop() {
	select {
	case <-d.stopC:
		return
	default:
		close(d.stopC)
	}
}

func (d *driver) run() {
	s := d.s
	defer close(d.doneC)
	t := time.NewTimer(time.Duration(math.MaxInt64))
	defer t.Stop()
	for {
		// While the pass runs, any poke wakes the driver again: a deadline published
		// after the pass read it is not lost (the loop stores nextAt, then reads target).
		d.target.Store(math.MaxInt64)
		next := d.pass()
		d.target.Store(int64(next))
		if next == never {
			t.Stop() // since Go 1.23 no stale tick is delivered after Stop or Reset
		} else {
			t.Reset(next - s.now())
		}
		select {
		case <-d.stopC:
			return
		case <-t.C:
		case <-d.pokeC:
		}
	}
}

// pass posts the due timer passes, refreshes the second and runs the watchdog; it
// returns when to run again (never: only on a poke).
func (d *driver) pass() time.Duration {
	s := d.s
	d.wakes.Add(1)
	wall := time.Now()
	now := s.now() // the loops' scale exactly (wall.Sub(s.startMono) is a few ns off it)
	if sec := wall.Unix(); sec != s.wallSec.Load() {
		s.wallSec.Store(sec)
	}
	next := never
	calls := d.callbacks()
	for _, l := range s.loops {
		at := time.Duration(l.nextAt.Load())
		if at <= now {
			if l.timerPosted.CompareAndSwap(false, true) {
				l.postedAt.Store(int64(now))
				if l.execute(l.runTimersR) != nil {
					l.timerPosted.Store(false)
				}
			}
		} else if at < next {
			next = at
		}
		d.watch(l, now)
	}
	if s.cfg.SlowCallback > 0 {
		next = min(next, now+watchTick)
	}
	if calls != d.seen {
		// Busy in the last second: wake when the wall clock's second changes.
		d.seen = calls
		d.idle.Store(false)
		next = min(next, now+time.Second-time.Duration(wall.Nanosecond()))
		return next
	}
	// Idle: the next callback wakes us (resume). A callback that ran between the count
	// above and this store is not counted again: it found the driver busy and did not
	// wake it, which costs nothing (Second reads the wall clock while the driver is
	// idle, deadlines wake the driver through nextAt and poke), and the callback after
	// it finds the driver idle and resumes it.
	d.idle.Store(true)
	return next
}

// callbacks counts the callbacks every loop ran since start. Driver-only: it counts
// its own calls in sums, so that a pass summing them twice shows.
func (d *driver) callbacks() int64 {
	d.sums++
	var n int64
	for _, l := range d.s.loops {
		n += l.stats.callbacks.Load()
	}
	return n
}
