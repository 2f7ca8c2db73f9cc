package loop

import (
	"context"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// Run starts the server (unless Start was called already), serves until ctx ends or the
// process gets SIGINT or SIGTERM, then drains (Drain: stop accepting, let connections
// finish) for at most drainTimeout (0 = 25 s) and returns. It returns nil after a clean
// drain, Drain's error if connections were still open at the timeout (they were then
// closed), Start's error, or Wait's if the engine stopped on its own. Signals are
// caught only while Run runs.
func (s *Server) Run(ctx context.Context, drainTimeout time.Duration) error {
	if s.state.Load() == 0 {
		if err := s.Start(); err != nil {
			return err
		}
	}
	if drainTimeout <= 0 {
		drainTimeout = 25 * time.Second
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	select {
	case <-sig:
	case <-ctx.Done():
	case <-s.done:
		signal.Stop(sig)
		return s.Wait()
	}
	signal.Stop(sig) // a second signal during the drain ends the process as usual
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), drainTimeout)
	defer cancel()
	return s.Drain(dctx)
}
