package engine

import (
	"bytes"
	"slices"
	"strconv"
)

// Limits of the text protocol, as memcached 1.6 applies them by default.
const (
	MaxKey  = 250     // key length
	MaxItem = 1 << 20 // item size (memcached -I 1m): key, value and header
	// itemOverhead is what memcached counts beside key and value against MaxItem.
	itemOverhead = 56
	// MaxLine bounds a command line (a get of many keys is the longest): past it the
	// connection is answered "CLIENT_ERROR line too long" and closed.
	MaxLine = 8 << 10
	// StreamAt is the value size from which a value that has not fully arrived is
	// consumed into the session's own buffer as it arrives (one copy, O(n)), instead of
	// waiting for all of it to be buffered by the transport.
	StreamAt = 16 << 10
	// FlushAt is how much reply data Feed gathers before it returns so the caller can
	// write it: a get of many large values is answered in parts.
	FlushAt = 64 << 10
	// Version is what "version" answers.
	Version = "1.6.18-eddy"
)

// Session is one connection's state in the memcached text protocol: it is fed the
// bytes as they arrive and appends the replies. Not safe for concurrent use (one
// connection, one goroutine at a time); the Store it uses is.
type Session struct {
	st   *Store
	toks [][]byte

	// A storage command whose value is still arriving (val != nil): its header, and the
	// value plus "\r\n" filled so far.
	op      op
	key     []byte
	flags   uint32
	exp     int64
	casID   uint64
	noreply bool
	val     []byte
	filled  int

	swallow int // bytes of a refused value still to discard

	// A get answered in parts: the keys left, copied.
	getKeys [][]byte
	getBuf  []byte
	gets    bool
}

// op is a storage command.
type op uint8

const (
	opSet op = iota
	opAdd
	opReplace
	opAppend
	opPrepend
	opCas
)

// NewSession returns a session on st.
func NewSession(st *Store) *Session { return &Session{st: st} }

// Idle reports whether no command is under way: no value arriving or being discarded,
// no get answered in parts. (Bytes of an incomplete command line the caller holds are
// not the session's to know.)
func (s *Session) Idle() bool { return s.val == nil && s.swallow == 0 && s.getKeys == nil }

// Room is the part of a large value still to arrive (nil when none is arriving): a
// transport may read the socket straight into it, then report with Filled.
func (s *Session) Room() []byte {
	if s.val == nil {
		return nil
	}
	return s.val[s.filled:]
}

// Filled records k bytes read into Room; once the value is whole, its command ends and
// the reply is appended to out.
func (s *Session) Filled(k int, out []byte, now int64) []byte {
	s.filled += k
	if s.filled == len(s.val) {
		out = s.store(out, s.key, s.val, true, now)
	}
	return out
}

// Pending reports whether a get is answered in parts and has keys left: call Feed again
// (with no new bytes) once the replies so far are written.
func (s *Session) Pending() bool { return s.getKeys != nil }

// Feed runs the complete commands at the front of data, appending their replies to out,
// until data is used up or FlushAt bytes of replies are gathered. It returns how many
// bytes it consumed, the replies, and whether the connection must close ("quit", or a
// line too long). Bytes of an incomplete command are not consumed, except those of a
// value of StreamAt bytes or more, which the session keeps as they come. now is the
// wall clock's Unix second (expiry).
func (s *Session) Feed(data, out []byte, now int64) (n int, reply []byte, closeConn bool) {
	if s.getKeys != nil {
		out = s.continueGet(out, now)
	}
	for n < len(data) && len(out) < FlushAt && s.getKeys == nil {
		switch {
		case s.swallow > 0:
			k := min(s.swallow, len(data)-n)
			s.swallow -= k
			n += k
			continue
		case s.val != nil:
			k := copy(s.val[s.filled:], data[n:])
			s.filled += k
			n += k
			if s.filled == len(s.val) {
				out = s.store(out, s.key, s.val, true, now)
			}
			continue
		}
		rest := data[n:]
		eol := bytes.IndexByte(rest[:min(len(rest), MaxLine)], '\n')
		if eol < 0 {
			if len(rest) >= MaxLine {
				return len(data), append(out, "CLIENT_ERROR line too long\r\n"...), true
			}
			break
		}
		line := rest[:eol]
		if len(line) > 0 && line[len(line)-1] == '\r' {
			line = line[:len(line)-1]
		}
		var quit, wait bool
		var used int
		out, used, quit, wait = s.command(line, rest[eol+1:], out, now)
		if wait {
			break
		}
		n += eol + 1 + used
		if quit {
			return n, out, true
		}
	}
	return n, out, false
}

