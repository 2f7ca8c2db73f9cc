package main

import (
	"time"

	"github.com/eddy-go/eddy/examples/memcache/engine"
	"github.com/eddy-go/eddy/loop"
)

// options are the server's settings beside loop.Config.
type options struct {
	idle     time.Duration // close a connection idle this long; 0 = never
	maxBytes int           // the store's size; 0 = 64 MiB
}

// newServer returns a memcached text-protocol server on loop/ with its own store.
func newServer(cfg loop.Config, o options) (*loop.Server, error) {
	st := engine.NewStore(o.maxBytes)
	if cfg.MaxInbound == 0 {
		// Held unconsumed: at most one command line (values of StreamAt bytes or more
		// are consumed as they arrive, smaller ones wait whole).
		cfg.MaxInbound = engine.MaxLine + engine.StreamAt
	}
	out := new(replyBufs)
	srv, err := loop.New(cfg, func() loop.Protocol { return &session{e: engine.NewSession(st), idle: o.idle, out: out} })
	if err != nil {
		return nil, err
	}
	out.bufs = make([][]byte, len(srv.Loops()))
	return srv, nil
}

// session is one client connection: the engine's session plus flow control. The replies
// to what one DataReceived call parsed leave in one Write.
type session struct {
	e        *engine.Session
	out      *replyBufs
	idle     time.Duration
	draining bool
}

// replyBufs are the loops' reply buffers, by Loop.Index: a feed gathers its replies in
// its loop's buffer and writes them (what the kernel does not take is copied into the
// connection's queue), so one buffer serves every connection of a loop, and a get of a
// 1 MB value reuses the buffer the last one grew instead of growing a new one from
// nothing (a connection's own buffer could not be kept at that size).
type replyBufs struct{ bufs [][]byte }

// maxKeptOut bounds a loop's reply buffer kept between calls: past it (a get of many
// large values) it goes to the GC.
const maxKeptOut = 4 << 20

func (s *session) ConnectionMade(c *loop.Conn) { c.SetDeadlineAfter(s.idle) }

func (s *session) ConnectionLost(*loop.Conn, error) {}

// Timeout closes an idle connection (as memcached's idle_timeout does).
func (s *session) Timeout(c *loop.Conn) { _ = c.Close() }

// PauseWriting stops reading while the client does not read its replies: pipelined
// requests wait in the socket, not in memory.
func (s *session) PauseWriting(c *loop.Conn) { c.PauseReading() }

// ResumeWriting goes on with a get answered in parts, then reads again.
func (s *session) ResumeWriting(c *loop.Conn) {
	s.feed(c, nil)
	if !c.Closed() {
		c.ResumeReading()
	}
}

// EOFReceived closes once every command sent before the client's EOF is answered: a
// client that pipelines commands and half-closes (nc -N) gets every reply, even those
// to commands still unread, while reading was paused, when its EOF came.
func (s *session) EOFReceived(c *loop.Conn) { _ = c.Close() }

// Drain closes the connection once no command is under way.
func (s *session) Drain(c *loop.Conn) {
	s.draining = true
	if s.e.Idle() && c.InboundBuffered() == 0 {
		_ = c.Close()
	}
}

func (s *session) DataReceived(c *loop.Conn, data []byte) int {
	c.Loop().Annotate("memcache")
	n := s.feed(c, data)
	if s.idle > 0 {
		c.SetDeadlineAfter(s.idle)
	}
	if s.draining && s.e.Idle() && n == len(data) && !c.Closed() {
		_ = c.Close()
	}
	return n
}

// feed runs what data holds, and a get answered in parts while the client keeps up.
func (s *session) feed(c *loop.Conn, data []byte) int {
	now := c.Loop().Second()
	kept := &s.out.bufs[c.Loop().Index()]
	n, out, quit := s.e.Feed(data, (*kept)[:0], now)
	if n == len(data) && data != nil {
		// A large value is arriving: read what the socket holds straight into its
		// buffer (one copy, not two; DataReceived then returns len(data), as it must).
		for room := s.e.Room(); len(room) > 0; room = s.e.Room() {
			k := c.ReadDirect(room)
			if k == 0 {
				break
			}
			out = s.e.Filled(k, out, now)
		}
	}
	for {
		if len(out) > 0 {
			_ = c.Write(out)
		}
		if quit {
			_ = c.Close()
			return len(data)
		}
		if !s.e.Pending() || c.Closed() || c.ReadingPaused() {
			break
		}
		_, out, _ = s.e.Feed(nil, out[:0], now)
	}
	if cap(out) <= maxKeptOut {
		*kept = out[:0]
	} else {
		*kept = nil
	}
	return n
}
