package loop

import (
	"sync/atomic"
	"time"
)

// tick is the coarse clock's resolution: the driver wakes at least this often while the
// server runs, and sooner when a loop's earliest timer is due earlier.
const tick = 5 * time.Millisecond

// driver is the one goroutine behind every loop's timers: it keeps the coarse clock and
// the wall clock's second (Loop.Second), posts a timer pass to a loop only when that loop's earliest
// deadline has passed, measures loop lag, and runs the stuck-callback watchdog.
type driver struct {
	s      *Server
	pokeC  chan struct{}
	target atomic.Int64 // when the driver wakes next (ns on the Time scale)
	stopC  chan struct{}
	doneC  chan struct{}
}

func (d *driver) init(s *Server) {
	d.s = s
	d.pokeC = make(chan struct{}, 1)
	d.stopC = make(chan struct{})
	d.doneC = make(chan struct{})
	d.target.Store(0)
	s.clock.Store(0)
	s.wallSec.Store(time.Now().Unix())
}

// poke wakes the driver early if at is before its next wake-up.
func (d *driver) poke(at time.Duration) {
	if int64(at) < d.target.Load() {
		select {
		case d.pokeC <- struct{}{}:
		default:
		}
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
	t := time.NewTimer(tick)
	defer t.Stop()
	for {
		now := s.now()
		s.clock.Store(int64(now))
		if sec := time.Now().Unix(); sec != s.wallSec.Load() {
			s.wallSec.Store(sec) // only the driver stores it
		}
		next := now + tick
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
		d.target.Store(int64(next))
		t.Reset(next - now)
		select {
		case <-d.stopC:
			return
		case <-t.C:
		case <-d.pokeC:
		}
	}
}
