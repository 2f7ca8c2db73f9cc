package loop

import (
	"context"
	"errors"
	"net"
	"syscall"
	"time"
)

// acceptedCtx marks connections enrolled from our own listener (they count toward
// NumConns and MaxConns).
type acceptedMark struct{}

var acceptedCtx any = &acceptedMark{}

func (s *Server) listen() (net.Listener, error) {
	// Go sets SO_REUSEADDR on TCP listeners; a bind failure reports EADDRINUSE plainly.
	var lc net.ListenConfig
	return lc.Listen(context.Background(), s.cfg.Network, s.cfg.Addr)
}

// acceptLoop accepts on our own listener and hands each connection to the least busy
// loop. At MaxConns it stops accepting until a connection closes. Resource errors
// (EMFILE, ENFILE, ENOBUFS, ENOMEM) are logged and retried with backoff, as net/http
// does; any other error ends the server with an error from Wait.
func (s *Server) acceptLoop() {
	defer s.accepted.Done()
	var backoff time.Duration
	for {
		if s.sem != nil {
			select {
			case s.sem <- struct{}{}:
			case <-s.acceptSt:
				return
			}
		}
		nc, err := s.ln.Accept()
		if err != nil {
			s.releaseSlot()
			select {
			case <-s.acceptSt:
				return // we closed the listener (Drain or Stop)
			default:
			}
			if retryableAccept(err) {
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				s.log.Error("loop: accept failed; retrying", "err", err, "backoff", backoff)
				t := time.NewTimer(backoff)
				select {
				case <-t.C:
				case <-s.acceptSt:
					t.Stop()
					return
				}
				continue
			}
			go s.fail(err)
			return
		}
		backoff = 0
		if _, err := s.cli.EnrollContext(nc, acceptedCtx); err != nil {
			// EnrollContext closes nc in every case.
			s.releaseSlot()
			s.log.Warn("loop: enrolling an accepted connection failed", "err", err)
		}
	}
}

func (s *Server) releaseSlot() {
	if s.sem != nil {
		select {
		case <-s.sem:
		default:
		}
	}
}

func retryableAccept(err error) bool {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	return errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) ||
		errors.Is(err, syscall.ENOBUFS) || errors.Is(err, syscall.ENOMEM) ||
		errors.Is(err, syscall.ECONNABORTED) || errors.Is(err, syscall.EINTR)
}
