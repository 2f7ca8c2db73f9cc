package loop

import (
	"os"
	"syscall"
	"unsafe"
)

// This file holds the connection's own output queue and what keeps a connection alive
// after gnet let go of it at the peer's EOF.
//
// gnet v2.9.7 closes a connection as soon as a read returns 0 (the peer's FIN): OnClose
// runs first, then gnet writes what its own outbound buffer holds until EAGAIN and closes
// the fd, cutting the rest. So gnet's outbound buffer is never used: Write goes straight
// to the socket and what the kernel does not take waits in the connection's queue
// (outState.buf), drained by the connection's timer poll. At the peer's EOF, OnClose
// duplicates the fd when there is still something to deliver (queued output, or an
// EOFReceiver protocol that may answer later), and the connection lives on with the
// duplicate, outside gnet, until it closes.

// maxKeptOut is the largest queue buffer kept for reuse once drained; bigger ones go to
// the GC, so a connection that once queued a large body does not keep its memory.
const maxKeptOut = 64 << 10

// maxIov bounds the buffers of one writev; the rest of a longer Writev is queued.
const maxIov = 64

// sockWrite writes p to fd without blocking: it returns what the kernel took (0 when the
// socket is full).
//
// The socket is non-blocking, so the write is a raw system call: it cannot block, and
// telling the Go scheduler about it (entersyscall, exitsyscall: about 140 instructions,
// as much as a memcached set's parsing) buys nothing, the loop's P has nothing else to
// run meanwhile. The same holds for sockWritev. (Built with -race, rawWrite is
// syscall.Write: its annotation orders our writes before the peer's reads for the race
// detector, as the kernel does.)
func sockWrite(fd int, p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for {
		n, e := rawWrite(fd, p)
		switch e {
		case 0:
			return n, nil
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return 0, nil
		}
		return 0, os.NewSyscallError("write", e)
	}
}

// sockWritev writes bufs to fd with one writev without blocking (at most maxIov buffers);
// it returns what the kernel took. The iovecs live on the stack: no allocation.
func sockWritev(fd int, bufs [][]byte) (int, error) {
	var iov [maxIov]syscall.Iovec
	k := 0
	for _, b := range bufs {
		if len(b) == 0 {
			continue
		}
		if k == maxIov {
			break
		}
		iov[k].Base = &b[0]
		iov[k].SetLen(len(b))
		k++
	}
	if k == 0 {
		return 0, nil
	}
	for {
		n, _, e := syscall.RawSyscall(syscall.SYS_WRITEV, uintptr(fd), uintptr(unsafe.Pointer(&iov[0])), uintptr(k))
		switch e {
		case 0:
			return int(n), nil
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return 0, nil
		}
		return 0, os.NewSyscallError("writev", e)
	}
}

// fd is the socket: gnet's, or our duplicate once gnet let go.
func (c *Conn) fd() int {
	if c.flags&fDetached != 0 {
		return c.out().fd
	}
	return c.gc.Fd()
}

// queued is the number of output bytes waiting in c's queue (fOutPending is set exactly
// while it is not empty).
func (c *Conn) queued() int {
	if c.flags&fOutPending == 0 {
		return 0
	}
	return c.out().pending()
}

// pending is the number of output bytes queued: bytes and file segments.
func (o *outState) pending() int { return len(o.buf) - o.off + int(o.fileq) }

// enqueue appends p behind the queued output. When the buffer must grow and its front
// has been sent, the rest moves down first instead.
func (o *outState) enqueue(p []byte) {
	if o.off > 0 && len(o.buf)+len(p) > cap(o.buf) {
		n := copy(o.buf, o.buf[o.off:])
		o.buf = o.buf[:n]
		for i := range o.files {
			o.files[i].at -= o.off // the file segments keep their place
		}
		o.off = 0
	}
	o.buf = append(o.buf, p...)
}

// queueRest queues what a direct write of bufs left: all bytes past the first sent.
func (c *Conn) queueRest(bufs [][]byte, sent int) {
	o := c.takeOut()
	o.buf = o.buf[:0]
	o.off = 0
	for _, b := range bufs {
		if sent >= len(b) {
			sent -= len(b)
			continue
		}
		o.enqueue(b[sent:])
		sent = 0
	}
	c.outputPending()
}

// flushOut writes as much of the queue as the kernel takes and returns how much that
// was; ok is false if a write error closed c.
func (c *Conn) flushOut() (sent int, ok bool) {
	o := c.out()
	fd := c.fd()
	for {
		end := len(o.buf)
		if len(o.files) > 0 {
			end = o.files[0].at // the bytes before the first file segment
		}
		for o.off < end {
			n, err := sockWrite(fd, o.buf[o.off:end])
			if err != nil {
				c.writeFailed(err)
				return sent, false
			}
			if n == 0 {
				return sent, true // the socket is full
			}
			o.off += n
			sent += n
		}
		if len(o.files) == 0 {
			break
		}
		n, done, ok := c.flushFile(o)
		sent += n
		if !ok {
			return sent, false
		}
		if !done {
			return sent, true
		}
	}
	if o.off == len(o.buf) {
		o.off = 0
		o.buf = o.buf[:0]
		if cap(o.buf) > maxKeptOut {
			o.buf = nil
		}
	}
	return sent, true
}

