package eddy

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"strings"
	"unsafe"

	"github.com/eddy-go/eddy/httpcodec"
)

// What a WebSocket keeps of its handshake, in one allocation that
// WebSocket.head points to (a pointer, one word less than a string):
//
//	uvarint length of what follows
//	flags byte: the fields dropped from the head (wsDropped, wsKeyDropped)
//	the 16 bytes of Sec-WebSocket-Key, decoded, when it was dropped
//	uvarint count of the route's path parameters, then each one's name and
//	value, each after its length as a uvarint
//	the raw head, without the dropped field lines
//
// Not a parsed copy: an httpcodec.Request is 1.7 KiB, more than the rest of
// an idle WebSocket. Header, Query and the path parse the head again when
// asked. Four field lines every handshake has are dropped when they appear
// once (about 110 bytes, most of a short head): Upgrade, Connection and
// Sec-WebSocket-Version when their value is the usual one, Header answering
// them from the flags; Sec-WebSocket-Key when its value is the canonical
// base64 of 16 bytes, kept decoded.

// wsDropped are the field lines a kept head may leave out, each with the
// value Header then answers; the index is the flag's bit.
var wsDropped = [...]struct{ name, value string }{
	{"Upgrade", "websocket"},
	{"Connection", "Upgrade"},
	{"Sec-WebSocket-Version", "13"},
}

// wsKeyDropped is the flag of a Sec-WebSocket-Key kept decoded.
const wsKeyDropped = 1 << len(wsDropped)

// wsHead returns what a WebSocket keeps of c's handshake (above).
func wsHead(c *Ctx) *byte {
	req := c.x.Request()
	raw := req.Raw()
	// Which lines to drop: those of wsDropped with the usual value, when
	// their name appears once.
	var flags byte
	var drop [len(wsDropped)][2]int // each dropped line's span in raw
	for i, d := range wsDropped {
		seen := 0
		for j := 0; j < req.NumHeaders(); j++ {
			name, value := req.HeaderAt(j)
			if !httpcodec.EqualFold(name, d.name) {
				continue
			}
			seen++
			if string(value) == d.value {
				drop[i] = lineSpan(raw, name)
			}
		}
		if seen == 1 && drop[i][1] > 0 {
			flags |= 1 << i
		}
	}
	var key [16]byte
	var keySpan [2]int
	seen := 0
	for j := 0; j < req.NumHeaders(); j++ {
		name, value := req.HeaderAt(j)
		if !httpcodec.EqualFold(name, "Sec-WebSocket-Key") {
			continue
		}
		seen++
		if n, err := base64.StdEncoding.Decode(key[:], value); err == nil && n == len(key) &&
			base64.StdEncoding.EncodedLen(n) == len(value) {
			var enc [24]byte
			base64.StdEncoding.Encode(enc[:], key[:])
			if string(enc[:]) == string(value) {
				keySpan = lineSpan(raw, name)
			}
		}
	}
	if seen == 1 && keySpan[1] > 0 {
		flags |= wsKeyDropped
	}
	var names []string
	if c.route != nil {
		names = c.route.params
	}
	// The exact length, so the one allocation is no larger than the string.
	n := 1 + uvarintLen(len(names)) + len(raw)
	for _, name := range names {
		v := c.paramBytes(name)
		n += uvarintLen(len(name)) + len(name) + uvarintLen(len(v)) + len(v)
	}
	spans := make([][2]int, 0, len(drop)+1) // on the stack: it does not escape
	for i := range drop {
		if flags&(1<<i) != 0 {
			spans = append(spans, drop[i])
		}
	}
	if flags&wsKeyDropped != 0 {
		spans = append(spans, keySpan)
		n += len(key)
	}
	for _, sp := range spans {
		n -= sp[1] - sp[0]
	}
	var b strings.Builder
	b.Grow(uvarintLen(n) + n)
	var l [binary.MaxVarintLen64]byte
	b.Write(binary.AppendUvarint(l[:0], uint64(n)))
	b.WriteByte(flags)
	if flags&wsKeyDropped != 0 {
		b.Write(key[:])
	}
	b.Write(binary.AppendUvarint(l[:0], uint64(len(names))))
	for _, name := range names {
		v := c.paramBytes(name)
		b.Write(binary.AppendUvarint(l[:0], uint64(len(name))))
		b.WriteString(name)
		b.Write(binary.AppendUvarint(l[:0], uint64(len(v))))
		b.Write(v)
	}
	// The raw head, the dropped lines cut out, in order.
	from := 0
	for from < len(raw) {
		next, to := len(raw), len(raw)
		for _, sp := range spans {
			if sp[0] >= from && sp[0] < next {
				next, to = sp[0], sp[1]
			}
		}
		b.Write(raw[from:next])
		from = to
	}
	return unsafe.StringData(b.String())
}

