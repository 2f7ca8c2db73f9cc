package eddy

// staticIndex finds a request path that is exactly a static pattern. It is
// built once at freeze from the tree (node.staticPaths) and only read
// afterwards, by every loop at once, so it needs no lock.
//
// It is an open-addressing table rather than a Go map because the map's
// general string hash and compare cost more than the rest of the route
// lookup: paths are short and few, so their first and last eight bytes and
// their length hash well enough, and the same words make the compare cheap.
type staticIndex struct {
	slots []staticSlot // power-of-two length, at least 8, at most half full; nil until built
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
	// Built with 8 slots or more even for no paths, so that probe needs
	// no test for an empty table.
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
// index has none. Route makes the same two steps itself, with probe and
// shortWords inlined.
func (ix *staticIndex) get(path string) *endpoint {
	if ix == nil || len(ix.slots) == 0 {
		return nil
	}
	if n := len(path); isShort(n) {
		first, last := shortWords(path)
		if ep, ok := ix.probe(first, last, n); ok {
			return ep
		}
	}
	return ix.getAny(path)
}

// probe looks for a path of 4 to 16 bytes, the usual kind, which is all in
// its words (see shortWords), in its home slot only: a multiply and three
// compares, no loop and no call. It reports ok false when another path
// holds the slot: getAny probes on then. The index must be built
// (newStaticIndex: never empty). Small enough to be inlined, as shortWords
// is: Route makes get's steps itself with them, since get's call would
// spill everything Route keeps in registers (about 15 instructions).
func (ix *staticIndex) probe(first, last uint64, n int) (ep *endpoint, ok bool) {
	s := &ix.slots[ix.slot(first, last, n)]
	if s.first == first && s.last == last && len(s.path) == n || s.ep == nil {
		return s.ep, true // an empty slot has an empty path and no endpoint
	}
	return nil, false
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
// of the product depend on all the bits of the key; the sum costs two
// instructions where a rotate and two XORs cost four). Paths whose sums are
// equal collide; that costs a probe, never a wrong answer.
func (ix *staticIndex) slot(first, last uint64, n int) uint64 {
	h := (first + last + uint64(n)) * 0x9e3779b97f4a7c15
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
	case isShort(n):
		return shortWords(s)
	case n > 16:
		return word8(s, 0), word8(s, n-8)
	case n > 0:
		return uint64(s[0]) | uint64(s[n/2])<<8 | uint64(s[n-1])<<16, 0
	}
	return 0, 0
}

// isShort reports whether a path of n bytes is of the usual kind, 4 to 16
// bytes, which its words hold whole: shortWords and probe serve it.
func isShort(n int) bool { return uint(n-4) <= 16-4 }

// shortWords is pathWords for a path s that isShort. Small enough to be
// inlined into Route.
func shortWords(s string) (first, last uint64) {
	if n := len(s); n >= 8 {
		return word8(s, 0), word8(s, n-8)
	}
	return uint64(word4(s, 0)) | uint64(word4(s, len(s)-4))<<32, 0
}

// load64 reads s's first eight bytes little-endian; the compiler turns it
// into one load.
func load64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}
