package loop

import "time"

// CallLaterThreadsafe runs fn on this loop after d, like CallLater, from any goroutine:
// the timer is set on the loop (a posted task, batched with CallSoonThreadsafe calls), so
// d counts from when the loop runs that task. It returns ErrStopped once the loop has
// stopped (fn will not run). There is no Timer to cancel: fn itself can check whether it
// is still wanted. A panic in fn is recovered and logged; the loop goes on. Safe for
// concurrent use.
func (l *Loop) CallLaterThreadsafe(d time.Duration, fn func()) error {
	return l.post(task{func() { l.CallLater(d, fn) }, nil})
}

// CallLater runs fn after d on one of the server's loops (round-robin): a server-level
// timer for work that belongs to no connection (expiring a cache, a periodic report),
// from any goroutine. It is Loop.CallLaterThreadsafe on the chosen loop; fn may use that
// loop's Loop-only methods through the *Loop it is given. It returns ErrStopped once the
// server has stopped, ErrNotStarted before Start. Safe for concurrent use.
func (s *Server) CallLater(d time.Duration, fn func(l *Loop)) error {
	if s.state.Load() == 0 {
		return ErrNotStarted
	}
	l := s.nextLoop()
	return l.CallLaterThreadsafe(d, func() { fn(l) })
}