// command runs one command line; body is what follows the line. It returns how much of
// body it used (a storage command's value), quit for "quit", and wait when the value has
// not arrived and is too small to stream (nothing is consumed then).
func (s *Session) command(line, body, out []byte, now int64) (_ []byte, used int, quit, wait bool) {
	if len(line) > 4 && string(line[:4]) == "set " {
		if key, flags, exptime, vlen, ok := quickSet(line[4:]); ok {
			return s.take(out, opSet, key, flags, exptime, vlen, 0, false, body, now)
		}
	}
	if len(line) > 4 && string(line[:4]) == "get " && bytes.IndexByte(line[4:], ' ') < 0 {
		// One key, as most gets have: no tokenizing.
		s.toks = append(s.toks[:0], line[4:])
		return s.get(out, s.toks, false, now), 0, false, false
	}
	s.toks = tokenize(s.toks[:0], line)
	t := s.toks
	if len(t) == 0 {
		return append(out, "ERROR\r\n"...), 0, false, false
	}
	nt := len(t)
	switch string(t[0]) {
	case "get", "gets":
		if nt < 2 {
			break
		}
		return s.get(out, t[1:], string(t[0]) == "gets", now), 0, false, false
	case "set":
		return s.update(out, t, body, opSet, now)
	case "add":
		return s.update(out, t, body, opAdd, now)
	case "replace":
		return s.update(out, t, body, opReplace, now)
	case "append":
		return s.update(out, t, body, opAppend, now)
	case "prepend":
		return s.update(out, t, body, opPrepend, now)
	case "cas":
		return s.update(out, t, body, opCas, now)
	case "delete":
		if nt < 2 || nt > 4 {
			break
		}
		return s.delete(out, t, now), 0, false, false
	case "incr", "decr":
		if nt != 3 && nt != 4 {
			break
		}
		return s.delta(out, t, now), 0, false, false
	case "touch":
		if nt != 3 && nt != 4 {
			break
		}
		return s.touch(out, t, now), 0, false, false
	case "flush_all":
		if nt > 3 {
			break
		}
		noreply := noreplyOf(t)
		at := now
		if nt > 1 && !(nt == 2 && noreply) {
			d, ok := parseInt32(t[1])
			if !ok {
				return reply(out, noreply, "CLIENT_ERROR invalid exptime argument"), 0, false, false
			}
			if d > 0 {
				at = expiry(int64(d), now) - 1
			}
		}
		s.st.mu.Lock()
		s.st.flushLocked(at, now)
		s.st.mu.Unlock()
		return reply(out, noreply, "OK"), 0, false, false
	case "version":
		return append(out, "VERSION "+Version+"\r\n"...), 0, false, false
	case "verbosity":
		if nt != 2 && nt != 3 {
			break
		}
		return reply(out, noreplyOf(t), "OK"), 0, false, false
	case "stats":
		if nt != 1 {
			break
		}
		return s.stats(out, now), 0, false, false
	case "quit":
		return out, 0, true, false
	}
	return append(out, "ERROR\r\n"...), 0, false, false
}

// get answers get/gets; past FlushAt of replies it keeps the keys left for later.
func (s *Session) get(out []byte, keys [][]byte, gets bool, now int64) []byte {
	for _, k := range keys {
		if len(k) > MaxKey {
			return append(out, "CLIENT_ERROR bad command line format\r\n"...)
		}
	}
	s.gets = gets
	for i, k := range keys {
		if len(out) >= FlushAt && i < len(keys) {
			s.keepKeys(keys[i:])
			return out
		}
		out = s.value(out, k, gets, now)
	}
	return append(out, "END\r\n"...)
}

// keepKeys copies the keys a get has left (they point into loop memory).
func (s *Session) keepKeys(keys [][]byte) {
	size := 0
	for _, k := range keys {
		size += len(k)
	}
	s.getBuf = make([]byte, 0, size)
	s.getKeys = make([][]byte, 0, len(keys))
	for _, k := range keys {
		s.getBuf = append(s.getBuf, k...)
		s.getKeys = append(s.getKeys, s.getBuf[len(s.getBuf)-len(k):])
	}
}

