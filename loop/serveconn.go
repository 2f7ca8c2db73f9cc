package loop

import (
	"errors"
	"net"
)

// ErrDraining: Drain has started; the server takes no new connection.
var ErrDraining = errors.New("loop: server draining")

var (
	errServeConnReusePort = errors.New("loop: ServeConn needs the server's own engine, not ReusePort")
	errServeConnKind      = errors.New("loop: ServeConn needs a stream socket (*net.TCPConn, or a *net.UnixConn of network unix)")
)

// ServeConn serves nc as if the server had accepted it: a connection the caller
// accepted or created itself (socket activation, one end of a socketpair, tests). It
// is handed to the least busy loop, made by the server's Factory, counted in NumConns
// and MaxConns, and drained by Drain like an accepted one. It works with or without a
// listener (an empty Config.Addr), not with Config.ReusePort, and takes no PROXY
// protocol header.
//
// nc must be a stream socket: a *net.TCPConn, or a *net.UnixConn of network "unix"
// (net.FileConn of a SOCK_STREAM socketpair end gives one). The loop serves a
// duplicate of its descriptor, so nc is closed when ServeConn returns, whatever it
// returns; the caller must not use it again. At MaxConns, ServeConn waits for a
// connection to close, as the listener does. It returns ErrNotStarted before Start,
// ErrDraining once Drain started and ErrStopped once the server stopped (nc closed,
// nothing served). Safe for concurrent use.
func (s *Server) ServeConn(nc net.Conn) error {
	err := s.serveConn(nc)
	if err != nil {
		_ = nc.Close()
	}
	return err
}

func (s *Server) serveConn(nc net.Conn) error {
	switch c := nc.(type) {
	case *net.TCPConn:
	case *net.UnixConn:
		if a := c.LocalAddr(); a == nil || a.Network() != "unix" {
			return errServeConnKind
		}
	default:
		return errServeConnKind
	}
	switch s.state.Load() {
	case 0:
		return ErrNotStarted
	case 2:
		return ErrStopped
	}
	if s.cfg.ReusePort {
		return errServeConnReusePort
	}
	if s.draining.Load() {
		return ErrDraining
	}
	if s.sem != nil {
		select {
		case s.sem <- struct{}{}:
		case <-s.acceptSt: // Drain or Stop closed the listener side
			if s.draining.Load() {
				return ErrDraining
			}
			return ErrStopped
		}
	}
	// A Drain that starts now still reaches this connection: a loop opening a
	// connection while the server drains asks it to drain at once.
	s.sockOpts(nc) // Config's socket options, as for accepted connections
	if err := s.enrollAccepted(nc, nil); err != nil {
		// enrollAccepted closes nc in every case.
		s.releaseSlot()
		if s.state.Load() == 2 {
			return ErrStopped
		}
		return err
	}
	return nil
}
