//go:build !amd64 && !arm64

package httpcodec

import "encoding/binary"

// The portable loads of word.go, bounds checked; the full slice
// expressions leave two compares where b[i:] spends about eight
// instructions.

// load2 reads the little-endian 16 bits at b[i:i+2]: a CRLF in one compare.
func load2(b []byte, i int) uint16 { return binary.LittleEndian.Uint16(b[i : i+2 : i+2]) }

// load4 reads the little-endian 32 bits at b[i:i+4].
func load4(b []byte, i int) uint32 { return binary.LittleEndian.Uint32(b[i : i+4 : i+4]) }

// load8 reads the little-endian word at b[i:i+8].
func load8(b []byte, i int) uint64 { return binary.LittleEndian.Uint64(b[i : i+8 : i+8]) }

// fresh reports whether p has seen no part of the head yet (scanned and
// lineEnd both 0).
func (p *RequestParser) fresh() bool { return p.scanned == 0 && p.lineEnd == 0 }
