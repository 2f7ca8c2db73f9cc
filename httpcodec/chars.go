package httpcodec

import (
	"encoding/binary"
	"math/bits"
)

// Character classes, one 256-byte table each, so the parsers test a byte
// with a single load instead of a chain of comparisons.
var (
	tcharTable  [256]bool // RFC 9110 5.6.2 tchar
	valueTable  [256]bool // RFC 9110 5.5 field-vchar, SP, HTAB (obs-text included)
	targetTable [256]bool // request-target bytes: VCHAR except '#' and notInURI
	hostTable   [256]bool // RFC 3986 reg-name bytes: unreserved, sub-delims, '%'
	hostBits    [256]byte // hostTable as 1 and 0, for lookups combined with AND (validHost)

	// Stop tables for skipTarget and skipPath: bit 0 for each byte the scan
	// stops at; pathBits has bit 1 for '%' and '.' (pathSpecial).
	targetStops [256]byte // the bytes not in targetTable
	pathBits    [256]byte // those and '?' (the path ends at the query); '%' and '.'
	lowerTable  [256]byte // ASCII lower case; other bytes unchanged
)

func init() {
	for c := 0; c < 256; c++ {
		b := byte(c)
		alnum := 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9'
		tcharTable[c] = alnum || indexByte("!#$%&'*+-.^_`|~", b)
		valueTable[c] = b == ' ' || b == '\t' || (b > 0x20 && b != 0x7f)
		targetTable[c] = b > 0x20 && b < 0x7f && b != '#' && !indexByte(notInURI, b)
		hostTable[c] = alnum || indexByte("-._~!$&'()*+,;=%", b)
		if hostTable[c] {
			hostBits[c] = 1
		}
		if !targetTable[c] {
			targetStops[c] = 1
			pathBits[c] = 1
		}
		lowerTable[c] = b
		if 'A' <= b && b <= 'Z' {
			lowerTable[c] = b + 'a' - 'A'
		}
	}
	pathBits['?'] = 1
	pathBits['%'] = pathSpecial
	pathBits['.'] = pathSpecial
}

// pathSpecial marks, in pathBits, the bytes a router must look at a path
// for: '%' starts an escape to decode, '.' may start a dot segment.
const pathSpecial = 2

// notInURI lists the visible ASCII bytes that RFC 3986 allows nowhere in a
// URI (not even in a query) and that a conforming client percent-encodes:
// the request target rejects them (400), like '#', SP and controls. '[' and
// ']' stay allowed: PHP-style queries ("a[]=1") send them raw.
const notInURI = "\"<>\\^`{|}"

func indexByte(s string, b byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == b {
			return true
		}
	}
	return false
}

// ValidToken reports whether s is a non-empty RFC 9110 token (5.6.2: one
// or more tchar), the syntax of field names, methods, cookie names and
// media type parts. It is the one token check of the module.
func ValidToken[T ~string | ~[]byte](s T) bool {
	if len(s) == 0 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !tcharTable[s[i]] {
			return false
		}
	}
	return true
}

// ValidHeaderName reports whether b is a valid field name (a non-empty
// RFC 9110 token: ValidToken). Servers use it to check header names that
// come from application code before writing them.
func ValidHeaderName(b []byte) bool { return ValidToken(b) }

// ValidHeaderValue reports whether b is a valid field value: no control
// characters other than HTAB (so no CR, LF or NUL, which would allow header
// injection) and no leading or trailing whitespace. An empty value is valid.
func ValidHeaderValue(b []byte) bool {
	if len(b) > 0 && (isOWS(b[0]) || isOWS(b[len(b)-1])) {
		return false
	}
	for _, c := range b {
		if !valueTable[c] {
			return false
		}
	}
	return true
}

func isOWS(c byte) bool { return c == ' ' || c == '\t' }

const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// ctlMask flags, in the high bit of each byte, the bytes of x that are below
// 0x20 or equal to 0x7f. Borrows can flag a byte above a flagged one, never
// below, so the lowest flagged byte is always a real hit.
func ctlMask(x uint64) uint64 {
	del := x ^ (0x7f * lsb)
	return ((x-0x20*lsb)&^x | (del-lsb)&^del) & msb
}

