package httpcodec

import (
	"bytes"
	"math/bits"
)

// fastNeedMore is parseFast's answer when it reached the end of the input
// (or of MaxHeaderBytes) with every byte before it valid: the head is not
// complete there, so the general single pass would fail as well.
const fastNeedMore = -1

// Words of the fast path, little-endian: "host:" shifted to the top five
// bytes (a word shifted left by 24 compares its first five bytes with no
// mask constant), "host: " to the top six, "GET /" as "host:", " HTTP/1.",
// ".1\r\n", ".0\r\n".
var (
	hostColon24   = (uint64(word4("host")) | ':'<<32) << 24
	hostColonSP16 = (uint64(word4("host")) | ':'<<32 | ' '<<40) << 16
	getSPSlash24  = (uint64(word4("GET ")) | '/'<<32) << 24
	spHTTP1       = word8(" HTTP/1.")
	dot1CRLF      = word4(".1\r\n")
	dot0CRLF      = word4(".0\r\n")
)

const crlf = '\r' | '\n'<<8

// reportFast is the parser given to parseFast to have its answer
// (0 or fastNeedMore) returned instead of going on with parseRest. It is
// never written (a head's first look), so any goroutine may use it.
var reportFast RequestParser

// hostNameBytes flags, as plainPathBytes does, the bytes of w that are not
// an ASCII letter, digit, '-' or '.': the bytes of most host names and of
// IPv4 addresses.
func hostNameBytes(w uint64) uint64 {
	// One range at a time, so that fewer values are live at once.
	y := w | 0x2020202020202020
	ok := (y + 0x1f1f1f1f1f1f1f1f) ^ (y + 0x0505050505050505) // 'a'..'z'
	ok |= (w + 0x5050505050505050) ^ (w + 0x4646464646464646) // '0'..'9'
	ok |= (w + 0x5353535353535353) ^ (w + 0x5151515151515151) // '-', '.'
	return (^ok | w) & msb
}

// nameBytes flags, as plainPathBytes does, the bytes of w that are not an
// ASCII letter, digit or '-': the bytes of most field names.
func nameBytes(w uint64) uint64 {
	y := w | 0x2020202020202020
	ok := (y + 0x1f1f1f1f1f1f1f1f) ^ (y + 0x0505050505050505) // 'a'..'z'
	ok |= (w + 0x5050505050505050) ^ (w + 0x4646464646464646) // '0'..'9'
	ok |= (w + 0x5353535353535353) ^ (w + 0x5252525252525252) // '-'
	return (^ok | w) & msb
}

// plainPathBytes flags, in the high bit of each byte, the bytes of w that
// are not an ASCII letter, digit or '/'. For a byte below 0x80, adding
// 0x80-k sets its high bit exactly when it is k or more, with no carry into
// the next byte: so (w + 0x80-lo) ^ (w + 0x7f-hi) sets it exactly when the
// byte is in lo..hi (one XOR, where &^ costs a NOT and an AND); OR 0x20
// folds upper-case letters onto lower-case ones and no other byte onto a
// letter. A byte from 0x80 up is flagged by its own high bit, and the
// carries it may cause only reach the bytes after it: so the lowest flagged
// byte is always the first such byte. About fifteen instructions per
// eight bytes, where table lookups spend about thirty.
//
// The constants come as arguments (from pathWords, a variable) so that
// the path loop reads them into registers once: written in the
// expression, each 64-bit constant is loaded into a register again at
// every step, six instructions of a step's twenty. (An array or a struct
// of six would stay in memory; scalars go to registers.)
func plainPathBytes(w, fold, aLo, zHi, slashLo, nineHi, high uint64) uint64 {
	ok := (w + slashLo) ^ (w + nineHi) // '/'..'9'
	// The OR keeps every byte's high bit, so y stands for w from here:
	// w's register is free for y, and fold's is kept for the next word.
	y := w | fold
	ok |= (y + aLo) ^ (y + zHi) // 'a'..'z'
	return (^ok | y) & high
}

