package loop

import (
	"sync/atomic"
	"time"
	"unsafe"
)

// The debug watchdog (Config.SlowCallback > 0) reports, like asyncio's slow callback
// warning, any loop callback that runs longer than the threshold:
//
//   - when it returns, on the loop itself: "loop: slow callback" with its duration and
//     the label set by Loop.Annotate (a route, a command);
//   - while it still runs, from the driver: "loop: callback still running", once per
//     callback, so a loop blocked forever is reported too.
//
// With SlowCallback 0 it costs one comparison per callback.

func (d *driver) watch(l *Loop, now time.Duration) {
	slow := d.s.cfg.SlowCallback
	if slow <= 0 {
		return
	}
	b := l.busySince.Load()
	if b == 0 || now-time.Duration(b) < slow || l.stuckFor.Load() == b {
		return
	}
	l.stuckFor.Store(b)
	l.stats.stuck.Add(1)
	d.s.log.Warn("loop: callback still running", "loop", l.idx, "for", now-time.Duration(b),
		"what", l.labelPub.load())
}

// labelBox publishes the loop's Annotate label to the driver: a seqlock over the
// string's pointer and length, so the driver reads a consistent pair without a lock and
// the loop stores a label without allocating (an atomic.Value or a *string would
// allocate per label). One writer: the loop.
type labelBox struct {
	seq atomic.Uint64 // odd while a store is under way
	p   atomic.Pointer[byte]
	n   atomic.Int64
}

func (b *labelBox) store(s string) {
	b.seq.Add(1)
	b.p.Store(unsafe.StringData(s))
	b.n.Store(int64(len(s)))
	b.seq.Add(1)
}

// load returns the last label stored, or "?" if the loop kept storing while it tried.
func (b *labelBox) load() string {
	for range 64 {
		s1 := b.seq.Load()
		if s1&1 != 0 {
			continue
		}
		p, n := b.p.Load(), b.n.Load()
		if b.seq.Load() == s1 {
			return unsafe.String(p, int(n))
		}
	}
	return "?"
}
