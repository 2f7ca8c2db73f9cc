package eddy

import (
	"bytes"
	"encoding/binary"
	"strings"
	"unsafe"

	"github.com/eddy-go/eddy/httpcodec"
)

// What a WebSocket keeps of its handshake, in one string (WebSocket.head):
//
//	flags byte: the fields dropped from the head (wsDropped)
//	uvarint count of the route's path parameters, then each one's name and
//	value, each after its length as a uvarint
//	the raw head, without the dropped field lines
//
// Not a parsed copy: an httpcodec.Request is 1.7 KiB, more than the rest of
// an idle WebSocket. Header, Query and the path parse the head again when
// asked. Three field lines every handshake has are dropped when their value
// is the usual one and they appear once (about 70 bytes, half of a short
// head): Header answers them from the flags.

// wsDropped are the field lines a kept head may leave out, each with the
// value Header then answers; the index is the flag's bit.
var wsDropped = [...]struct{ name, value string }{
	{"Upgrade", "websocket"},
	{"Connection", "Upgrade"},
	{"Sec-WebSocket-Version", "13"},
}

// wsHead returns what a WebSocket keeps of c's handshake (above).
func wsHead(c *Ctx) string {
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
	var names []string
	if c.route != nil {
		names = c.route.params
	}
	n := 1 + binary.MaxVarintLen64 + len(raw)
	for _, name := range names {
		n += 2*binary.MaxVarintLen64 + len(name) + len(c.paramBytes(name))
	}
	for i := range drop {
		if flags&(1<<i) != 0 {
			n -= drop[i][1] - drop[i][0]
		}
	}
	var b strings.Builder
	b.Grow(n)
	b.WriteByte(flags)
	var l [binary.MaxVarintLen64]byte
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
		for i := range drop {
			if flags&(1<<i) != 0 && drop[i][0] >= from && drop[i][0] < next {
				next, to = drop[i][0], drop[i][1]
			}
		}
		b.Write(raw[from:next])
		from = to
	}
	return b.String()
}

var crlf = []byte("\r\n")

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
	h := w.head[1:]
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
	for i, d := range wsDropped {
		if w.head[0]&(1<<i) != 0 && httpcodec.EqualFold(name, d.name) {
			return d.value
		}
	}
	return ""
}
