package loop

import (
	"errors"
	"os"
	"syscall"
)

// File is what SendFile sends from: an open file's descriptor, and Close, which the
// connection calls exactly once, when it is done with the descriptor. *os.File is one.
// A File shared by several sends (a cache of open files) can count its users and close
// the descriptor after the last one's Close, so that no send opens the file itself.
type File interface {
	Fd() uintptr
	Close() error
}

// This file sends file bytes with sendfile(2): the kernel copies them from the page
// cache to the socket, so they never pass through user space. A file segment is an
// element of the connection's output queue, like queued bytes: it keeps its place
// between what was written before and after it, and what the kernel does not take at
// once is sent when the socket has room (the EPOLLOUT watcher, the timer poll).

// ErrShortFile is the error a connection closes with (ConnectionLost, and SendFile's
// result when it happens at once) when a file given to SendFile ends before the n
// bytes it was to send: the peer was promised bytes that do not exist.
var ErrShortFile = errors.New("loop: file ended before its bytes were sent")

// errNegativeLength is SendFile's answer to n < 0.
var errNegativeLength = errors.New("loop: SendFile with a negative length")

// sendfileBudget bounds the file bytes one flush of a connection sends (in one
// sendfile call when the socket takes them). sendfile runs on the loop and reads the
// page cache (the disk, for pages not in it): past the budget the connection waits for
// the loop's next turn (its EPOLLOUT watcher), so that a client that reads as fast as
// the loop sends cannot hold the loop for a whole large file. 2 MiB takes ~0.2 ms from
// the page cache and sends a 1 MiB file in one call.
const sendfileBudget = 2 << 20

// fileSeg is a file segment in the output queue: n bytes of f from off, sent once
// every queued byte before buf[at] is out.
type fileSeg struct {
	f   File // owned by the connection: closed once sent or dropped
	fd  int
	off int64
	n   int64
	at  int // position in outState.buf
}

// SendFile sends n bytes of f from offset with sendfile(2), after everything written
// before it and before everything written after it. The kernel takes what the socket
// has room for at once; the rest waits in the output queue (it counts in
// OutboundBuffered, HighWater and the write timeout like queued bytes, without a copy
// in memory) and is sent when the socket has room, at most a couple of MiB per turn of
// the loop. f belongs to the connection from
// the call on, whatever the result: it is closed once its bytes are sent, when the
// connection closes with them still queued (Abort, a write error, the write timeout,
// the server stopping), or at once when SendFile returns an error; the caller must not
// use or close f afterwards. f's offset (Seek) is neither used nor moved.
//
// Close and Shutdown flush a pending file like queued bytes: the peer gets all of it
// unless it stops reading for Config.CloseLinger.
//
// sendfile reads through the page cache, on the loop: bytes not in the cache are read
// from the disk while the loop waits, so this is for files likely in the page cache
// (static files, recently written or read ones). Each call reads at most what the
// socket has room for, which bounds one wait to that much disk.
//
// After the connection closed (or Close/Shutdown was called) it returns ErrClosed. A
// sendfile error (a bad descriptor, the peer gone) closes the connection, and a file
// shorter than offset+n closes it with ErrShortFile; the error is returned when it
// happens in this call, else given to ConnectionLost. n == 0 sends nothing. Loop-only.
func (c *Conn) SendFile(f File, offset, n int64) error {
	c.loop.own.check("Conn.SendFile")
	if c.flags&(fClosed|fClosing|fShutdown) != 0 {
		_ = f.Close()
		return ErrClosed
	}
	if n <= 0 {
		_ = f.Close()
		if n < 0 {
			return errNegativeLength
		}
		return nil
	}
	seg := fileSeg{f: f, fd: int(f.Fd()), off: offset, n: n}
	c.loop.stats.bytesOut.Add(n)
	if c.flags&fOutPending == 0 {
		if err := c.sendSeg(c.fd(), &seg); err != nil {
			_ = f.Close()
			c.writeFailed(err)
			return err
		}
		if seg.n == 0 {
			_ = f.Close()
			return nil
		}
		o := c.takeOut()
		o.buf = o.buf[:0]
		o.off = 0
	}
	o := c.out()
	seg.at = len(o.buf)
	o.files = append(o.files, seg)
	o.fileq += seg.n
	c.outputPending()
	return nil
}

// sendSeg sends what the socket takes of seg, advancing it; it stops when the socket
// is full, seg is sent, or sendfileBudget bytes went (the rest waits for the loop's
// next turn).
func (c *Conn) sendSeg(sock int, seg *fileSeg) error {
	sent, err := sendSome(sock, seg, sendfileBudget)
	c.loop.stats.fileBytes.Add(sent)
	return err
}

// sendSome sends at most budget bytes of seg to out with sendfile(2), advancing seg,
// and returns how many went; it stops early when out is full (EAGAIN).
func sendSome(out int, seg *fileSeg, budget int64) (sent int64, err error) {
	for seg.n > 0 && sent < budget {
		k, err := syscall.Sendfile(out, seg.fd, &seg.off, int(min(seg.n, budget-sent)))
		switch {
		case err == syscall.EINTR:
			continue
		case err == syscall.EAGAIN:
			return sent, nil
		case err != nil:
			return sent, os.NewSyscallError("sendfile", err)
		case k == 0:
			return sent, ErrShortFile
		}
		seg.n -= int64(k)
		sent += int64(k)
	}
	return sent, nil
}

// flushFile sends what the kernel takes of the first queued file segment (every byte
// queued before it is out), dropping it once sent; it returns how much was sent and
// whether the segment is done. A sendfile error closes c (ok false).
func (c *Conn) flushFile(o *outState) (sent int, done, ok bool) {
	seg := &o.files[0]
	before := seg.n
	err := c.sendSeg(c.fd(), seg)
	sent = int(before - seg.n)
	o.fileq -= before - seg.n
	if err != nil {
		c.writeFailed(err)
		return sent, false, false
	}
	if seg.n > 0 {
		return sent, false, true
	}
	_ = seg.f.Close()
	copy(o.files, o.files[1:])
	o.files[len(o.files)-1] = fileSeg{}
	o.files = o.files[:len(o.files)-1]
	return sent, true, true
}

// dropFiles closes the files still queued (the connection closes, or its queue is
// released).
func (o *outState) dropFiles() {
	for i := range o.files {
		_ = o.files[i].f.Close()
		o.files[i] = fileSeg{}
	}
	o.files = o.files[:0]
	o.fileq = 0
}