func (s *Session) continueGet(out []byte, now int64) []byte {
	keys := s.getKeys
	for i, k := range keys {
		if len(out) >= FlushAt {
			s.getKeys = keys[i:]
			return out
		}
		out = s.value(out, k, s.gets, now)
	}
	s.getKeys, s.getBuf = nil, nil
	return append(out, "END\r\n"...)
}

// value appends one get hit ("VALUE key flags bytes [cas]\r\ndata\r\n"), nothing for a miss.
func (s *Session) value(out, key []byte, gets bool, now int64) []byte {
	s.st.mu.Lock()
	it := s.st.getLocked(key, now)
	if it == nil {
		s.st.mu.Unlock()
		return out
	}
	defer s.st.mu.Unlock() // the value is copied under the lock: its buffer may be reused once replaced
	val, flags, cas := it.val, it.flags, it.cas
	if len(val) >= StreamAt {
		out = slices.Grow(out, len(key)+len(val)+64) // at once, not doubling up to it
	}
	out = append(out, "VALUE "...)
	out = append(out, key...)
	out = append(out, ' ')
	out = strconv.AppendUint(out, uint64(flags), 10)
	out = append(out, ' ')
	out = strconv.AppendInt(out, int64(len(val)), 10)
	if gets {
		out = append(out, ' ')
		out = strconv.AppendUint(out, cas, 10)
	}
	out = append(out, "\r\n"...)
	out = append(out, val...)
	return append(out, "\r\n"...)
}

// update parses a storage command and, when its value is here (or large enough to
// stream), takes it.
func (s *Session) update(out []byte, t [][]byte, body []byte, o op, now int64) (_ []byte, used int, quit, wait bool) {
	cas := o == opCas
	if nt := len(t); nt != 5 && nt != 6 && !cas || cas && nt != 6 && nt != 7 {
		return append(out, "ERROR\r\n"...), 0, false, false
	}
	noreply := noreplyOf(t)
	flags, ok1 := parseUint32(t[2])
	exptime, ok2 := parseInt32(t[3])
	vlen, ok3 := parseInt32(t[4])
	var casID uint64
	ok4 := true
	if cas {
		casID, ok4 = parseUint64(t[5])
	}
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return reply(out, noreply, "CLIENT_ERROR bad command line format"), 0, false, false
	}
	return s.take(out, o, t[1], flags, exptime, vlen, casID, noreply, body, now)
}

// take runs a parsed storage command: when its value is here (or large enough to
// stream), it takes it.
func (s *Session) take(out []byte, o op, key []byte, flags uint32, exptime, vlen int32, casID uint64, noreply bool,
	body []byte, now int64) (_ []byte, used int, quit, wait bool) {
	if vlen < 0 || len(key) > MaxKey {
		return reply(out, noreply, "CLIENT_ERROR bad command line format"), 0, false, false
	}
	total := int(vlen) + 2
	if total+len(key)+1+itemOverhead > MaxItem {
		out = reply(out, noreply, "SERVER_ERROR object too large for cache")
		if o == opSet {
			// memcached drops the old value too, so a reader cannot see stale data.
			s.st.mu.Lock()
			if it := s.st.getLocked(key, now); it != nil {
				s.st.deleteLocked(key, it)
			}
			s.st.mu.Unlock()
		}
		k := min(total, len(body))
		s.swallow = total - k
		return out, k, false, false
	}
	if len(body) < total && total < StreamAt {
		return out, 0, false, true
	}
	s.op = o
	s.flags, s.exp, s.casID, s.noreply = flags, expiry(int64(exptime), now), casID, noreply
	if len(body) >= total {
		// All here: store from the caller's bytes (copied under the lock, into the old
		// value's buffer when it fits).
		return s.store(out, key, body[:total], false, now), total, false, false
	}
	s.key = append(s.key[:0], key...)
	s.val = s.st.TakeBuf(total) // given to the store
	s.filled = copy(s.val, body)
	return out, s.filled, false, false
}

