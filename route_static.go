package eddy

import "math/bits"

// staticIndex finds a request path that is exactly a static pattern. It is
// built once at freeze from the tree (node.staticPaths) and only read
// afterwards, by every loop at once, so it needs no lock.
//
// It is an open-addressing table rather than a Go map because the map's
// general string hash and compare cost more than the rest of the route
// lookup: paths are short and few, so their first and last eight bytes and
// their length hash well enough, and the same words make the compare cheap.
type staticIndex struct {
	slots []staticSlot // power-of-two length, at most half full; nil when empty
	shift uint8        // 64 - log2(len(slots)): the hash's top bits pick the slot
}

// A staticSlot keeps its path's first and last eight bytes as words, so a
// probe compares paths of up to 16 bytes, the usual kind, in two compares
// and calls memequal only for the middle of longer ones.
type staticSlot struct {
	first, last uint64
	path        string
	ep          *endpoint // nil: an empty slot, which ends a probe
}

func newStaticIndex(paths map[string]*endpoint) staticIndex {
	if len(paths) == 0 {
		return staticIndex{}
	}
	n, bits := 8, uint8(3)
	for n < 2*len(paths) {
		n, bits = n*2, bits+1
	}
	ix := staticIndex{slots: make([]staticSlot, n), shift: 64 - bits}
	mask := uint64(n - 1)
	for p, ep := range paths {
		first, last := pathWords(p)
		i := ix.slot(first, last, len(p))
		for ix.slots[i].ep != nil {
			i = (i + 1) & mask
		}
		ix.slots[i] = staticSlot{first: first, last: last, path: p, ep: ep}
	}
	return ix
}

// get returns the endpoint whose whole pattern is path, or nil. A nil
// index has none.
//
// A path of 4 to 16 bytes, the usual kind, is all in its words (see
// pathWords): found with two loads, a multiply and three compares, and no
// call, so nothing is kept on the stack around one (about 45 instructions
// against 67 for the general probe, getAny).
func (ix *staticIndex) get(path string) *endpoint {
	n := len(path)
	if ix == nil || len(ix.slots) == 0 || uint(n-4) > 16-4 {
		return ix.getAny(path)
	}
	var first, last uint64
	if n >= 8 {
		first, last = load64(path), load64(path[n-8:])
	} else {
		first = uint64(load32(path)) | uint64(load32(path[n-4:]))<<32
	}
	mask := uint64(len(ix.slots) - 1)
	for i := ix.slot(first, last, n); ; i = (i + 1) & mask {
		s := &ix.slots[i]
		if s.first == first && s.last == last && len(s.path) == n {
			return s.ep // an empty slot has an empty path: never here
		}
		if s.ep == nil {
			return nil
		}
	}
}

// getAny is get for any path.
func (ix *staticIndex) getAny(path string) *endpoint {
	if ix == nil || len(ix.slots) == 0 {
		return nil
	}
	first, last := pathWords(path)
	mask := uint64(len(ix.slots) - 1)
	for i := ix.slot(first, last, len(path)); ; i = (i + 1) & mask {
		s := &ix.slots[i]
		if s.ep == nil {
			return nil
		}
		if s.first == first && s.last == last && len(s.path) == len(path) &&
			(len(path) <= 16 || s.path[8:len(path)-8] == path[8:len(path)-8]) {
			return s.ep
		}
	}
}

// slot hashes a path's words and length (a multiplicative hash: the top bits
// of the product depend on all the bits of the key). Paths that differ only
// in the middle collide; that costs a probe, never a wrong answer.
func (ix *staticIndex) slot(first, last uint64, n int) uint64 {
	h := (first ^ bits.RotateLeft64(last, 29) ^ uint64(n)) * 0x9e3779b97f4a7c15
	return h >> (ix.shift & 63) // shift is at most 61: the mask only spares Go's test for 64 or more
}

// pathWords returns s's first and last eight bytes as little-endian words
// (they overlap when s is shorter than 16). A path shorter than eight bytes
// is all in first, and last is 0: for four to seven bytes, its first and
// last four bytes (overlapping), for one to three, its first, middle and
// last byte, which cover every byte, so two paths of the same length have
// the same words only when they are equal. Two loads instead of a loop over
// the bytes.
func pathWords(s string) (first, last uint64) {
	switch n := len(s); {
	case n >= 8:
		return load64(s), load64(s[n-8:])
	case n >= 4:
		return uint64(load32(s)) | uint64(load32(s[n-4:]))<<32, 0
	case n > 0:
		return uint64(s[0]) | uint64(s[n/2])<<8 | uint64(s[n-1])<<16, 0
	}
	return 0, 0
}

// load32 reads s's first four bytes little-endian; the compiler turns it
// into one load.
func load32(s string) uint32 {
	_ = s[3]
	return uint32(s[0]) | uint32(s[1])<<8 | uint32(s[2])<<16 | uint32(s[3])<<24
}

// load64 reads s's first eight bytes little-endian; the compiler turns it
// into one load.
func load64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}
