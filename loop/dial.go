package loop

import (
	"context"
	"net"
	"time"

	"github.com/panjf2000/gnet/v2"
)

// dialReq travels as the gnet context of a dialed connection to its OnOpen.
type dialReq struct {
	proto Protocol
	cb    func(*Conn, error) // Loop.Dial's callback, run on the loop after ConnectionMade
	c     *Conn              // set on the loop before the enroll result is sent
}

// Dial connects to addr off the loops (a blocking dial bounded by ctx), then enrolls the
// connection on l (nil: the next loop, round-robin) with protocol p, and returns its
// Handle once ConnectionMade has run. Put a client's upstream connection on the loop of
// the downstream one so both stay on one goroutine. Safe for concurrent use; never call
// it on a loop (it blocks): use Loop.Dial there.
func (s *Server) Dial(ctx context.Context, network, addr string, l *Loop, p Protocol) (*Handle, error) {
	if p == nil {
		return nil, errNilProtocol
	}
	if s.state.Load() != 1 {
		return nil, ErrStopped
	}
	if l == nil {
		l = s.nextLoop()
	}
	var d net.Dialer
	nc, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	req := &dialReq{proto: p}
	if err := l.enroll(nc, req); err != nil {
		return nil, err
	}
	return req.c.Handle(), nil
}

// Dial connects to addr without blocking the loop: the dial (bounded by timeout; 0 = no
// limit) runs on another goroutine, the connection is enrolled on this loop with
// protocol p, ConnectionMade runs, then cb(c, nil) on this loop. On failure cb(nil, err)
// runs on this loop. Loop-only.
func (l *Loop) Dial(network, addr string, timeout time.Duration, p Protocol, cb func(*Conn, error)) {
	l.own.check("Loop.Dial")
	if p == nil {
		l.CallSoon(func() { cb(nil, errNilProtocol) })
		return
	}
	go func() {
		nc, err := net.DialTimeout(network, addr, timeout)
		if err == nil {
			err = l.enroll(nc, &dialReq{proto: p, cb: cb})
		}
		if err != nil {
			_ = l.CallSoonThreadsafe(func() { cb(nil, err) })
		}
	}()
}

// enroll hands nc to gnet on loop l and waits until OnOpen ran. gnet dups the fd and
// closes nc.
func (l *Loop) enroll(nc net.Conn, req *dialReq) error {
	b := l.gel.Load()
	if b == nil || l.stopping.Load() {
		_ = nc.Close()
		return ErrStopped
	}
	ch, err := b.el.Enroll(gnet.NewContext(context.Background(), req), nc)
	if err != nil {
		_ = nc.Close()
		return ErrStopped
	}
	res := <-ch
	if res.Err != nil {
		return res.Err
	}
	if req.c == nil { // OnOpen refused it (the protocol closed it at once)
		return ErrClosed
	}
	return nil
}