// headStr returns what w.head points to, without its length: the flags,
// then the rest (above); "" if it has none.
func (w *WebSocket) headStr() string {
	p := w.head
	if p == nil {
		return ""
	}
	// The length, read a byte at a time: never past its last byte.
	var n uint64
	var k int
	for shift := 0; ; shift += 7 {
		c := *(*byte)(unsafe.Add(unsafe.Pointer(p), k))
		k++
		n |= uint64(c&0x7f) << shift
		if c < 0x80 {
			break
		}
	}
	return unsafe.String((*byte)(unsafe.Add(unsafe.Pointer(p), k)), int(n))
}

var crlf = []byte("\r\n")

// uvarintLen is the length of n as a uvarint.
func uvarintLen(n int) int {
	var b [binary.MaxVarintLen64]byte
	return len(binary.AppendUvarint(b[:0], uint64(n)))
}

// lineSpan returns the span in raw of the field line whose name is name (a
// view into raw): from the name to the CRLF that ends the line, included.
// The codec is strict: every line ends with CRLF, and a value holds no CR.
func lineSpan(raw, name []byte) [2]int {
	start := int(uintptr(unsafe.Pointer(unsafe.SliceData(name))) - uintptr(unsafe.Pointer(unsafe.SliceData(raw))))
	if start < 0 || start >= len(raw) {
		return [2]int{}
	}
	end := bytes.Index(raw[start:], crlf)
	if end < 0 {
		return [2]int{}
	}
	return [2]int{start, start + end + 2}
}

// headParams calls f with each path parameter kept in w.head (substrings
// of it) until f returns false, and returns the raw head that follows them.
func (w *WebSocket) headParams(f func(name, value string) bool) (raw string) {
	hs := w.headStr()
	if hs == "" {
		return ""
	}
	h := hs[1:]
	if hs[0]&wsKeyDropped != 0 {
		h = h[16:]
	}
	n, k := binary.Uvarint(unsafeBytes(h))
	h = h[k:]
	for ; n > 0; n-- {
		ln, k := binary.Uvarint(unsafeBytes(h))
		name := h[k : k+int(ln)]
		h = h[k+int(ln):]
		lv, k := binary.Uvarint(unsafeBytes(h))
		value := h[k : k+int(lv)]
		h = h[k+int(lv):]
		if f != nil && !f(name, value) {
			f = nil
		}
	}
	return h
}

// headRaw returns the kept raw head (without its dropped lines).
func (w *WebSocket) headRaw() string { return w.headParams(nil) }

// Header returns the value of the handshake's header field name ("" if
// absent). It parses the kept head again: cheap, but not free. Safe for
// concurrent use.
func (w *WebSocket) Header(name string) string {
	var r httpcodec.Request
	if !w.parseHead(&r) {
		return ""
	}
	if v := r.Header(name); v != nil {
		return string(v)
	}
	hs := w.headStr() // not "": it parsed
	for i, d := range wsDropped {
		if hs[0]&(1<<i) != 0 && httpcodec.EqualFold(name, d.name) {
			return d.value
		}
	}
	if hs[0]&wsKeyDropped != 0 && httpcodec.EqualFold(name, "Sec-WebSocket-Key") {
		return base64.StdEncoding.EncodeToString(unsafeBytes(hs[1:17]))
	}
	return ""
}