// pathWords are plainPathBytes's constants, in a variable (see there).
var pathWords = [6]uint64{
	0x2020202020202020, 0x1f1f1f1f1f1f1f1f, 0x0505050505050505,
	0x5151515151515151, 0x4646464646464646, msb,
}

// parseFast parses the common shape of a complete head in one pass with no
// calls on its way: a method ("GET /" in one compare), an origin-form
// target, "HTTP/1.1" or "HTTP/1.0" and CRLF, then field lines, the Host
// line recognised by one word compare and checked (reg-name, port) in the
// same pass that finds its CR. Framing and singleton fields other than
// Host go through field and finish, as in parse.
//
// It returns the head's length, with r filled exactly as parse fills it.
// Otherwise, with p &reportFast (a test, or parseRest after a skipped
// empty line) it returns 0 when the head is anything else (another
// target form or version, an IP-literal Host, whitespace before a Host's
// CR, any error), so that the general single pass decides, and
// fastNeedMore when it ran out of input with everything before valid;
// with Parse's p it hands that answer to parseRest and returns what
// parseRest returns, so that Parse is one call no value lives across. A
// p that has seen part of the head already goes to parseRest at once.
// It accepts only heads that parse accepts, with the same result
// (TestParseFastAgrees, FuzzParseFast), so which path parsed a head
// never shows; the incremental path still picks every error.
func (r *Request) parseFast(buf []byte, start int, l *Limits, p *RequestParser) (int, error) {
	if !p.fresh() {
		return p.parseRest(buf, r, notTried) // not the head's first look
	}
	{
		// The limits, with one nil check where each accessor has its own.
		max, maxLine, maxFields, drop := DefaultMaxHeaderBytes, DefaultMaxRequestLine, DefaultMaxHeaders, false
		if l != nil {
			max, maxLine, maxFields, drop = l.maxHeaderBytes(), l.maxRequestLine(), l.maxHeaders(), l.DropUnderscoreHeaders
		}
		// The whole input goes into r now: the exits hand it on to
		// parseRest from there (so no part of it is held through the
		// scans), field and finish read it there, and the head's end then
		// only shortens it (no pointer store, no write barrier test).
		r.buf = buf
		max = min(max, len(buf))
		buf = buf[:max:max] // cap == len: one bound for every check below
		// Each result goes into r as soon as it is known, and the limits and
		// flags live in memory in st (its address is taken, so it is never
		// held in registers): the scans' loops then keep only r, buf, and their
		// index in registers, instead of spilling and reloading the other
		// values at every step. After a 0 or fastNeedMore the caller resets r.
		var st struct {
			framing bool // r.fs holds something: finish must run
			drop    bool // Limits.DropUnderscoreHeaders
			lineEnd int  // start + Limits.MaxRequestLine
			limit   int  // MaxHeaders, or the fixed array's size
			n       int  // field lines stored
		}
		st.lineEnd = start + maxLine // an overflow only sends heads to parse
		st.limit = min(maxFields, len(r.hdr.arr))
		st.drop = drop
		r.requestHead = requestHead{}
		r.contentLength = -1

		// Request line: method SP origin-form SP HTTP-version CRLF.
		// "GET /" is one compare of a word shifted left by 24 (its first
		// five bytes); a complete head has eight bytes at least.
		i := start
		if i+8 > len(buf) {
			goto needMore
		}
		if load8(buf, i)<<24 == getSPSlash24 {
			r.method = span{uint32(start), 3}
			i += 4
		} else {
			for i < len(buf) && tcharTable[buf[i]] {
				i++
			}
			if i >= len(buf) {
				goto needMore
			}
			if buf[i] != ' ' || i == start || string(buf[start:i]) == "CONNECT" {
				goto other // CONNECT takes an authority, never a path
			}
			r.method = span{uint32(start), uint32(i - start)}
			i++
			if i >= len(buf) {
				goto needMore
			}
			if buf[i] != '/' {
				goto other
			}
		}
		r.target.off = uint32(i)
		// The path: eight bytes per step while they are letters, digits and
		// '/' (about three instructions a byte, see plainPathBytes), the rest
		// (from the first other byte) by skipPath's tables.
		k0, k1, k2, k3, k4, k5 := pathWords[0], pathWords[1], pathWords[2], pathWords[3], pathWords[4], pathWords[5]
		for i+8 <= len(buf) {
			// Two words a step while 16 bytes remain, as in the Host scan.
			m := plainPathBytes(load8(buf, i), k0, k1, k2, k3, k4, k5)
			if m == 0 && i+16 <= len(buf) {
				i += 8
				m = plainPathBytes(load8(buf, i), k0, k1, k2, k3, k4, k5)
			}
			if m != 0 {
				i += bits.TrailingZeros64(m) >> 3
				break
			}
			i += 8
		}
		// SP, the version and CRLF as two words. A complete head has two more
		// bytes at least (its empty line), so fewer is fastNeedMore. The
		// usual path ends at " HTTP/1.", which skipPath would stop at too.
		if i+13 <= len(buf) && load8(buf, i) == spHTTP1 {
			r.plainPath = true
			r.target.len = uint32(i) - r.target.off
			r.path = r.target
		} else {
			var special bool
			i, special = skipPath(buf, i)
			r.plainPath = !special
			if i < len(buf) && buf[i] == '?' {
				r.path = span{r.target.off, uint32(i) - r.target.off}
				r.hasQuery = true
				q := i + 1
				i = skipTarget(buf, q, &targetStops)
				r.query = span{uint32(q), uint32(i - q)}
				r.target.len = uint32(i) - r.target.off
			} else {
				r.target.len = uint32(i) - r.target.off
				r.path = r.target
			}
			if i+13 > len(buf) {
				goto needMore
			}
			if load8(buf, i) != spHTTP1 {
				goto other
			}
		}
		switch load4(buf, i+7) {
		case dot1CRLF:
			r.minor = 1
			r.keepAlive = true // as parse has it (finish decides when it runs)
		case dot0CRLF:
		default:
			goto other
		}
		pos := i + 11
		if pos > st.lineEnd {
			goto other
		}

		// Field lines up to the empty line. Past st.limit lines parse takes
		// over; a dropped line lowers the limit, as it counts but is not
		// stored. Each line's end (as the request line's) checks that two
		// more bytes follow and whether they are the empty line, so the loop
		// needs no test of its own; a line starting with CR not followed by
		// LF fails the name scan.
		for load2(buf, pos) != crlf {
			if st.n >= st.limit {
				goto other
			}
			if pos+8 <= len(buf) {
				// "host: " in one compare of its six bytes, or else "host:".
				w := (load8(buf, pos) | 0x20202020) << 16
				v := pos + 6
				if w != hostColonSP16 {
					v--
					if w<<8 != hostColon24 {
						goto field
					}
				}
				// Host: a reg-name, then ':' and digits, then CR. Its bytes
				// are all field-value bytes, so this one scan replaces the
				// value scan and validHost; anything else (OWS around the
				// value, an IP literal) is left to parse.
				// The name's span and the value's start go to memory now,
				// so that neither pos nor v is held through the scans.
				f := &r.hdr.arr[st.n]
				f.name = span{uint32(pos), 4}
				r.host.off = uint32(v)
				j := v
				for j+8 <= len(buf) {
					// Two words a step while 16 bytes remain: most
					// names end in the second (a loop step spends
					// about a third of its instructions reloading
					// the eight constants and the registers the
					// scan took).
					m := hostNameBytes(load8(buf, j))
					if m == 0 && j+16 <= len(buf) {
						j += 8
						m = hostNameBytes(load8(buf, j))
					}
					if m != 0 {
						j += bits.TrailingZeros64(m) >> 3
						break
					}
					j += 8
				}
				if j >= len(buf) {
					goto needMore
				}
				// A ':' and the port, or the end of the value; a value
				// with a port is not empty.
				if c := buf[j]; c != ':' {
					if hostBits[c] != 0 {
						for j < len(buf) && hostBits[buf[j]] != 0 {
							j++ // the other reg-name bytes, and a tail under eight bytes
						}
						if j >= len(buf) {
							goto needMore
						}
						c = buf[j]
					}
					if c != ':' {
						if uint32(j) == r.host.off {
							goto other // an empty Host
						}
						goto hostEnd
					}
				}
				j++
				if j+8 <= len(buf) {
					// The first byte that is not a digit: for a byte below
					// 0x80, adding 0x50 sets its top bit from '0' up,
					// adding 0x46 from ':' up; see plainPathBytes.
					w := load8(buf, j)
					nd := (^(w + 0x5050505050505050) | (w + 0x4646464646464646) | w) & msb
					if nd == 0 {
						goto other // a port of eight digits or more
					}
					j += bits.TrailingZeros64(nd) >> 3
				} else {
					for j < len(buf) && isDigit(buf[j]) {
						j++
					}
				}
			hostEnd:
				if j+4 > len(buf) {
					goto needMore
				}
				if load2(buf, j) != crlf || r.hasHost {
					goto other
				}
				r.hasHost = true
				r.host.len = uint32(j) - r.host.off
				f.value = r.host
				st.n++
				pos = j + 2
				continue
			}

			// Any other field line, as parseFieldLine reads it.
		field:
			i := pos
			for i+8 <= len(buf) {
				if m := nameBytes(load8(buf, i)); m != 0 {
					i += bits.TrailingZeros64(m) >> 3
					break
				}
				i += 8
			}
			for i < len(buf) && tcharTable[buf[i]] {
				i++ // the other token bytes, and a tail under eight bytes
			}
			if i >= len(buf) {
				goto needMore
			}
			if buf[i] != ':' || i == pos {
				goto other
			}
			name := span{uint32(pos), uint32(i - pos)}
			i++
			for i < len(buf) && isOWS(buf[i]) {
				i++
			}
			vs := i
			// The value up to its first control byte, as scanValue.
			for i+8 <= len(buf) {
				if m := ctlMask(load8(buf, i)); m != 0 {
					i += bits.TrailingZeros64(m) >> 3
					if buf[i] != '\t' {
						break
					}
					i++
					continue
				}
				i += 8
			}
			for i < len(buf) && valueTable[buf[i]] {
				i++
			}
			if i+4 > len(buf) {
				goto needMore
			}
			if load2(buf, i) != crlf {
				goto other
			}
			ve := i
			for ve > vs && isOWS(buf[ve-1]) {
				ve--
			}
			pos = i + 2
			if st.drop && bytes.IndexByte(name.of(buf), '_') >= 0 {
				st.limit-- // as in parse: counted, not stored
				continue
			}
			f := field{name, span{uint32(vs), uint32(ve - vs)}}
			r.hdr.arr[st.n] = f
			st.n++
			if name.len == 4 && isHost(name.of(buf)) {
				goto other // a Host the word compare missed: too near the end
			}
			// mayFrame, inline: most lines need no call at all.
			var framing bool
			switch name.len {
			case 6:
				framing = isExpect(name.of(buf))
			case 7:
				framing = isUpgrade(name.of(buf))
			case 10:
				framing = isConnection(name.of(buf))
			case 14:
				framing = isContentLength(name.of(buf))
			case 5, 8, 12, 13, 17, 19:
				framing = true
			}
			if framing {
				// What field and singleton's lookup read (r.buf is set).
				r.hdr.n = st.n
				if !st.framing {
					st.framing = true
					r.fs = fieldState{}
				}
				if r.field(f, &r.fs) != nil {
					goto other
				}
			}
		}
		end := pos + 2
		r.headLen = uint32(end)
		r.hdr.n = st.n
		if st.framing {
			if r.finish(&r.fs) != nil {
				goto other
			}
			r.buf = r.buf[:end]
			return end, nil
		}
		if !r.hasHost && r.minor == 1 {
			goto other
		}
		r.buf = r.buf[:end]
		return end, nil
	}

	// The two ways out for a head of another shape or an incomplete one,
	// reached by goto from the block above: Parse (p) goes on with the
	// general paths on the whole input (r.buf), tests (&reportFast) get
	// the answer.
other:
	if p == &reportFast {
		return 0, nil
	}
	return p.parseRest(r.buf, r, 0)
needMore:
	if p == &reportFast {
		return fastNeedMore, nil
	}
	return p.parseRest(r.buf, r, fastNeedMore)
}
