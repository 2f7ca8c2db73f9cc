package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/eddy-go/eddy/bench/peers/internal/wsclient"
	"golang.org/x/sys/unix"
)

// The echo and broadcast modes drive their connections from one goroutine with epoll instead
// of one goroutine per connection: a round trip then costs the client one read and one write
// system call and no goroutine switch, about half of what the goroutine style costs, so the
// client stays well below the server on its own core. The connections are opened (and their
// handshake done) with package wsclient, then their descriptors are taken over.

// poller is one epoll instance and the connections registered with it, by descriptor.
type poller struct {
	epfd   int
	conns  map[int32]*rawConn
	events []unix.EpollEvent
}

// rawConn is one connection on the poller, with at most one message in flight.
type rawConn struct {
	fd       int
	frame    []byte // the masked frame sent every time (one key per connection)
	want     []byte // the payload the next message must carry
	in       []byte // bytes read and not yet parsed
	off      int    // payload bytes of the current message checked so far
	sentAt   int64  // nanoseconds since the poller's base when the message in flight left
	inFlight bool
	lenient  bool // skip whole single-frame messages other than want (broadcast warm-up leftovers)
	lat      []int64
	echoes   int64
	err      error
}

var errControl = errors.New("wsload: the server sent a control frame mid-load")

func newPoller() (*poller, error) {
	fd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, err
	}
	return &poller{epfd: fd, conns: map[int32]*rawConn{}, events: make([]unix.EpollEvent, 512)}, nil
}

// adopt takes over c's socket: it duplicates the descriptor, closes c (the Go runtime lets go
// of its copy) and registers the duplicate. c must have no bytes buffered (no message in
// flight).
func (p *poller) adopt(c *wsclient.Conn, op byte, payload []byte) (*rawConn, error) {
	sc, err := c.NetConn().(*net.TCPConn).SyscallConn()
	if err != nil {
		return nil, err
	}
	fd := -1
	var dupErr error
	if err := sc.Control(func(f uintptr) { fd, dupErr = unix.Dup(int(f)) }); err != nil {
		return nil, err
	}
	if dupErr != nil {
		return nil, dupErr
	}
	c.Close()
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return nil, err
	}
	var key [4]byte
	binary.LittleEndian.PutUint32(key[:], uint32(fd)*2654435761)
	rc := &rawConn{fd: fd, frame: wsclient.AppendFrame(nil, true, 0, op, key, payload), want: payload, in: make([]byte, 0, 64<<10)}
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(fd)}
	if err := unix.EpollCtl(p.epfd, unix.EPOLL_CTL_ADD, fd, &ev); err != nil {
		unix.Close(fd)
		return nil, err
	}
	p.conns[int32(fd)] = rc
	return rc, nil
}

func (p *poller) close() {
	for _, rc := range p.conns {
		unix.Close(rc.fd)
	}
	unix.Close(p.epfd)
}

// send writes rc's frame whole; a short write waits for the socket to drain (the server is
// reading, so this is brief and rare: only frames larger than the socket buffer).
func (rc *rawConn) send(now int64) error {
	rc.sentAt, rc.inFlight, rc.off = now, true, 0
	b := rc.frame
	for len(b) > 0 {
		n, err := unix.Write(rc.fd, b)
		switch {
		case err == unix.EAGAIN:
			fds := []unix.PollFd{{Fd: int32(rc.fd), Events: unix.POLLOUT}}
			if _, err := unix.Poll(fds, 10_000); err != nil && err != unix.EINTR {
				return err
			}
		case err == unix.EINTR:
		case err != nil:
			return err
		default:
			b = b[n:]
		}
	}
	return nil
}