// store ends a storage command for key whose value (with its "\r\n") is in buf: the
// session's own (owned: the store keeps it) or the caller's (copied).
func (s *Session) store(out, key, buf []byte, owned bool, now int64) []byte {
	s.val = nil
	if buf[len(buf)-2] != '\r' || buf[len(buf)-1] != '\n' {
		return reply(out, s.noreply, "CLIENT_ERROR bad data chunk")
	}
	val := buf[:len(buf)-2] // its capacity stays, for reuse once replaced
	st := s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	it := st.getLocked(key, now)
	var res string
	switch s.op {
	case opSet:
		res = "STORED"
	case opAdd:
		if it != nil {
			res = "NOT_STORED"
		} else {
			res = "STORED"
		}
	case opReplace:
		if it == nil {
			res = "NOT_STORED"
		} else {
			res = "STORED"
		}
	case opAppend, opPrepend:
		if it == nil {
			res = "NOT_STORED"
			break
		}
		joined := make([]byte, 0, len(it.val)+len(val))
		if s.op == opAppend {
			joined = append(append(joined, it.val...), val...)
		} else {
			joined = append(append(joined, val...), it.val...)
		}
		if _, ok := st.putLocked(it, key, joined, it.flags, it.exp, now, false); !ok {
			return reply(out, s.noreply, "SERVER_ERROR out of memory storing object")
		}
		return reply(out, s.noreply, "STORED")
	case opCas:
		switch {
		case it == nil:
			res = "NOT_FOUND"
		case it.cas != s.casID:
			res = "EXISTS"
		default:
			res = "STORED"
		}
	}
	if res == "STORED" {
		inPlace := false
		if !owned {
			if it != nil && cap(it.val) >= len(val) && cap(it.val) <= 2*len(val)+64 &&
				st.bytes+len(val)-len(it.val) <= st.maxBytes { // a refused store must leave it intact
				// Replies copy values under the lock: the old buffer can take the new value.
				val = it.val[:copy(it.val[:cap(it.val)], val)]
				inPlace = true
			} else {
				val = append(make([]byte, 0, len(val)), val...)
			}
		}
		if _, ok := st.putLocked(it, key, val, s.flags, s.exp, now, inPlace); !ok {
			res = "SERVER_ERROR out of memory storing object"
		}
	}
	return reply(out, s.noreply, res)
}

func (s *Session) delete(out []byte, t [][]byte, now int64) []byte {
	noreply := noreplyOf(t)
	if len(t) > 2 {
		zero := string(t[2]) == "0"
		if !(len(t) == 3 && (zero || noreply) || len(t) == 4 && zero && noreply) {
			return reply(out, noreply, "CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]")
		}
	}
	if len(t[1]) > MaxKey {
		return reply(out, noreply, "CLIENT_ERROR bad command line format")
	}
	s.st.mu.Lock()
	it := s.st.getLocked(t[1], now)
	if it != nil {
		s.st.deleteLocked(t[1], it)
	}
	s.st.mu.Unlock()
	if it == nil {
		return reply(out, noreply, "NOT_FOUND")
	}
	return reply(out, noreply, "DELETED")
}

// delta runs incr/decr. As memcached does, a result shorter than the value it replaces
// is padded with spaces to the old length; incr wraps at 2^64, decr stops at 0.
func (s *Session) delta(out []byte, t [][]byte, now int64) []byte {
	noreply := noreplyOf(t)
	if len(t[1]) > MaxKey {
		return reply(out, noreply, "CLIENT_ERROR bad command line format")
	}
	d, ok := parseUint64(t[2])
	if !ok {
		return reply(out, noreply, "CLIENT_ERROR invalid numeric delta argument")
	}
	st := s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	it := st.getLocked(t[1], now)
	if it == nil {
		return reply(out, noreply, "NOT_FOUND")
	}
	v, ok := valueNumber(it.val)
	if !ok {
		return reply(out, noreply, "CLIENT_ERROR cannot increment or decrement non-numeric value")
	}
	if string(t[0]) == "incr" {
		v += d
	} else if d > v {
		v = 0
	} else {
		v -= d
	}
	var num [20]byte
	digits := strconv.AppendUint(num[:0], v, 10)
	nv := make([]byte, max(len(digits), len(it.val)))
	copy(nv, digits)
	for i := len(digits); i < len(nv); i++ {
		nv[i] = ' '
	}
	if len(digits) > len(it.val) {
		nv = nv[:len(digits)]
	}
	if _, ok := st.putLocked(it, t[1], nv, it.flags, it.exp, now, false); !ok {
		return reply(out, noreply, "SERVER_ERROR out of memory")
	}
	if noreply {
		return out
	}
	out = append(out, digits...)
	return append(out, "\r\n"...)
}

