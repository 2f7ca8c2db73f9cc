package loop

import (
	"context"
	"math"
	"net"

	"github.com/panjf2000/gnet/v2"
)

// Which loop an accepted connection goes to.
//
// gnet's own choice (Client.EnrollContext, least connections) counts only the connections
// a loop has registered already. Connections enrolled side by side (enrollPending at once)
// all saw the same counts and landed on the same loop: 16 connections dialled one after
// another went 13 to one loop and 3 to the other, 128 went 72 and 56, and the clients of
// the busier loop saw up to twice the p99 latency of a balanced server. pickLoop also
// counts the connections still on their way to each loop, under a lock, so that every
// choice sees the ones made before it.

// arrival is the gnet context of a connection from our listener (or ServeConn) on its way
// to the loop pickLoop chose: h is its PROXY header (nil: none), and opened is set by the
// loop when it opened the connection (Loop.open), before the enrollment returns.
type arrival struct {
	h      *ProxyHeader
	opened bool
}

// pickLoop returns the loop with the fewest connections, open or on their way (ties go to
// the lowest index), and counts one more on its way there. The loop takes it off when it
// opens the connection (Loop.open), enrollAccepted when the loop did not.
func (s *Server) pickLoop() *Loop {
	s.pickMu.Lock()
	var best *Loop
	least := int64(math.MaxInt64)
	for _, l := range s.loops {
		if n := l.stats.conns.Load() + l.incoming.Load(); n < least {
			best, least = l, n
		}
	}
	best.incoming.Add(1)
	s.pickMu.Unlock()
	return best
}

// enrollAccepted hands nc, a connection from our listener (or ServeConn) with PROXY header
// h (nil: none), to the loop with the fewest connections, and returns once that loop
// opened it (ConnectionMade ran) or refused it. nc is closed in every case: gnet serves a
// duplicate of its descriptor.
func (s *Server) enrollAccepted(nc net.Conn, h *ProxyHeader) error {
	s.handing.Add(1) // the loops yield at every callback meanwhile (Loop.yield)
	defer s.handing.Add(-1)
	a := &arrival{h: h}
	l := s.pickLoop()
	err := l.enrollArrival(nc, a)
	if !a.opened { // written by the loop before the enrollment returned
		l.incoming.Add(-1)
	}
	return err
}

// enrollArrival is enrollAccepted's hand-over to l.
func (l *Loop) enrollArrival(nc net.Conn, a *arrival) error {
	b := l.gel.Load()
	if b == nil {
		_ = nc.Close()
		return ErrStopped
	}
	ch, err := b.el.Enroll(gnet.NewContext(context.Background(), a), nc)
	if err != nil {
		_ = nc.Close() // refused before gnet took it
		return err
	}
	return (<-ch).Err
}
