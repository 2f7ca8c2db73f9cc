package loop

import (
	"sync"
	"syscall"
	"unsafe"
)

// This file wakes a connection's output queue as soon as the kernel takes more.
//
// gnet tells nothing when a socket becomes writable again for output it did not queue
// itself (its EPOLLOUT registration is in its internal poller), so the queue used to be
// retried from the connection's timer only, every millisecond backing off to 64 ms:
// draining 200 MB into a fast reader took three times memcached's time. Now the server
// has its own epoll instance, watched by one goroutine: a connection with output queued
// registers its socket there for EPOLLOUT (one-shot, re-armed after each flush that
// leaves bytes), and the watcher posts the flush to the connection's loop once the
// kernel signals room. The timer poll stays, as the fallback and for the stall and
// linger deadlines. A connection whose output never waits costs nothing here.

// watcher is the server's writability poller.
type watcher struct {
	epfd  int
	evfd  int // wakes the goroutine to stop
	mu    sync.Mutex
	conns map[uint64]*Conn // by watch id (outState.wid)
	next  uint64
	done  chan struct{}
}

// init creates the epoll instance; without one (an error) output is retried by the
// timer alone.
func (w *watcher) init() bool {
	epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return false
	}
	r, _, e := syscall.Syscall(syscall.SYS_EVENTFD2, 0, syscall.O_CLOEXEC|syscall.O_NONBLOCK, 0)
	if e != 0 {
		_ = syscall.Close(epfd)
		return false
	}
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN}
	if syscall.EpollCtl(epfd, syscall.EPOLL_CTL_ADD, int(r), &ev) != nil {
		_ = syscall.Close(epfd)
		_ = syscall.Close(int(r))
		return false
	}
	w.epfd, w.evfd = epfd, int(r)
	w.conns = make(map[uint64]*Conn)
	w.done = make(chan struct{})
	go w.run()
	return true
}

func (w *watcher) stop() {
	if w.done == nil {
		return
	}
	one := uint64(1)
	_, _ = syscall.Write(w.evfd, (*[8]byte)(unsafe.Pointer(&one))[:])
	<-w.done
	_ = syscall.Close(w.epfd)
	_ = syscall.Close(w.evfd)
}

func (w *watcher) run() {
	defer close(w.done)
	var evs [64]syscall.EpollEvent
	var ready []*Conn
	for {
		n, err := syscall.EpollWait(w.epfd, evs[:], -1)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return
		}
		ready = ready[:0]
		w.mu.Lock()
		for _, ev := range evs[:n] {
			id := uint64(uint32(ev.Fd)) | uint64(uint32(ev.Pad))<<32
			if id == 0 {
				w.mu.Unlock()
				return // the stop event
			}
			if c := w.conns[id]; c != nil {
				ready = append(ready, c)
			}
		}
		w.mu.Unlock()
		for _, c := range ready {
			c.signalWritable()
		}
	}
}

// watch asks the watcher to signal when c's socket has room (one-shot); it registers c
// the first time. Loop-only.
func (c *Conn) watch() {
	w := &c.loop.srv.watch
	if w.done == nil || c.flags&fClosed != 0 {
		return
	}
	o := c.out()
	if o.warming() {
		return // the socket has room; the file piece it waits for is read in the executor
	}
	op := syscall.EPOLL_CTL_MOD
	if o.wid == 0 {
		w.mu.Lock()
		w.next++
		o.wid = w.next
		w.conns[o.wid] = c
		w.mu.Unlock()
		op = syscall.EPOLL_CTL_ADD
	}
	ev := syscall.EpollEvent{Events: syscall.EPOLLOUT | syscall.EPOLLONESHOT, Fd: int32(uint32(o.wid)), Pad: int32(uint32(o.wid >> 32))}
	if syscall.EpollCtl(w.epfd, op, c.fd(), &ev) != nil && op == syscall.EPOLL_CTL_MOD {
		_ = syscall.EpollCtl(w.epfd, syscall.EPOLL_CTL_ADD, c.fd(), &ev)
	}
}

// unwatch removes c's socket from the watcher: its output drained, it closes, or its
// descriptor is about to change (a park, a rejoin, gnet letting go at the EOF). Loop-only.
func (c *Conn) unwatch() {
	o := c.out()
	if o == nil || o.wid == 0 {
		return
	}
	w := &c.loop.srv.watch
	_ = syscall.EpollCtl(w.epfd, syscall.EPOLL_CTL_DEL, c.fd(), &syscall.EpollEvent{})
	w.mu.Lock()
	delete(w.conns, o.wid)
	w.mu.Unlock()
	o.wid = 0
}

// signalWritable posts c's writable to its loop: a task with no function, which runTasks
// runs as c.writable (a method value c.writable would be allocated at each event).
func (c *Conn) signalWritable() { _ = c.loop.post(task{c: c}) }

// writable runs on c's loop when the watcher saw room in its socket: the timer's output
// pass runs now (flush, progress, ResumeWriting, a closing flush's end), then the watch
// is re-armed if output is still queued.
func (c *Conn) writable() {
	if c.flags&(fClosed|fOutPending) != fOutPending {
		return
	}
	c.loop.stats.writable.Add(1)
	c.onTimer(c.loop.now)
	if c.flags&(fClosed|fOutPending) == fOutPending {
		c.watch()
	}
}
