package ws

import "unicode/utf8"

// validator checks UTF-8 incrementally, as a text message's bytes arrive in
// pieces of any size: it fails on the first piece that makes the message
// invalid, even when the offending sequence is still incomplete (a leading
// F4 90 can never be completed, so it fails without waiting for the rest).
// The bulk of each piece goes through utf8.Valid, which checks eight ASCII
// bytes per step; only a sequence cut at a piece boundary is kept here.
type validator struct {
	pend [3]byte // an incomplete sequence from the previous piece
	n    uint8   // its length
}

// seqLen returns the length of the sequence a leading byte starts, or 0
// for a byte that cannot start one (a continuation byte, C0, C1, F5-FF).
func seqLen(b byte) int {
	switch {
	case b < 0x80:
		return 1
	case b < 0xc2:
		return 0
	case b < 0xe0:
		return 2
	case b < 0xf0:
		return 3
	case b < 0xf5:
		return 4
	}
	return 0
}

// validPrefix reports whether p (shorter than the sequence its first byte
// starts) can still be completed into a valid sequence.
func validPrefix(p []byte) bool {
	n := seqLen(p[0])
	if n < 2 || len(p) >= n {
		return false
	}
	if len(p) >= 2 {
		lo, hi := byte(0x80), byte(0xbf)
		switch p[0] {
		case 0xe0:
			lo = 0xa0
		case 0xed:
			hi = 0x9f
		case 0xf0:
			lo = 0x90
		case 0xf4:
			hi = 0x8f
		}
		if p[1] < lo || p[1] > hi {
			return false
		}
	}
	if len(p) == 3 && (p[2] < 0x80 || p[2] > 0xbf) {
		return false
	}
	return true
}

// feed validates the next piece; false means the message is not UTF-8.
func (v *validator) feed(p []byte) bool {
	for v.n > 0 && len(p) > 0 {
		var seq [4]byte
		copy(seq[:], v.pend[:v.n])
		seq[v.n] = p[0]
		m := int(v.n) + 1
		p = p[1:]
		if m == seqLen(seq[0]) {
			if !utf8.Valid(seq[:m]) {
				return false
			}
			v.n = 0
			break
		}
		if !validPrefix(seq[:m]) {
			return false
		}
		v.pend[v.n] = seq[v.n]
		v.n++
	}
	if len(p) == 0 {
		return true
	}
	// Find a sequence cut at the end: a leading byte among the last three
	// whose sequence does not fit.
	cut := len(p)
	for i := len(p) - 1; i >= 0 && i >= len(p)-3; i-- {
		b := p[i]
		if b < 0x80 {
			break
		}
		if b >= 0xc0 {
			if n := seqLen(b); n > 0 && i+n > len(p) {
				cut = i
			}
			break
		}
	}
	if !utf8.Valid(p[:cut]) {
		return false
	}
	if cut == len(p) {
		return true
	}
	tail := p[cut:]
	if !validPrefix(tail) {
		return false
	}
	v.n = uint8(copy(v.pend[:], tail))
	return true
}

// complete reports whether the message ended on a whole sequence.
func (v *validator) complete() bool { return v.n == 0 }

func (v *validator) reset() { v.n = 0 }
