package ws

import (
	"encoding/binary"
	"math/rand/v2"
	"unicode/utf8"

	gws "github.com/gobwas/ws"
)

// MaxControlPayload is the longest payload of a control frame (RFC 6455
// 5.5); a close frame's reason is at most MaxControlPayload-2 bytes.
const MaxControlPayload = 125

// MaxHeaderSize is the longest frame header: 2 bytes, an 8-byte extended
// length and a 4-byte masking key.
const MaxHeaderSize = 14

// Header is a frame header (RFC 6455 5.2).
type Header struct {
	Fin    bool
	Rsv1   bool // "compressed" on the first frame of a permessage-deflate message
	Op     Op
	Masked bool
	Mask   [4]byte
	Length int64
}

// AppendHeader appends h's wire form to dst, using the shortest length
// encoding. It does not check h (a control frame longer than 125 bytes is
// written as asked).
func AppendHeader(dst []byte, h Header) []byte {
	b0 := byte(h.Op) & 0x0f
	if h.Fin {
		b0 |= 0x80
	}
	if h.Rsv1 {
		b0 |= 0x40
	}
	var m byte
	if h.Masked {
		m = 0x80
	}
	switch {
	case h.Length <= 125:
		dst = append(dst, b0, m|byte(h.Length))
	case h.Length <= 0xffff:
		dst = append(dst, b0, m|126, byte(h.Length>>8), byte(h.Length))
	default:
		dst = append(dst, b0, m|127)
		dst = binary.BigEndian.AppendUint64(dst, uint64(h.Length))
	}
	if h.Masked {
		dst = append(dst, h.Mask[:]...)
	}
	return dst
}

// AppendFrame appends an unmasked frame (a server's) carrying payload to
// dst. A message sent in fragments is a first frame with its op code and
// fin false, then OpContinuation frames, the last with fin true. Ping and
// pong are AppendFrame(dst, OpPing, true, p) with len(p) <= 125.
func AppendFrame(dst []byte, op Op, fin bool, payload []byte) []byte {
	dst = AppendHeader(dst, Header{Fin: fin, Op: op, Length: int64(len(payload))})
	return append(dst, payload...)
}

// AppendMaskedFrame is AppendFrame for a client: the frame is masked with
// key, which must be unpredictable (NewMaskKey); payload is not modified.
func AppendMaskedFrame(dst []byte, op Op, fin bool, payload []byte, key [4]byte) []byte {
	dst = AppendHeader(dst, Header{Fin: fin, Op: op, Masked: true, Mask: key, Length: int64(len(payload))})
	n := len(dst)
	dst = append(dst, payload...)
	gws.Cipher(dst[n:], key, 0)
	return dst
}

// AppendClose appends an unmasked close frame with code and reason. A
// reason longer than 123 bytes is cut at the last whole UTF-8 sequence
// that fits. Code 0 writes a close frame without a body (no code).
func AppendClose(dst []byte, code StatusCode, reason string) []byte {
	return appendClose(dst, code, reason, false, [4]byte{})
}

// AppendMaskedClose is AppendClose for a client, masked with key.
func AppendMaskedClose(dst []byte, code StatusCode, reason string, key [4]byte) []byte {
	return appendClose(dst, code, reason, true, key)
}

func appendClose(dst []byte, code StatusCode, reason string, masked bool, key [4]byte) []byte {
	if code == 0 {
		return AppendHeader(dst, Header{Fin: true, Op: OpClose, Masked: masked, Mask: key})
	}
	reason = cutReason(reason)
	dst = AppendHeader(dst, Header{Fin: true, Op: OpClose, Masked: masked, Mask: key, Length: int64(2 + len(reason))})
	n := len(dst)
	dst = append(dst, byte(code>>8), byte(code))
	dst = append(dst, reason...)
	if masked {
		gws.Cipher(dst[n:], key, 0)
	}
	return dst
}

// cutReason shortens reason to at most 123 bytes without splitting a UTF-8
// sequence.
func cutReason(reason string) string {
	const max = MaxControlPayload - 2
	if len(reason) <= max {
		return reason
	}
	i := max
	for i > 0 && !utf8.RuneStart(reason[i]) {
		i--
	}
	return reason[:i]
}

// NewMaskKey returns a fresh masking key for a client frame, from a
// generator seeded by the operating system (RFC 6455 5.3 asks for keys an
// intermediary cannot predict).
func NewMaskKey() [4]byte {
	var k [4]byte
	binary.LittleEndian.PutUint32(k[:], rand.Uint32())
	return k
}

// Mask applies the masking key to b in place, as if b started offset
// bytes into a frame's payload; masking and unmasking are the same
// operation.
func Mask(b []byte, key [4]byte, offset int) {
	if len(b) > maskWordsMax {
		gws.Cipher(b, key, offset)
		return
	}
	// A small payload (a chat line, a 32-byte echo) in 8-byte words: the
	// vector code's set-up costs more than the whole of it.
	k32, r := binary.LittleEndian.Uint32(key[:]), 8*(offset&3)
	k := uint64(k32>>r | k32<<(32-r)) // the key turned to start at offset's byte
	k |= k << 32
	for len(b) >= 8 {
		binary.LittleEndian.PutUint64(b, binary.LittleEndian.Uint64(b)^k)
		b = b[8:]
	}
	for i := range b {
		b[i] ^= byte(k >> (8 * i))
	}
}

// maskWordsMax is the longest payload Mask unmasks 8 bytes at a time; a
// longer one goes to gobwas/ws's vector code.
const maskWordsMax = 128