// scanValue returns the index of the first byte at or after i in b that is a
// control character other than HTAB, or DEL; len(b) if there is none. It
// checks eight bytes per step (SWAR), which is what makes value validation
// cheap: a typical 100-byte User-Agent costs 13 steps, not 100 table loads.
func scanValue(b []byte, i int) int {
	for i+8 <= len(b) {
		m := ctlMask(binary.LittleEndian.Uint64(b[i:]))
		if m == 0 {
			i += 8
			continue
		}
		j := i + bits.TrailingZeros64(m)>>3
		if b[j] != '\t' {
			return j
		}
		i = j + 1
	}
	for ; i < len(b); i++ {
		if c := b[i]; !valueTable[c] {
			return i
		}
	}
	return len(b)
}

// skipPath is skipTarget for the path: it stops at the first byte that is
// not in targetTable or is '?', and also reports whether the bytes before
// it hold a '%' or a '.' (Request.PlainPath), at a cost of two instructions
// per eight bytes.
func skipPath(b []byte, i int) (int, bool) {
	var seen uint64
	for ; i+8 <= len(b); i += 8 {
		w := b[i : i+8 : i+8]
		m := uint64(pathBits[w[0]]) | uint64(pathBits[w[1]])<<8 | uint64(pathBits[w[2]])<<16 |
			uint64(pathBits[w[3]])<<24 | uint64(pathBits[w[4]])<<32 | uint64(pathBits[w[5]])<<40 |
			uint64(pathBits[w[6]])<<48 | uint64(pathBits[w[7]])<<56
		if stop := m & lsb; stop != 0 {
			k := bits.TrailingZeros64(stop) // 8 times the stop's index in w
			seen |= m & (1<<k - 1)          // the bytes before it
			return i + k>>3, seen != 0
		}
		seen |= m
	}
	for ; i < len(b); i++ {
		c := pathBits[b[i]]
		if c&1 != 0 {
			break
		}
		seen |= uint64(c)
	}
	return i, seen != 0
}

// skipTarget returns the index of the first byte at or after i in b that
// stops has a 1 for (targetStops); len(b) if there is none.
// Eight lookups per step, packed into one word whose lowest set byte is the
// first stop: about thirty-five instructions per eight bytes, where a SWAR
// mask of the target's classes spends about fifty (Go reloads its ten
// constants on every step) and the byte loop seven per byte. Heads always
// continue past the target (" HTTP/1.1"), so the byte loop at the end only
// runs for truncated input.
func skipTarget(b []byte, i int, stops *[256]byte) int {
	for ; i+8 <= len(b); i += 8 {
		w := b[i : i+8 : i+8]
		m := uint64(stops[w[0]]) | uint64(stops[w[1]])<<8 | uint64(stops[w[2]])<<16 |
			uint64(stops[w[3]])<<24 | uint64(stops[w[4]])<<32 | uint64(stops[w[5]])<<40 |
			uint64(stops[w[6]])<<48 | uint64(stops[w[7]])<<56
		if m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
	}
	for i < len(b) && stops[b[i]] == 0 {
		i++
	}
	return i
}

// EqualFold reports whether a and b are equal under ASCII case folding:
// only A-Z and a-z fold, as field names, methods, media types and the
// tokens of field values compare (RFC 9110 5.1). Unlike bytes.EqualFold
// and strings.EqualFold it folds no other character, so the Kelvin sign
// is not "k" and the long s (U+017F) is not "s". It is the one ASCII
// case-insensitive comparison of the module.
func EqualFold[A, B ~string | ~[]byte](a A, b B) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if lowerTable[a[i]] != lowerTable[b[i]] {
			return false
		}
	}
	return true
}

// trimOWS trims leading and trailing SP and HTAB.
func trimOWS(b []byte) []byte {
	for len(b) > 0 && isOWS(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isOWS(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

// nextElement splits the first element off a comma-separated list (RFC 9110
// 5.6.1), trimming OWS around it. ok is false when the list is exhausted
// (list is nil); an empty but non-nil list yields one empty element, so a
// trailing comma shows up as an empty element.
func nextElement(list []byte) (elem, rest []byte, ok bool) {
	if list == nil {
		return nil, nil, false
	}
	for i := 0; i < len(list); i++ {
		if list[i] == ',' {
			return trimOWS(list[:i]), list[i+1:], true
		}
	}
	return trimOWS(list), nil, true
}
