package loop

import (
	"sync/atomic"
	"time"
)

// LoopStats are one loop's counters.
type LoopStats struct {
	Loop        int
	Conns       int64         // connections open (accepted and dialed)
	Accepted    int64         // accepted connections since start
	BytesIn     int64         // bytes received
	BytesOut    int64         // bytes given to Write/Writev/SendFile
	Timers      int64         // timer-heap entries after the last timer pass (Timers, and one check per connection)
	TimersFired int64         // timer entries run (Timers and connection checks)
	Callbacks   int64         // callbacks dispatched (I/O, timer passes, posted batches)
	Wakeups     int64         // cross-goroutine wake-ups (one per CallSoonThreadsafe batch)
	LagLast     time.Duration // delay between a timer pass being due and running, last
	LagMax      time.Duration // the same, maximum since start
	Slow        int64         // callbacks reported by the watchdog when they returned
	Stuck       int64         // callbacks reported by the watchdog while still running
	Panics      int64         // panics recovered on the loop (logged; their connection aborted)
	Parks       int64         // paused connections taken out of gnet so the kernel stops reading for them
	Writable    int64         // output flushes run because the kernel signalled room (EPOLLOUT), not by the timer
	FileBytes   int64         // file bytes the kernel sent with sendfile(2) (Conn.SendFile), never copied through user space
	FileWarms   int64         // file pieces not in the page cache, read into it in the executor before sendfile sent them (not on the loop)
	Yields      int64         // times the loop let the process's other goroutines run before a callback (once a millisecond when busy; at every callback while a connection is being handed to a loop)
}

// counters are written by their loop (and the driver) and read from anywhere.
type counters struct {
	conns, accepted, bytesIn, bytesOut      atomic.Int64
	timers, timersFired, callbacks, wakeups atomic.Int64
	lagLast, lagMax, slow, stuck            atomic.Int64
	panics, parks, writable, fileBytes      atomic.Int64
	fileWarms, yields                       atomic.Int64
}

func (c *counters) noteLag(d time.Duration) {
	c.lagLast.Store(int64(d))
	for {
		m := c.lagMax.Load()
		if int64(d) <= m || c.lagMax.CompareAndSwap(m, int64(d)) {
			return
		}
	}
}

// Stats returns a snapshot of the loop's counters. Safe for concurrent use.
func (l *Loop) Stats() LoopStats {
	c := &l.stats
	return LoopStats{
		Loop:        l.idx,
		Conns:       c.conns.Load(),
		Accepted:    c.accepted.Load(),
		BytesIn:     c.bytesIn.Load(),
		BytesOut:    c.bytesOut.Load(),
		Timers:      c.timers.Load(),
		TimersFired: c.timersFired.Load(),
		Callbacks:   c.callbacks.Load(),
		Wakeups:     c.wakeups.Load(),
		LagLast:     time.Duration(c.lagLast.Load()),
		LagMax:      time.Duration(c.lagMax.Load()),
		Slow:        c.slow.Load(),
		Stuck:       c.stuck.Load(),
		Panics:      c.panics.Load(),
		Parks:       c.parks.Load(),
		Writable:    c.writable.Load(),
		FileBytes:   c.fileBytes.Load(),
		FileWarms:   c.fileWarms.Load(),
		Yields:      c.yields.Load(),
	}
}

// Stats returns every loop's counters. Safe for concurrent use.
func (s *Server) Stats() []LoopStats {
	out := make([]LoopStats, len(s.loops))
	for i, l := range s.loops {
		out[i] = l.Stats()
	}
	return out
}
