package loop

import "time"

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
	d.s.log.Warn("loop: callback still running", "loop", l.idx, "for", now-time.Duration(b))
}
