package client

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http/httptrace"
	"os"
	"sync/atomic"

	"github.com/eddy-go/eddy/loop"
)

// dial opens a new connection for ex off the loop (DNS, then connect, bounded by
// Timeout.Connect and by Session.Close) and enrolls it on ex's loop; ex gets it
// there. The slot is already taken. Loop-only.
func (lp *loopPool) dial(ex *exchange) {
	s := lp.s
	hp := ex.hp
	if !s.liveAdd() {
		s.freeSlot(hp.ctr)
		ex.end(ErrClosed)
		return
	}
	ex.dialing = true
	ex.c.tainted = true // the dialing goroutine refers to ex, which may live in the call
	hp.dialing++
	pc := &pconn{lp: lp, hp: hp}
	addr, trace, l := ex.addr, ex.trace, lp.l
	go func() {
		err := s.dialConn(s.ctx, addr, l, pc, &pc.made, trace)
		if err != nil && !pc.made.Load() {
			s.freeSlot(hp.ctr) // never enrolled: no ConnectionLost will free it
		}
		if l.CallSoonThreadsafe(func() { lp.dialed(ex, pc, err) }) != nil {
			s.liveDone() // the loop stopped: its connections are gone
		}
	}()
}

// dialed hands a new connection (or the dial's error) to ex. Loop-only.
func (lp *loopPool) dialed(ex *exchange, pc *pconn, err error) {
	defer lp.s.liveDone() // the dial's count; the connection has its own
	defer lp.tidy(pc.hp)
	pc.hp.dialing--
	ex.dialing = false
	switch {
	case err == nil && lp.s.closed.Load():
		pc.close()
		ex.end(ErrClosed)
	case err != nil:
		ex.trace.gotConn(false, 0)
		ex.end(err)
	case ex.over:
		if !pc.dead && !pc.c.Closed() {
			lp.release(pc) // the request ended meanwhile: the connection serves another
		}
	case pc.dead || pc.c.Closed():
		ex.end(ErrConnLost)
	default:
		pc.start(ex, false)
	}
}

// dialConn resolves and connects addr (bounded by ctx and Timeout.Connect) and
// enrolls the connection on l with protocol p, whose ConnectionMade sets made.
// It serves the pools and the WebSocket dial alike.
func (s *Session) dialConn(ctx context.Context, addr string, l *loop.Loop, p loop.Protocol, made *atomic.Bool, trace *Trace) error {
	if t := s.cfg.Timeout.Connect; t > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, t)
		defer cancel()
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return badRequest("%v", err)
	}
	ips := []string{host}
	if net.ParseIP(host) == nil {
		trace.dnsStart(host)
		addrs, err := net.DefaultResolver.LookupIPAddr(ctx, host)
		trace.dnsDone(httptrace.DNSDoneInfo{Addrs: addrs, Err: err})
		if err != nil {
			return s.dialErr(ctx, addr, err)
		}
		ips = ips[:0]
		for _, a := range addrs {
			ips = append(ips, a.IP.String())
		}
	}
	srv := l.Server()
	for _, ip := range ips {
		target := net.JoinHostPort(ip, port)
		trace.connectStart(target)
		_, err = srv.Dial(ctx, "tcp", target, l, p)
		trace.connectDone(target, err)
		if err == nil || made.Load() || ctx.Err() != nil || s.ctx.Err() != nil {
			break
		}
	}
	if err != nil {
		return s.dialErr(ctx, addr, err)
	}
	return nil
}

func (s *Session) dialErr(ctx context.Context, addr string, err error) error {
	switch {
	case s.closed.Load():
		return ErrClosed
	case errors.Is(ctx.Err(), context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		// The dial may see its deadline pass a moment before ctx reports it.
		return fmt.Errorf("%w: %s", ErrConnectTimeout, addr)
	case errors.Is(err, loop.ErrStopped):
		return ErrClosed
	}
	return fmt.Errorf("client: dial %s: %w", addr, err)
}
