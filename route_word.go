//go:build amd64 || arm64

package eddy

import "unsafe"

// On amd64 and arm64 (little-endian, and unaligned loads are ordinary
// loads) the static index reads a path's words with one load each, without
// the bounds checks and the byte-by-byte expression whose inlining cost
// would keep shortWords from being inlined into Route. Every caller
// has already checked i+n <= len(s) for the n bytes it reads;
// route_word_other.go is the same with the bounds checks, for the other
// architectures.

// word4 reads the little-endian 32 bits at s[i:i+4].
func word4(s string, i int) uint32 {
	return *(*uint32)(unsafe.Add(unsafe.Pointer(unsafe.StringData(s)), i))
}

// word8 reads the little-endian word at s[i:i+8].
func word8(s string, i int) uint64 {
	return *(*uint64)(unsafe.Add(unsafe.Pointer(unsafe.StringData(s)), i))
}
