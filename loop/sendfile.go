package loop

import (
	"errors"
	"os"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
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
//
// sendfile blocks while it reads from the disk the pages that are not in the page
// cache (a file never read, or evicted under memory pressure), and the loop, with
// every connection on it, would wait. So before each sendfile the loop asks the kernel
// whether the piece it is about to send is resident, with one cachestat(2) call (no
// disk access, no copy), and, when that says no, mincore(2) on a transient mapping
// (resident says why). A piece that is not is read into the page cache by an executor
// job (a pread into a scratch buffer, which waits for the disk there); the segment
// waits meanwhile (its connection sends nothing, polls nothing), and once the job is
// done the loop sends that piece without asking again. Without cachestat (Linux
// before 6.5: ENOSYS) mincore alone answers.
//
// What the check cannot close: a page evicted between the check and the sendfile (a
// few microseconds later, under heavy memory pressure) is read on the loop, and a page
// whose read is already in flight (the kernel's own readahead started by a previous
// sendfile) counts as cached, so the sendfile waits for that read, already under way.
// Both cost the loop at most one piece's disk read, where it used to risk it on every
// cold file.

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
	// ready is how many bytes from off an executor job just read into the page
	// cache: they are sent without asking again (else a page evicted at once would
	// make the segment warm forever).
	ready int64
	// warm is the executor job reading the next piece into the page cache, or nil;
	// while it runs the segment sends nothing.
	warm *fileWarm
}

// closeFile closes f, a File given to SendFile: its Close is the caller's code and
// runs on the loop's output and close paths and in the executor, so a panic in it
// is logged and goes no further (the file counts as closed).
func (l *Loop) closeFile(f File) {
	defer func() {
		if v := recover(); v != nil {
			l.srv.log.Error("loop: File.Close panicked", "panic", v, "stack", string(debug.Stack()))
		}
	}()
	_ = f.Close()
}

