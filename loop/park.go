package loop

import (
	"context"
	"net"
	"os"
	"syscall"

	"github.com/panjf2000/gnet/v2"
)

// This file makes PauseReading stop reading for real.
//
// gnet v2.9.7 has no way to stop reading a connection: its event loop registers every
// connection for reading (eventloop_unix.go, register0: poller.AddRead) and reads every
// readable socket (read: unix.Read on each EPOLLIN, level-triggered, then OnTraffic,
// then the bytes are appended to the connection's inbound buffer); the poller that
// could change the interest set (pkg/netpoll's Poller.ModRead/ModDetach) is an
// unexported field of the event loop, with the connection's poll attachment, and neither
// gnet.EventLoop nor gnet.Conn offers a pause. Pausing
// only stopped offering bytes, which piled up until Config.MaxInbound reset the
// connection: a client that pipelines more requests than that before reading its
// replies was cut.
//
// So a paused connection that keeps receiving leaves gnet: past parkAt buffered bytes
// (or its inbound limit, if lower) it is parked. OnTraffic duplicates the descriptor,
// copies the unconsumed input aside (outState.in) and returns gnet.Close with the
// connection's gnet context cleared: gnet unregisters and closes its descriptor and
// runs an OnClose that finds nothing, while our duplicate keeps the socket open. The
// connection lives on outside gnet as after the peer's EOF (fDetached: writes, the
// output queue, timers and deadlines work on the duplicate), and nobody reads it: the
// kernel's receive buffer fills and TCP's window closes, so the peer's writes block
// instead of our memory growing. When the last pause is released, the input set aside
// is offered, and the connection is enrolled in gnet again (EventLoop.Enroll, on the
// same loop); until gnet's OnOpen for it runs it stays as it was. Input the protocol
// left unconsumed then stays in outState.in, and new bytes are appended to it (fCarry)
// until it is consumed.
//
// A park and its rejoin cost about ten system calls and a hop through gnet's enroll
// goroutine: BenchmarkParkCycle measured about 0.22 ms of CPU per pause, 80 KiB and
// resume cycle (client and polling included) against 0.035 ms for a 32 KiB one that
// stays in gnet's buffer, on a loaded 2-core VM. Only a connection whose protocol
// paused reading while its peer kept sending parkAt bytes pays it.

// parkAt is how much unconsumed input a paused connection may buffer before it is
// parked: up to parkAt plus one read of gnet's (Config.ReadBufferSize) per connection.
const parkAt = 64 << 10

// rejoinCtx is the gnet context of a parked connection enrolled again.
type rejoinCtx struct{ c *Conn }

// eofSeen reports whether the peer's EOF came (gnet let go of c at it), as opposed to a
// connection parked by a pause.
func (c *Conn) eofSeen() bool { return c.flags&(fDetached|fParked) == fDetached }

// park takes c out of gnet (inside c's OnTraffic, by returning gnet.Close; elsewhere on
// the loop, through gnet's loop at once). It reports false if the descriptor could not be duplicated (c stays in gnet).
func (c *Conn) park() bool {
	gc := c.gc
	if !c.leaveGnet(c.flags&fCarry == 0) {
		return false
	}
	gc.SetContext(nil) // gnet's OnClose for it finds no Conn
	c.flags = c.flags&^fCarry | fParked
	c.loop.stats.parks.Add(1)
	if c.loop.cur == c {
		c.flags |= fCloseAct // inside c's OnTraffic: it returns gnet.Close
	} else {
		_ = gc.EventLoop().Close(gc)
	}
	return true
}

// rejoin enrolls a parked connection in gnet again; until gnet's OnOpen for it runs,
// c stays detached (writes go to our duplicate).
func (c *Conn) rejoin() {
	l := c.loop
	o := c.out()
	nc, err := fileConn(o.fd)
	b := l.gel.Load()
	if err == nil && b == nil {
		_ = nc.Close()
		err = ErrStopped
	}
	if err == nil {
		var ch <-chan gnet.RegisteredResult
		ch, err = b.el.Enroll(gnet.NewContext(context.Background(), &rejoinCtx{c}), nc)
		if err == nil {
			c.flags |= fRejoin
			go func() {
				// gnet refusing it (its engine stopping) leaves c outside: close it.
				if res := <-ch; res.Err != nil {
					_ = l.CallSoonThreadsafe(func() {
						if c.flags&(fRejoin|fClosed) == fRejoin {
							c.closeDetached(res.Err)
						}
					})
				}
			}()
			return
		}
		_ = nc.Close()
	}
	c.takeOut().err = err
	c.closeNow(whyWriteErr)
}

// rejoinToDiscard puts a parked connection back in gnet once it shuts down: its input
// must be read and discarded until the peer's EOF. (A Close does not wait for the EOF:
// closeDetached discards what the socket holds, see discardUnread.)
func (c *Conn) rejoinToDiscard() {
	if c.flags&(fParked|fRejoin|fClosed) == fParked {
		c.out().in = nil
		c.rejoin()
	}
}

// rejoined is gnet's OnOpen for a parked connection enrolled again: c uses the new gnet
// connection from now on.
func (c *Conn) rejoined(gc gnet.Conn) gnet.Action {
	if c.flags&fClosed != 0 {
		gc.SetContext(nil)
		return gnet.Close
	}
	l := c.loop
	l.enter()
	c.unwatch() // our descriptor goes: watch gnet's
	o := c.out()
	_ = syscall.Close(o.fd)
	o.fd = -1
	o.laddr, o.raddr = nil, nil
	gc.SetContext(c)
	c.gc = gc
	c.flags &^= fDetached | fParked | fRejoin
	if c.flags&fOutPending != 0 {
		c.watch()
	}
	if len(o.in) > 0 {
		c.flags |= fCarry
	} else if c.flags&(fOutPending|fClosing|fShutdown) == 0 {
		c.releaseOut()
	}
	l.exit()
	return gnet.None
}

// carryIn moves what gnet buffered behind the input kept from a park, and returns how
// much input there is.
func (c *Conn) carryIn() int {
	o := c.out()
	if buf, _ := c.gc.Peek(0); len(buf) > 0 {
		o.in = append(o.in, buf...)
		_, _ = c.gc.Discard(0)
	}
	return len(o.in)
}

// fileConn makes a net.Conn of a duplicate of fd, for gnet's Enroll (which duplicates
// it again and closes the net.Conn).
func fileConn(fd int) (net.Conn, error) {
	r, err := dupFD(fd)
	if err != nil {
		return nil, err
	}
	f := os.NewFile(uintptr(r), "")
	nc, err := net.FileConn(f)
	_ = f.Close()
	return nc, err
}

// maxDiscard bounds what discardUnread reads before a parked connection closes.
const maxDiscard = 16 << 20

// discardUnread reads and drops what a parked connection's socket holds, just before it
// is closed: closing a socket with unread input resets the connection, which can destroy
// output the peer has not read yet. A connection in gnet has no such backlog (gnet reads
// as bytes come); a parked one has, by design.
func (c *Conn) discardUnread(fd int) {
	var buf [16 << 10]byte
	for total := 0; total < maxDiscard; {
		n, err := syscall.Read(fd, buf[:])
		if err == syscall.EINTR {
			continue
		}
		if n <= 0 || err != nil {
			return
		}
		total += n
	}
}
