package main

import (
	"errors"
	"strconv"
	"time"

	"github.com/eddy-go/eddy/loop"
)

// newServer returns a RESP2 server on loop/ with its own key space.
func newServer(cfg loop.Config) (*loop.Server, error) {
	st := newStore()
	if cfg.MaxInbound == 0 {
		cfg.MaxInbound = 2*maxBulk + 1<<20 // one largest SET must fit
	}
	return loop.New(cfg, func() loop.Protocol { return &session{st: st} })
}

// session is one client connection. Replies to a pipelined batch are gathered and
// written with one Write (one syscall for the batch).
type session struct {
	st   *store
	args [][]byte
	out  []byte
}

const flushAt = 64 << 10 // write mid-batch past this much reply data

func (s *session) ConnectionMade(*loop.Conn)        {}
func (s *session) ConnectionLost(*loop.Conn, error) {}
func (s *session) PauseWriting(c *loop.Conn)        { c.PauseReading() }
func (s *session) ResumeWriting(c *loop.Conn)       { c.ResumeReading() }
func (s *session) Drain(c *loop.Conn)               { _ = c.Close() } // replies are written at once: always idle
func (s *session) EOFReceived(c *loop.Conn)         { _ = c.Close() } // after every command before the EOF is answered
func (s *session) flush(c *loop.Conn) {
	if len(s.out) > 0 {
		_ = c.Write(s.out)
		s.out = s.out[:0]
	}
}

func (s *session) DataReceived(c *loop.Conn, data []byte) int {
	n := 0
	for !c.Closed() && !c.ReadingPaused() {
		args, m, err := parse(data[n:], s.args)
		s.args = args[:0]
		if err != nil {
			var pe *protoError
			if errors.As(err, &pe) {
				s.out = append(s.out, pe.reply...)
			}
			s.flush(c)
			_ = c.Close()
			return len(data)
		}
		if m == 0 {
			break
		}
		n += m
		if len(args) == 0 {
			continue
		}
		if quit := s.exec(c, args); quit {
			s.flush(c)
			_ = c.Close()
			return len(data)
		}
		if len(s.out) >= flushAt {
			s.flush(c)
		}
	}
	s.flush(c)
	return n
}

// exec runs one command and appends its reply; it reports QUIT.
func (s *session) exec(c *loop.Conn, args [][]byte) (quit bool) {
	cmd := args[0]
	c.Loop().Annotate("resp")
	switch {
	case eqFold(cmd, "ping"):
		switch len(args) {
		case 1:
			s.out = appendSimple(s.out, "PONG")
		case 2:
			s.out = appendBulk(s.out, args[1])
		default:
			s.arity(cmd)
		}
	case eqFold(cmd, "echo"):
		if len(args) != 2 {
			s.arity(cmd)
			return
		}
		s.out = appendBulk(s.out, args[1])
	case eqFold(cmd, "get"):
		if len(args) != 2 {
			s.arity(cmd)
			return
		}
		s.st.mu.Lock()
		if e := s.st.lookupLocked(args[1], c.Loop().Now()); e != nil {
			s.out = appendBulk(s.out, e.val)
		} else {
			s.out = appendNil(s.out)
		}
		s.st.mu.Unlock()
	case eqFold(cmd, "set"):
		s.set(c, args)
	case eqFold(cmd, "del"), eqFold(cmd, "exists"):
		if len(args) < 2 {
			s.arity(cmd)
			return
		}
		del := eqFold(cmd, "del")
		now := c.Loop().Now()
		var n int64
		s.st.mu.Lock()
		for _, k := range args[1:] {
			if s.st.lookupLocked(k, now) != nil {
				n++
				if del {
					delete(s.st.m, string(k))
				}
			}
		}
		s.st.mu.Unlock()
		s.out = appendInt(s.out, n)
	case eqFold(cmd, "incr"):
		if len(args) != 2 {
			s.arity(cmd)
			return
		}
		s.incr(c, args[1])
	case eqFold(cmd, "mget"):
		if len(args) < 2 {
			s.arity(cmd)
			return
		}
		now := c.Loop().Now()
		s.out = appendArrayLen(s.out, len(args)-1)
		s.st.mu.Lock()
		for _, k := range args[1:] {
			if e := s.st.lookupLocked(k, now); e != nil {
				s.out = appendBulk(s.out, e.val)
			} else {
				s.out = appendNil(s.out)
			}
		}
		s.st.mu.Unlock()
	case eqFold(cmd, "mset"):
		if len(args) < 3 || len(args)%2 != 1 {
			s.arity(cmd)
			return
		}
		s.st.mu.Lock()
		for i := 1; i < len(args); i += 2 {
			s.st.setLocked(args[i], args[i+1], 0)
		}
		s.st.mu.Unlock()
		s.out = appendSimple(s.out, "OK")
	case eqFold(cmd, "config"):
		s.config(args)
	case eqFold(cmd, "command"):
		s.out = appendArrayLen(s.out, 0) // redis-cli asks COMMAND DOCS
	case eqFold(cmd, "quit"):
		s.out = appendSimple(s.out, "OK")
		return true
	default:
		s.unknown(args)
	}
	return false
}