// errCold is sendSome's answer when the next piece of a segment is not in the page
// cache: it must be read in the executor first (startWarm).
var errCold = errors.New("loop: file piece not in the page cache")

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
// unless it stops reading for Config.WriteTimeout.
//
// sendfile reads through the page cache, on the loop, so the disk is not read there
// (but in the two cases above: an executor that refuses the job, a page evicted
// between the check and the send): each piece (at most the couple of MiB of one turn) is checked to be in the
// page cache first (cachestat(2); mincore(2) where cachestat cannot see the pages,
// as through overlayfs), and a piece that is not is read into it by an executor job
// before it is sent (LoopStats.FileWarms counts these). Hot files cost one cachestat
// call a piece (~0.3 µs); cold ones a trip to the executor a piece.
//
// After the connection closed (or Close/Shutdown was called) it returns ErrClosed. A
// sendfile error (a bad descriptor, the peer gone) closes the connection, and a file
// shorter than offset+n closes it with ErrShortFile; the error is returned when it
// happens in this call, else given to ConnectionLost. n == 0 sends nothing. Loop-only.
func (c *Conn) SendFile(f File, offset, n int64) error {
	c.loop.own.check("Conn.SendFile")
	if c.flags&(fClosed|fClosing|fShutdown) != 0 {
		c.loop.closeFile(f)
		return ErrClosed
	}
	if n <= 0 {
		c.loop.closeFile(f)
		if n < 0 {
			return errNegativeLength
		}
		return nil
	}
	seg := fileSeg{f: f, fd: int(f.Fd()), off: offset, n: n}
	c.loop.stats.bytesOut.Add(n)
	cold := false
	if c.flags&fOutPending == 0 {
		if err := c.sendSeg(c.fd(), &seg); err == errCold {
			cold = true
		} else if err != nil {
			c.loop.closeFile(f)
			c.writeFailed(err)
			return err
		}
		if seg.n == 0 {
			c.loop.closeFile(f)
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
	if cold {
		c.startWarm(&o.files[0]) // the queue was empty: seg is its head
	}
	c.outputPending()
	return nil
}

// sendSeg sends what the socket takes of seg, advancing it; it stops when the socket
// is full, seg is sent, sendfileBudget bytes went (the rest waits for the loop's next
// turn), or the next piece is not in the page cache (errCold).
func (c *Conn) sendSeg(sock int, seg *fileSeg) error {
	sent, err := sendSome(sock, seg, sendfileBudget)
	c.loop.stats.fileBytes.Add(sent)
	return err
}

// sendSome sends at most budget bytes of seg to out with sendfile(2), advancing seg,
// and returns how many went; it stops early when out is full (EAGAIN, or a partial
// send: the socket took what it had room for), and with errCold before a piece that
// is not in the page cache.
func sendSome(out int, seg *fileSeg, budget int64) (sent int64, err error) {
	for seg.n > 0 && sent < budget {
		want := min(seg.n, budget-sent)
		if seg.ready > 0 {
			want = min(want, seg.ready)
		} else if ok, err := resident(seg.fd, seg.off, want); err != nil {
			return sent, err
		} else if !ok {
			return sent, errCold
		}
		k, err := syscall.Sendfile(out, seg.fd, &seg.off, int(want))
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
		seg.ready = max(seg.ready-int64(k), 0)
		sent += int64(k)
		if int64(k) < want {
			// The socket is full (sendfile stops only there, or at the file's end,
			// which the next call reports): asking again would cost a cachestat and
			// a sendfile that returns EAGAIN.
			return sent, nil
		}
	}
	return sent, nil
}

// noCachestat is set once cachestat(2) answered ENOSYS (a kernel before 6.5): from
// then on every piece is checked with mincore alone.
var noCachestat atomic.Bool

// pageSize is the unit cachestat and mincore count in.
var pageSize = int64(os.Getpagesize())

// resident reports whether the n bytes (at most sendfileBudget) of the file fd from
// off are all in the page cache, so that sendfile can send them without reading the
// disk. It asks cachestat(2) first: one call, which does not allocate. When that says
// no (or is missing) it asks mincore(2) on a transient read-only mapping of the piece
// (mmap, mincore, munmap: three calls, no page touched), because cachestat sees only
// the pages of the file it is given, and some file systems keep them elsewhere:
// overlayfs (every container's root) caches its files' pages under the file below,
// so cachestat reports none of them and only a mapping (which maps the file below)
// sees them. A piece that is really cold pays those calls once before its trip to the
// executor. cachestat costs ~0.3 µs a piece whatever its size; mincore ~10 µs a MiB
// (it looks every page up): a file on overlayfs pays that on each piece, still far
// less than a trip to the executor and a copy, and a directory bind-mounted into the
// container does not.
//
// EBADF is returned (sendfile would fail with it too); any other failure reports
// false: the piece is then read in the executor, which is always safe. Bytes past the
// file's end are not resident: such a piece goes to the executor, whose sendfile then
// finds the end (ErrShortFile).
func resident(fd int, off, n int64) (bool, error) {
	if !noCachestat.Load() {
		r := unix.CachestatRange{Off: uint64(off), Len: uint64(n)}
		var cs unix.Cachestat_t
		switch err := unix.Cachestat(uint(fd), &r, &cs, 0); err {
		case nil:
			if cs.Cache >= uint64((off+n-1)/pageSize-off/pageSize+1) {
				return true, nil
			}
		case unix.EBADF:
			return false, os.NewSyscallError("sendfile", err)
		case unix.ENOSYS:
			noCachestat.Store(true)
		}
	}
	return mincoreResident(fd, off, n), nil
}

// mincoreResident reports whether every page of the n bytes of fd from off is in the
// page cache, from mincore(2) on a read-only shared mapping of them made for the
// question and unmapped after (raw calls: x/sys's Mmap allocates and locks). n is at
// most sendfileBudget.
func mincoreResident(fd int, off, n int64) bool {
	start := off &^ (pageSize - 1)
	length := uintptr(off + n - start)
	addr, e := mapShared(fd, start, length)
	if e != 0 {
		return false
	}
	var vec [sendfileBudget/4096 + 2]byte // one byte a page; pages are 4 KiB or larger
	pages := (int64(length) + pageSize - 1) / pageSize
	ok := pages <= int64(len(vec))
	if ok {
		_, _, e = unix.Syscall(unix.SYS_MINCORE, addr, length, uintptr(unsafe.Pointer(&vec[0])))
		ok = e == 0
	}
	_, _, _ = unix.Syscall(unix.SYS_MUNMAP, addr, length, 0)
	if !ok {
		return false
	}
	for _, v := range vec[:pages] {
		if v&1 == 0 {
			return false
		}
	}
	return true
}

// fileWarm is an executor job that reads a piece of a queued file segment into the
// page cache, so that the loop's sendfile of it does not wait for the disk.
type fileWarm struct {
	c      *Conn
	f      File // the segment's: the job closes it if the segment is dropped meanwhile
	fd     int
	off, n int64
	state  atomic.Int32 // warmRunning, then warmDone (by the job) or warmDropped (by dropFiles)
}

const (
	warmRunning = iota
	warmDone
	warmDropped
)

// warmBufs are the scratch buffers warm jobs read into (the bytes are not kept: the
// read is for its side effect, the pages it brings into the page cache).
var warmBufs = sync.Pool{New: func() any { b := make([]byte, 128<<10); return &b }}

// startWarm reads the next piece of seg (the head of the queue) into the page cache
// in the executor; seg sends nothing until that is done. If the executor refuses the
// job (its queue is full, or the server stops) the piece is sent from the loop as it
// is: the one case where the loop may still read the disk, under overload. Loop-only.
func (c *Conn) startWarm(seg *fileSeg) {
	w := &fileWarm{c: c, f: seg.f, fd: seg.fd, off: seg.off, n: min(seg.n, sendfileBudget)}
	if c.hclosed.Load() || c.loop.runInExecutor(execJob{job: w.run, done: w.done, l: c.loop, c: c, drop: w.finish}) != nil {
		seg.ready = w.n
		return
	}
	seg.warm = w
	c.loop.stats.fileWarms.Add(1)
}

// run reads the piece, in the executor. A read error or the file's end stops it
// early: the sendfile that follows reports them.
func (w *fileWarm) run() {
	bp := warmBufs.Get().(*[]byte)
	buf := *bp
	for off, end := w.off, w.off+w.n; off < end; {
		k, err := syscall.Pread(w.fd, buf[:min(int64(len(buf)), end-off)], off)
		if err == syscall.EINTR {
			continue
		}
		if err != nil || k <= 0 {
			break
		}
		off += int64(k)
	}
	warmBufs.Put(bp)
	w.finish()
}

// finish ends the job's hold on the file: it closes it if the segment was dropped
// meanwhile. It is also the job's drop, for an executor stopping with the job still
// queued (the connection's close then left the file to the job).
func (w *fileWarm) finish() {
	if !w.state.CompareAndSwap(warmRunning, warmDone) {
		w.c.loop.closeFile(w.f) // the segment was dropped while the job read it
	}
}

// done resumes the segment on the loop: its piece is resident now, and is sent
// without asking again. It runs only while the connection is open. Loop-only.
func (w *fileWarm) done() {
	c := w.c
	o := c.out()
	if o == nil || len(o.files) == 0 || o.files[0].warm != w {
		return
	}
	seg := &o.files[0]
	seg.warm = nil
	seg.ready = w.n
	c.onTimer(c.loop.now) // the output pass, as when the socket signals room
	if c.flags&(fClosed|fOutPending) == fOutPending {
		c.watch()
	}
}

// warming reports whether the head of o's queue waits for a warm job: nothing is
// sent, and the socket is not watched for room (it has room: the watcher would spin).
func (o *outState) warming() bool { return len(o.files) > 0 && o.files[0].warm != nil }

// flushFile sends what the kernel takes of the first queued file segment (every byte
// queued before it is out), dropping it once sent; it returns how much was sent and
// whether the segment is done. A sendfile error closes c (ok false).
func (c *Conn) flushFile(o *outState) (sent int, done, ok bool) {
	seg := &o.files[0]
	if seg.warm != nil {
		return 0, false, true // its next piece is being read in the executor
	}
	before := seg.n
	err := c.sendSeg(c.fd(), seg)
	sent = int(before - seg.n)
	o.fileq -= before - seg.n
	if err == errCold {
		c.startWarm(seg)
		return sent, false, true
	}
	if err != nil {
		c.writeFailed(err)
		return sent, false, false
	}
	if seg.n > 0 {
		return sent, false, true
	}
	c.loop.closeFile(seg.f)
	copy(o.files, o.files[1:])
	o.files[len(o.files)-1] = fileSeg{}
	o.files = o.files[:len(o.files)-1]
	return sent, true, true
}

// dropFiles closes the files still queued (the connection closes, or its queue is
// released).
func (o *outState) dropFiles(l *Loop) {
	for i := range o.files {
		if w := o.files[i].warm; w != nil && w.state.CompareAndSwap(warmRunning, warmDropped) {
			// A warm job still reads from it: the job closes it when done.
			o.files[i] = fileSeg{}
			continue
		}
		l.closeFile(o.files[i].f)
		o.files[i] = fileSeg{}
	}
	o.files = o.files[:0]
	o.fileq = 0
}
