package httpcodec

import (
	"bytes"
	"encoding/binary"
	"math/bits"
)

// fastNeedMore is parseFast's answer when it reached the end of the input
// (or of MaxHeaderBytes) with every byte before it valid: the head is not
// complete there, so the general single pass would fail as well.
const fastNeedMore = -1

// hostColon is "host:" as the low five bytes of a little-endian word.
var hostColon = uint64(word4("host")) | ':'<<32

// parseFast parses the common shape of a complete head in one pass with no
// calls on its way: a method ("GET " in one compare), an origin-form
// target, "HTTP/1.1" or "HTTP/1.0" and CRLF, then field lines, the Host
// line recognised by one word compare and checked (reg-name, port) in the
// same pass that finds its CR. Framing and singleton fields other than
// Host go through field and finish, as in parse.
//
// It returns the head's length, with r filled exactly as parse fills it;
// 0 when the head is anything else (another target form or version, an
// IP-literal Host, whitespace before a Host's CR, any error), so that the
// general single pass decides; fastNeedMore when it ran out of input with
// everything before valid. It accepts only heads that parse accepts, with
// the same result (TestParseFastAgrees, FuzzParseFast), so which path
// parsed a head never shows; the incremental path still picks every error.
func (r *Request) parseFast(buf []byte, start int, l *Limits) int {
	if max := l.maxHeaderBytes(); len(buf) > max {
		buf = buf[:max]
	}

	// Request line: method SP origin-form SP HTTP-version CRLF.
	i := start
	if i+4 > len(buf) {
		return fastNeedMore
	}
	if binary.LittleEndian.Uint32(buf[i:]) == getSP {
		i += 3
	} else {
		for i < len(buf) && tcharTable[buf[i]] {
			i++
		}
		if i >= len(buf) {
			return fastNeedMore
		}
		if buf[i] != ' ' || i == start || string(buf[start:i]) == "CONNECT" {
			return 0 // CONNECT takes an authority, never a path
		}
	}
	method := span{uint32(start), uint32(i - start)}
	i++
	ts := i
	if i >= len(buf) {
		return fastNeedMore
	}
	if buf[i] != '/' {
		return 0
	}
	// The path, eight table lookups ORed per step: a word without a stop
	// (bit 0) costs three instructions a byte and one branch; the byte loop
	// then finds the stop in the last word.
	var special byte
	for i+8 <= len(buf) {
		w := buf[i : i+8 : i+8]
		m := pathBits[w[0]] | pathBits[w[1]] | pathBits[w[2]] | pathBits[w[3]] |
			pathBits[w[4]] | pathBits[w[5]] | pathBits[w[6]] | pathBits[w[7]]
		if m&1 != 0 {
			break
		}
		special |= m
		i += 8
	}
	for i < len(buf) {
		c := pathBits[buf[i]]
		if c&1 != 0 {
			break
		}
		special |= c
		i++
	}
	q := -1
	if i < len(buf) && buf[i] == '?' {
		q = i
		i = skipTarget(buf, i+1, &targetStops)
	}
	// The version and CRLF after the SP, as two compares.
	if i+11 > len(buf) {
		return fastNeedMore
	}
	if buf[i] != ' ' || binary.LittleEndian.Uint16(buf[i+9:]) != '\r'|'\n'<<8 {
		return 0
	}
	var minor uint8
	switch binary.LittleEndian.Uint64(buf[i+1:]) {
	case http11:
		minor = 1
	case http10:
	default:
		return 0
	}
	lineEnd := i + 11
	if lineEnd-start > l.maxRequestLine() {
		return 0
	}
	r.buf = buf
	r.requestHead = requestHead{
		method:        method,
		target:        span{uint32(ts), uint32(i - ts)},
		path:          span{uint32(ts), uint32(i - ts)},
		contentLength: -1,
		minor:         minor,
		plainPath:     special == 0,
	}
	if q >= 0 {
		r.path.len = uint32(q - ts)
		r.query = span{uint32(q + 1), uint32(i - q - 1)}
		r.hasQuery = true
	}

	// Field lines up to the empty line.
	var (
		st      fieldState
		framing bool // st holds something: finish must run
	)
	maxLines, drop := l.maxHeaders(), l.dropUnderscore()
	n, lines := 0, 0
	pos := lineEnd
	for {
		if pos+1 >= len(buf) {
			return fastNeedMore
		}
		if buf[pos] == '\r' {
			if buf[pos+1] != '\n' {
				return 0
			}
			break
		}
		if lines >= maxLines || n >= len(r.hdr.arr) {
			return 0
		}
		lines++
		if pos+8 <= len(buf) && (binary.LittleEndian.Uint64(buf[pos:])|0x20202020)&0xffffffffff == hostColon {
			// Host: a reg-name, then ':' and digits, then CR. hostBits
			// and digits are all field-value bytes, so this one scan
			// replaces the value scan and validHost; anything else (an IP
			// literal, OWS before the CR) is left to parse.
			v := pos + 5
			for v < len(buf) && isOWS(buf[v]) {
				v++
			}
			j := v
			for j+8 <= len(buf) {
				w := buf[j : j+8 : j+8]
				if hostBits[w[0]]&hostBits[w[1]]&hostBits[w[2]]&hostBits[w[3]]&
					hostBits[w[4]]&hostBits[w[5]]&hostBits[w[6]]&hostBits[w[7]] == 0 {
					break
				}
				j += 8
			}
			for j < len(buf) && hostBits[buf[j]] != 0 {
				j++
			}
			if j < len(buf) && buf[j] == ':' {
				j++
				if j+8 <= len(buf) {
					// The first byte of the word that is not a digit, as in
					// validPort: for a byte below 0x80, adding 0x50 sets
					// its top bit from '0' up, adding 0x46 from ':' up; a
					// byte from 0x80 up is flagged by its own top bit, and
					// its carries only reach the bytes after it.
					w := binary.LittleEndian.Uint64(buf[j:])
					nd := (^(w + 0x5050505050505050) | (w + 0x4646464646464646) | w) & msb
					if nd == 0 {
						return 0 // a port of eight digits or more
					}
					j += bits.TrailingZeros64(nd) >> 3
				} else {
					for j < len(buf) && isDigit(buf[j]) {
						j++
					}
				}
			}
			if j+1 >= len(buf) {
				return fastNeedMore
			}
			if buf[j] != '\r' || buf[j+1] != '\n' || j == v || r.hasHost {
				return 0
			}
			r.hasHost = true
			r.host = span{uint32(v), uint32(j - v)}
			r.hdr.arr[n] = field{span{uint32(pos), 4}, r.host}
			n++
			pos = j + 2
			continue
		}

		// Any other field line, as parseFieldLine reads it.
		i := pos
		for i < len(buf) && tcharTable[buf[i]] {
			i++
		}
		if i >= len(buf) {
			return fastNeedMore
		}
		if buf[i] != ':' || i == pos {
			return 0
		}
		name := span{uint32(pos), uint32(i - pos)}
		i++
		for i < len(buf) && isOWS(buf[i]) {
			i++
		}
		vs := i
		j := scanValue(buf, i)
		if j+1 >= len(buf) {
			return fastNeedMore
		}
		if buf[j] != '\r' || buf[j+1] != '\n' {
			return 0
		}
		ve := j
		for ve > vs && isOWS(buf[ve-1]) {
			ve--
		}
		pos = j + 2
		if drop && bytes.IndexByte(name.of(buf), '_') >= 0 {
			continue // dropped, as in parse
		}
		f := field{name, span{uint32(vs), uint32(ve - vs)}}
		r.hdr.arr[n] = f
		n++
		switch name.len {
		case 4:
			if isHost(name.of(buf)) {
				return 0 // a Host the word compare missed: too near the end
			}
		case 5, 6, 7, 8, 10, 12, 13, 14, 17, 19:
			r.hdr.n = n // for singleton's lookup
			framing = true
			if r.field(f, &st) != nil {
				return 0
			}
		}
	}
	end := pos + 2
	r.buf = buf[:end]
	r.headLen = uint32(end)
	r.hdr.n = n
	if framing {
		if r.finish(&st) != nil {
			return 0
		}
		return end
	}
	if !r.hasHost && minor == 1 {
		return 0
	}
	r.keepAlive = minor == 1
	return end
}
