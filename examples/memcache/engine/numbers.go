package engine

import "math"

// The numeric arguments are read as memcached's safe_strto* read them: an optional sign
// and decimal digits filling the whole token.

// parseUint64 reads an unsigned 64-bit number; a '-' sign is refused.
func parseUint64(b []byte) (uint64, bool) {
	if len(b) > 0 && b[0] == '+' {
		b = b[1:]
	}
	return digits(b)
}

func digits(b []byte) (uint64, bool) {
	if len(b) == 0 {
		return 0, false
	}
	var v uint64
	if len(b) < 20 { // 19 digits cannot overflow: no check per digit
		for _, c := range b {
			d := c - '0'
			if d > 9 {
				return 0, false
			}
			v = v*10 + uint64(d)
		}
		return v, true
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if v > (math.MaxUint64-d)/10 {
			return 0, false
		}
		v = v*10 + d
	}
	return v, true
}

// parseUint32 reads flags: as memcached does, a value past 32 bits keeps its low bits.
func parseUint32(b []byte) (uint32, bool) {
	v, ok := parseUint64(b)
	return uint32(v), ok
}

// parseInt32 reads a signed 32-bit number (exptime, bytes, a flush delay).
func parseInt32(b []byte) (int32, bool) {
	neg := false
	if len(b) > 0 && (b[0] == '-' || b[0] == '+') {
		neg = b[0] == '-'
		b = b[1:]
	}
	v, ok := digits(b)
	if !ok || v > math.MaxInt32+1 || !neg && v > math.MaxInt32 {
		return 0, false
	}
	if neg {
		return int32(-int64(v)), true
	}
	return int32(v), true
}

// valueNumber reads a stored value as incr/decr do: leading white space, at least one
// digit, then white space or the end.
func valueNumber(b []byte) (uint64, bool) {
	i := 0
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	j := i
	for j < len(b) && b[j] >= '0' && b[j] <= '9' {
		j++
	}
	if j < len(b) && !isSpace(b[j]) {
		return 0, false
	}
	return digits(b[i:j])
}

func isSpace(c byte) bool { return c == ' ' || c >= '\t' && c <= '\r' }