func (s *Session) touch(out []byte, t [][]byte, now int64) []byte {
	noreply := noreplyOf(t)
	if len(t[1]) > MaxKey {
		return reply(out, noreply, "CLIENT_ERROR bad command line format")
	}
	e, ok := parseInt32(t[2])
	if !ok {
		return reply(out, noreply, "CLIENT_ERROR invalid exptime argument")
	}
	s.st.mu.Lock()
	it := s.st.getLocked(t[1], now)
	if it != nil {
		it.exp = expiry(int64(e), now)
	}
	s.st.mu.Unlock()
	if it == nil {
		return reply(out, noreply, "NOT_FOUND")
	}
	return reply(out, noreply, "TOUCHED")
}

func (s *Session) stats(out []byte, now int64) []byte {
	s.st.mu.Lock()
	items, bytes := len(s.st.m), s.st.bytes
	s.st.mu.Unlock()
	for _, kv := range [...]struct {
		k string
		v int64
	}{{"time", now}, {"curr_items", int64(items)}, {"bytes", int64(bytes)}, {"limit_maxbytes", int64(s.st.maxBytes)}} {
		out = append(out, "STAT "+kv.k+" "...)
		out = strconv.AppendInt(out, kv.v, 10)
		out = append(out, "\r\n"...)
	}
	out = append(out, "STAT version "+Version+"\r\n"...)
	return append(out, "END\r\n"...)
}

// reply appends line and "\r\n" unless the command said noreply.
func reply(out []byte, noreply bool, line string) []byte {
	if noreply {
		return out
	}
	out = append(out, line...)
	return append(out, "\r\n"...)
}

// quickSet parses the rest of the usual set line, "<key> <flags> <exptime> <bytes>" with
// single spaces and numbers of 1 to 9 digits, without tokenizing it: the set of a
// pipeline costs half as much. ok is false for any other shape (noreply, a sign, a run
// of spaces, a longer number...), which the tokenizing path then handles; where ok is
// true, the values are the ones that path reads.
func quickSet(b []byte) (key []byte, flags uint32, exptime, vlen int32, ok bool) {
	i := 0
	for i < len(b) && b[i] != ' ' {
		i++
	}
	if i == 0 || i == len(b) {
		return nil, 0, 0, 0, false
	}
	key = b[:i]
	var v [3]uint32
	for k := range v {
		i++ // the space before the number
		start := i
		var n uint32
		for i < len(b) {
			d := b[i] - '0'
			if d > 9 {
				break
			}
			n = n*10 + uint32(d)
			i++
		}
		if i == start || i-start > 9 || k < 2 && (i == len(b) || b[i] != ' ') {
			return nil, 0, 0, 0, false
		}
		v[k] = n
	}
	if i != len(b) {
		return nil, 0, 0, 0, false
	}
	return key, v[0], int32(v[1]), int32(v[2]), true
}

// tokenize splits line at spaces (runs of them count as one), as memcached does. A byte
// loop: the tokens are short, and IndexByte's setup costs more than it saves on them.
func tokenize(t [][]byte, line []byte) [][]byte {
	start := -1
	for i, c := range line {
		switch {
		case c != ' ':
			if start < 0 {
				start = i
			}
		case start >= 0:
			t = append(t, line[start:i])
			start = -1
		}
	}
	if start >= 0 {
		t = append(t, line[start:])
	}
	return t
}

func noreplyOf(t [][]byte) bool { return string(t[len(t)-1]) == "noreply" }

// expiry converts an exptime argument into the Unix second it expires at (0 = never),
// as memcached reads it: negative is already expired, up to 30 days is relative, more
// is an absolute Unix time.
func expiry(e, now int64) int64 {
	switch {
	case e == 0:
		return 0
	case e < 0:
		return 1
	case e > 30*24*3600:
		return e
	}
	return now + e
}
