package loop

import (
	"context"
)

// Drain shuts down gracefully: it stops accepting (our listener closes, so new
// connections are refused, which proxies retry safely), asks every accepted connection
// to finish (Drainer.Drain, or Close, which flushes), waits until none is left or ctx
// ends, then stops. It returns ctx.Err() if connections were still open at the deadline
// (they are then closed by Stop). Dialed connections are left to their owners until Stop.
// Safe for concurrent use.
func (s *Server) Drain(ctx context.Context) error {
	if s.state.Load() == 0 {
		return ErrNotStarted
	}
	if !s.draining.Swap(true) {
		s.closeListener()
		s.accepted.Wait()
		for _, l := range s.loops {
			_ = l.CallSoonThreadsafe(l.drainConns)
		}
	}
	var err error
	for s.nconns.Load() > 0 && err == nil {
		select {
		case <-s.zero:
		case <-s.done:
			return s.Wait()
		case <-ctx.Done():
			err = ctx.Err()
		}
	}
	stopCtx := context.WithoutCancel(ctx)
	if serr := s.Stop(stopCtx); err == nil {
		err = serr
	}
	return err
}

// Draining reports whether Drain has started. Safe for concurrent use.
func (s *Server) Draining() bool { return s.draining.Load() }

func (l *Loop) drainConns() {
	// Every open connection has an entry in the check heap (and none is running its
	// check now: this is a task of its own). Draining may close connections, which edits
	// the heap: walk a copy.
	conns := make([]*Conn, l.checks.len())
	for i := range conns {
		conns[i] = l.checks.items.at(i).p
	}
	for _, c := range conns {
		if c.flags&fAccepted != 0 {
			c.guardedDrain()
		}
	}
}
