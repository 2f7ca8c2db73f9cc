//go:build amd64 || arm64

package httpcodec

import "unsafe"

// On amd64 and arm64 (little-endian, and unaligned loads are ordinary
// loads) parseFast reads its words with one load each, without the
// compare-and-branch pairs a slice expression costs (three instructions a
// word, about twenty a request). Every caller has already checked
// 0 <= i and i+n <= len(b) for the n bytes it reads, as the loops of
// parseFast do before each step; word_other.go is the same with the bounds
// checks, for the other architectures.

// load2 reads the little-endian 16 bits at b[i:i+2]: a CRLF in one compare.
func load2(b []byte, i int) uint16 {
	return *(*uint16)(unsafe.Add(unsafe.Pointer(unsafe.SliceData(b)), i))
}

// load4 reads the little-endian 32 bits at b[i:i+4].
func load4(b []byte, i int) uint32 {
	return *(*uint32)(unsafe.Add(unsafe.Pointer(unsafe.SliceData(b)), i))
}

// load8 reads the little-endian word at b[i:i+8].
func load8(b []byte, i int) uint64 {
	return *(*uint64)(unsafe.Add(unsafe.Pointer(unsafe.SliceData(b)), i))
}

// fresh reports whether p has seen no part of the head yet (scanned and
// lineEnd both 0): one load of the two adjacent uint32s, 8-byte aligned
// on these architectures.
//
// The layout it relies on is checked when compiling: scanned 8-byte
// aligned, lineEnd right after it.
func (p *RequestParser) fresh() bool {
	return *(*uint64)(unsafe.Pointer(&p.scanned)) == 0
}

var (
	_ = [1]struct{}{}[unsafe.Offsetof(RequestParser{}.scanned)%8]
	_ = [1]struct{}{}[unsafe.Offsetof(RequestParser{}.lineEnd)-unsafe.Offsetof(RequestParser{}.scanned)-4]
)
