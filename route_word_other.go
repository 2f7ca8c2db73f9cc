//go:build !amd64 && !arm64

package eddy

// The portable loads of route_word.go, bounds checked.

// word4 reads the little-endian 32 bits at s[i:i+4].
func word4(s string, i int) uint32 { return load32(s[i:]) }

// word8 reads the little-endian word at s[i:i+8].
func word8(s string, i int) uint64 { return load64(s[i:]) }

// load32 reads s's first four bytes little-endian; the compiler turns it
// into one load.
func load32(s string) uint32 {
	_ = s[3]
	return uint32(s[0]) | uint32(s[1])<<8 | uint32(s[2])<<16 | uint32(s[3])<<24
}