// set implements SET key value [EX seconds | PX milliseconds].
func (s *session) set(c *loop.Conn, args [][]byte) {
	if len(args) < 3 {
		s.arity(args[0])
		return
	}
	var exp int64
	for i := 3; i < len(args); i++ {
		unit := time.Duration(0)
		switch {
		case eqFold(args[i], "ex"):
			unit = time.Second
		case eqFold(args[i], "px"):
			unit = time.Millisecond
		default:
			s.out = appendError(s.out, "ERR syntax error")
			return
		}
		if exp != 0 || i+1 >= len(args) {
			s.out = appendError(s.out, "ERR syntax error")
			return
		}
		i++
		v, ok := atoi(args[i])
		if !ok {
			s.out = appendError(s.out, "ERR value is not an integer or out of range")
			return
		}
		if v <= 0 || v > int64(1<<62)/int64(unit) {
			s.out = appendError(s.out, "ERR invalid expire time in 'set' command")
			return
		}
		exp = c.Loop().Now().Add(time.Duration(v) * unit).UnixNano()
	}
	s.st.mu.Lock()
	s.st.setLocked(args[1], args[2], exp)
	s.st.mu.Unlock()
	s.out = appendSimple(s.out, "OK")
}

func (s *session) incr(c *loop.Conn, key []byte) {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	var n int64
	e := s.st.lookupLocked(key, c.Loop().Now())
	if e != nil {
		v, ok := atoi(e.val)
		if !ok || v == 1<<63-1 {
			s.out = appendError(s.out, "ERR value is not an integer or out of range")
			return
		}
		n = v
	}
	n++
	var num [20]byte
	b := strconv.AppendInt(num[:0], n, 10)
	if e != nil {
		e.val = append(e.val[:0], b...)
	} else {
		s.st.setLocked(key, b, 0)
	}
	s.out = appendInt(s.out, n)
}

// config answers CONFIG GET for the two parameters redis-benchmark asks about (this
// server never persists), and an empty list for the others.
func (s *session) config(args [][]byte) {
	if len(args) != 3 || !eqFold(args[1], "get") {
		s.out = appendError(s.out, "ERR only CONFIG GET <parameter> is supported")
		return
	}
	var val string
	switch {
	case eqFold(args[2], "save"):
		val = ""
	case eqFold(args[2], "appendonly"):
		val = "no"
	default:
		s.out = appendArrayLen(s.out, 0)
		return
	}
	s.out = appendArrayLen(s.out, 2)
	s.out = appendBulk(s.out, appendLower(nil, args[2]))
	s.out = appendBulk(s.out, []byte(val))
}

func (s *session) arity(cmd []byte) {
	s.out = append(s.out, "-ERR wrong number of arguments for '"...)
	s.out = appendLower(s.out, cmd)
	s.out = append(s.out, "' command\r\n"...)
}

func (s *session) unknown(args [][]byte) {
	s.out = append(s.out, "-ERR unknown command '"...)
	s.out = append(s.out, args[0]...)
	s.out = append(s.out, "', with args beginning with: "...)
	for _, a := range args[1:] {
		s.out = append(s.out, '\'')
		s.out = append(s.out, a...)
		s.out = append(s.out, "' "...)
	}
	s.out = append(s.out, '\r', '\n')
}

// eqFold compares b with an ASCII lower-case word, ignoring case.
func eqFold(b []byte, lower string) bool {
	if len(b) != len(lower) {
		return false
	}
	for i := range len(b) {
		if b[i]|0x20 != lower[i] {
			return false
		}
	}
	return true
}

func appendLower(dst, b []byte) []byte {
	for _, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}
