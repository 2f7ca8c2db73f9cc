package loop

import (
	"context"
	"errors"
	"net"
	"syscall"
	"time"
)

func (s *Server) listen() (net.Listener, error) {
	// Go sets SO_REUSEADDR on TCP listeners; a bind failure reports EADDRINUSE plainly.
	lc := net.ListenConfig{KeepAlive: s.cfg.TCPKeepAlive}
	return lc.Listen(context.Background(), s.cfg.Network, s.cfg.Addr)
}

// sockOpts applies Config's socket options to an accepted connection before gnet takes
// it (gnet duplicates the descriptor: the options stay with the socket). Keep-alive was
// set by the listener (net.ListenConfig.KeepAlive).
func (s *Server) sockOpts(nc net.Conn) {
	tc, ok := nc.(*net.TCPConn)
	if !ok {
		return
	}
	if s.cfg.SocketRecvBuffer > 0 {
		_ = tc.SetReadBuffer(s.cfg.SocketRecvBuffer)
	}
	if s.cfg.SocketSendBuffer > 0 {
		_ = tc.SetWriteBuffer(s.cfg.SocketSendBuffer)
	}
	if s.cfg.TCPNagle {
		_ = tc.SetNoDelay(false)
	}
}

// acceptLoop accepts on our own listener and hands each connection to the least busy
// loop (enroll, up to enrollPending at once). At MaxConns it stops accepting until a
// connection closes. Resource errors (EMFILE, ENFILE, ENOBUFS, ENOMEM) are logged and
// retried with backoff, as net/http does; any other error ends the server with an error
// from Wait. At the descriptor limit every refused connection fails the same way, so
// refusals (failed accepts and failed enrollments together) are logged at most once a
// second, with the count of the ones not logged since.
func (s *Server) acceptLoop() {
	defer s.accepted.Done()
	defer close(s.enrollQ) // the enrollers finish what they took, then return
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
				if ok, n := s.allowRefusalLog(); ok {
					s.log.Error("loop: accept failed; retrying", "err", err, "backoff", backoff,
						"suppressed", n)
				}
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
		s.sockOpts(nc)
		if s.cfg.ProxyProtocol != ProxyOff {
			s.enrollProxied(nc) // reads the header on a goroutine of its own
			continue
		}
		select {
		case s.enrolling <- struct{}{}:
		case <-s.acceptSt:
			nc.Close()
			s.releaseSlot()
			return
		}
		s.enrollQ <- nc // a slot was free, so an enroller is or will be at once
	}
}

// enrollPending is how many accepted connections may be on their way to a loop at once
// (enroll). Each waits about one iteration of a loop; more at once make a burst of
// connections wait fewer iterations. pickLoop counts the ones on their way, so side by
// side they still spread evenly over the loops.
const enrollPending = 16

// enroller is one of the enrollPending goroutines (own-listener mode) that hand the
// accepted connections to the loops, side by side: an enrollment returns only once the
// loop has registered the connection, after the loop's current iteration, which under
// load serves every ready connection first. Enrolled one after another by the accept
// goroutine, 512 connections that arrived at once while 256 others were busy waited up to
// 0.5-1.8 s for their first response; side by side 0.07-0.42 s (a raw gnet server, whose
// loops accept without waiting: 0.04-0.10 s). A fixed set of goroutines: the package
// starts none per connection.
func (s *Server) enroller() {
	defer s.accepted.Done()
	for nc := range s.enrollQ {
		s.enroll(nc)
	}
}

// enroll hands nc to the loop with the fewest connections (pickLoop) and frees its slot
// of s.enrolling.
func (s *Server) enroll(nc net.Conn) {
	defer func() { <-s.enrolling }()
	if err := s.enrollAccepted(nc, nil); err != nil {
		// enrollAccepted closes nc in every case.
		s.releaseSlot()
		if ok, n := s.allowRefusalLog(); ok {
			s.log.Warn("loop: enrolling an accepted connection failed; closed it", "err", err,
				"suppressed", n)
		}
	}
}

// allowRefusalLog is the one-a-second limit shared by the accept goroutine's and the
// enrolling goroutines' log lines about refused connections: at the descriptor limit
// both kinds fail together, and the log gets one line a second in all.
func (s *Server) allowRefusalLog() (ok bool, suppressed int) {
	s.refuseMu.Lock()
	defer s.refuseMu.Unlock()
	return s.refuseLog.allow(time.Now())
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

// logLimiter lets one log line a second through and counts the others, which the next
// line reports ("suppressed"). One goroutine uses it at a time.
type logLimiter struct {
	last       time.Time
	suppressed int
}

// allow reports whether a line may be logged at now, and how many were suppressed since
// the last one.
func (r *logLimiter) allow(now time.Time) (ok bool, suppressed int) {
	if !r.last.IsZero() && now.Sub(r.last) < time.Second {
		r.suppressed++
		return false, 0
	}
	r.last = now
	n := r.suppressed
	r.suppressed = 0
	return true, n
}