// writeFailed closes c after a write error (the peer is gone); ConnectionLost gets err.
func (c *Conn) writeFailed(err error) {
	c.takeOut().err = err
	c.closeNow(whyWriteErr)
}

// keepAfterEOF reports whether c must outlive gnet's close at the peer's EOF: output is
// still queued, or the protocol wants EOFReceived (and may answer later).
func (c *Conn) keepAfterEOF() bool {
	switch {
	case c.flags&fHalfClosed != 0:
		return false // the EOF a Shutdown waits for
	case c.flags&fOutPending != 0:
		return true
	case c.flags&(fClosing|fShutdown) != 0:
		return false
	}
	_, ok := c.proto.(EOFReceiver)
	return ok
}

// detach keeps c alive past gnet's close at the peer's EOF: it runs inside gnet's OnClose,
// while the fd is still open, and duplicates it; from then on c uses the duplicate and
// never touches c.gc again (gnet reuses it). The unconsumed input is copied so it can
// still be offered. It returns false if the fd could not be duplicated (c is then lost
// as before).
func (c *Conn) detach() bool {
	if !c.leaveGnet(c.flags&(fClosing|fShutdown) == 0 && c.gc.InboundBuffered() > 0) {
		return false
	}
	_, ender := c.proto.(EOFReceiver)
	switch {
	case c.flags&(fClosing|fShutdown) != 0:
		// A flushing close goes on: the timer poll drains the queue, then closes.
	case ender:
		// Offer what is left, then EOFReceived (reoffer does both).
		c.flags |= fReoffer
		c.loop.CallSoon(c.reoffer)
	default:
		// Without EOFReceived the peer's EOF ends the connection: flush, then close.
		// Output is queued (keepAfterEOF): the poll flushes it as Close's.
		c.flags |= fClosing
	}
	return true
}

// leaveGnet moves c onto a duplicate of gnet's descriptor (a park, or gnet letting go at
// the peer's EOF): from then on c uses the duplicate (fDetached) and never touches its
// gnet connection again; keepIn copies the input gnet holds unconsumed, to be offered
// from outState.in. It returns false if the descriptor could not be duplicated (c is
// left as it was).
func (c *Conn) leaveGnet(keepIn bool) bool {
	gc := c.gc
	fd, err := dupFD(gc.Fd())
	if err != nil {
		return false
	}
	c.unwatch() // gnet's descriptor goes: watch ours
	o := c.takeOut()
	o.fd = fd
	o.laddr, o.raddr = gc.LocalAddr(), gc.RemoteAddr()
	if keepIn {
		buf, _ := gc.Peek(0)
		o.in = append(o.in[:0], buf...)
	}
	c.gc = nil
	c.flags |= fDetached
	if c.flags&fOutPending != 0 {
		c.watch()
	}
	return true
}

// dupFD duplicates fd (close-on-exec).
func dupFD(fd int) (int, error) {
	r, _, e := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_DUPFD_CLOEXEC, 0)
	if e != 0 {
		return -1, os.NewSyscallError("fcntl", e)
	}
	return int(r), nil
}

// endOfInput runs EOFReceived once every byte before the peer's EOF has been offered
// (with reading not paused: the protocol has seen it all).
func (c *Conn) endOfInput() {
	if c.pauses != 0 || c.flags&(fDetached|fEnded|fClosed|fClosing|fShutdown|fParked) != fDetached {
		return
	}
	c.flags |= fEnded
	c.proto.(EOFReceiver).EOFReceived(c)
}

// closeDetached closes a connection gnet let go: our duplicate fd, then the bookkeeping
// gnet's OnClose does for the others.
func (c *Conn) closeDetached(err error) {
	o := c.out()
	if c.flags&fParked != 0 {
		c.discardUnread(o.fd)
	}
	c.unwatch() // before the close: EPOLL_CTL_DEL needs the descriptor (gnet may hold a copy)
	_ = syscall.Close(o.fd)
	o.fd = -1
	c.lost(err)
}

// closeDetached closes every connection of l that lives outside gnet: the engine is
// stopping (their ConnectionLost gets ErrStopped) or the loop died. Runs on l.
func (l *Loop) closeDetached() {
	var list []*Conn
	for i := range l.checks.len() {
		if c := l.checks.items.at(i).p; c.flags&(fDetached|fClosed) == fDetached {
			list = append(list, c)
		}
	}
	for _, c := range list {
		c.closeDetached(ErrStopped)
	}
}