// readMessages reads what is there and calls done for every complete message whose payload
// equals rc.want; any other payload, a control frame or a closed connection is an error.
func (rc *rawConn) readMessages(done func(rc *rawConn)) error {
	if cap(rc.in)-len(rc.in) < 16<<10 {
		rc.in = append(make([]byte, 0, 2*cap(rc.in)+len(rc.want)), rc.in...)
	}
	n, err := unix.Read(rc.fd, rc.in[len(rc.in):cap(rc.in)])
	switch {
	case err == unix.EAGAIN || err == unix.EINTR:
		return nil
	case err != nil:
		return err
	case n == 0:
		return errors.New("wsload: the server closed the connection")
	}
	rc.in = rc.in[:len(rc.in)+n]
	if len(rc.in) > wsclient.MaxPayload+14 { // a frame header is at most 14 bytes
		return wsclient.ErrTooLarge
	}
	for {
		fin, op, payload, size, ok := parseFrame(rc.in)
		if !ok {
			break
		}
		if op >= wsclient.OpClose {
			return errControl
		}
		if rc.lenient && fin && rc.off == 0 && !bytes.Equal(payload, rc.want) {
			rc.in = rc.in[:copy(rc.in, rc.in[size:])]
			continue
		}
		if rc.off+len(payload) > len(rc.want) || !bytes.Equal(payload, rc.want[rc.off:rc.off+len(payload)]) {
			return fmt.Errorf("wsload: echo differs from the %d bytes sent", len(rc.want))
		}
		rc.off += len(payload)
		rc.in = rc.in[:copy(rc.in, rc.in[size:])]
		if fin {
			if rc.off != len(rc.want) {
				return fmt.Errorf("wsload: echo of %d bytes, sent %d", rc.off, len(rc.want))
			}
			rc.off, rc.inFlight = 0, false
			done(rc)
		}
	}
	return nil
}

// parseFrame returns the first whole unmasked frame of b and its size, ok false when b does not
// hold one yet.
func parseFrame(b []byte) (fin bool, op byte, payload []byte, size int, ok bool) {
	if len(b) < 2 {
		return false, 0, nil, 0, false
	}
	fin, op = b[0]&0x80 != 0, b[0]&0x0f
	n, h := int(b[1]&0x7f), 2
	switch n {
	case 126:
		if len(b) < 4 {
			return false, 0, nil, 0, false
		}
		n, h = int(binary.BigEndian.Uint16(b[2:])), 4
	case 127:
		if len(b) < 10 {
			return false, 0, nil, 0, false
		}
		n, h = int(binary.BigEndian.Uint64(b[2:])), 10
	}
	if len(b) < h+n {
		return false, 0, nil, 0, false
	}
	return fin, op, b[h : h+n], h + n, true
}

// wait returns the connections with input, waiting at most ms milliseconds.
func (p *poller) wait(ms int) ([]*rawConn, error) {
	n, err := unix.EpollWait(p.epfd, p.events, ms)
	if err == unix.EINTR {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	ready := make([]*rawConn, 0, n)
	for _, ev := range p.events[:n] {
		ready = append(ready, p.conns[ev.Fd])
	}
	return ready, nil
}

// closedLoop runs every connection in a closed loop for d: each sends, waits for its echo and
// sends again. When d is up no message is sent any more and it returns once every message in
// flight has come back (or drain has passed). It records round trips when record is set.
func (p *poller) closedLoop(d, drain time.Duration, record bool) {
	base := time.Now()
	now := func() int64 { return int64(time.Since(base)) }
	end := int64(d)
	inFlight := 0
	for _, rc := range p.conns {
		if rc.err != nil {
			continue
		}
		if rc.err = rc.send(now()); rc.err == nil {
			inFlight++
		}
	}
	done := func(rc *rawConn) {
		inFlight--
		t := now()
		if record {
			rc.lat = append(rc.lat, t-rc.sentAt)
			rc.echoes++
		}
		if t < end {
			if rc.err = rc.send(t); rc.err == nil {
				inFlight++
			}
		}
	}
	for inFlight > 0 && now() < end+int64(drain) {
		ready, err := p.wait(10)
		if err != nil {
			for _, rc := range p.conns {
				rc.err = err
			}
			return
		}
		for _, rc := range ready {
			if rc.err != nil {
				continue
			}
			if err := rc.readMessages(done); err != nil {
				rc.err = err
				if rc.inFlight {
					inFlight--
				}
				unix.EpollCtl(p.epfd, unix.EPOLL_CTL_DEL, rc.fd, nil)
			}
		}
	}
}
