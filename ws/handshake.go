package ws

import (
	"crypto/sha1"
	"encoding/base64"
	"strconv"
)

// acceptMagic is the GUID RFC 6455 4.2.2 appends to the key.
const acceptMagic = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// AppendAcceptKey appends the Sec-WebSocket-Accept value for key (the
// request's Sec-WebSocket-Key, as sent) to dst: base64 of the SHA-1 of key
// and the RFC's GUID. It allocates nothing for keys of up to 64 bytes (a
// valid key has 24).
func AppendAcceptKey(dst, key []byte) []byte {
	var buf [64 + len(acceptMagic)]byte
	b := append(buf[:0], key...)
	b = append(b, acceptMagic...)
	sum := sha1.Sum(b)
	return base64.StdEncoding.AppendEncode(dst, sum[:])
}

// validKey reports whether key is the base64 form of 16 bytes.
func validKey(key []byte) bool {
	if len(key) != 24 || key[22] != '=' || key[23] != '=' {
		return false
	}
	var raw [18]byte
	n, err := base64.StdEncoding.Decode(raw[:], key)
	return err == nil && n == 16
}

// headers is what Accept and CheckResponse read of a parsed head:
// *httpcodec.Request and *httpcodec.Response.
type headers interface {
	NumHeaders() int
	HeaderAt(i int) (name, value []byte)
}

// equalFold reports whether b equals s ignoring ASCII case; s is lower
// case.
func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}

func isOWS(c byte) bool { return c == ' ' || c == '\t' }

func trimOWS(b []byte) []byte {
	for len(b) > 0 && isOWS(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isOWS(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

// nextItem splits a comma-separated list: it returns the first element
// (trimmed) and the rest. Commas inside quoted strings do not split.
func nextItem(list []byte) (item, rest []byte) {
	quoted := false
	for i := 0; i < len(list); i++ {
		switch c := list[i]; {
		case c == '"':
			quoted = !quoted
		case c == '\\' && quoted:
			i++
		case c == ',' && !quoted:
			return trimOWS(list[:i]), list[i+1:]
		}
	}
	return trimOWS(list), nil
}

// hasToken reports whether the list holds token, ignoring ASCII case
// (token is lower case).
func hasToken(list []byte, token string) bool {
	for len(list) > 0 {
		var item []byte
		item, list = nextItem(list)
		if equalFold(item, token) {
			return true
		}
	}
	return false
}

// hasExactToken is hasToken with case: subprotocol names are
// case-sensitive.
func hasExactToken(list []byte, token string) bool {
	for len(list) > 0 {
		var item []byte
		item, list = nextItem(list)
		if string(item) == token {
			return true
		}
	}
	return false
}

// Handshake is an accepted opening handshake: what Accept (server) or
// CheckResponse (client) negotiated.
type Handshake struct {
	// Protocol is the selected subprotocol, one of the options' Protocols
	// (the same string), or "" when none was selected.
	Protocol string
	// Deflate reports that permessage-deflate was negotiated, with
	// DeflateParams; build the connection's Inflater and Deflater from them.
	Deflate       bool
	DeflateParams DeflateParams

	accept [28]byte
	ext    [maxExtResponse]byte // the Sec-WebSocket-Extensions answer
	extN   uint8
}

// AppendHeaders appends the header fields of the server's 101 answer to
// dst: Upgrade, Connection, Sec-WebSocket-Accept and, when negotiated,
// Sec-WebSocket-Protocol and Sec-WebSocket-Extensions, each ending in
// CRLF. AppendResponse writes the whole answer.
func (h *Handshake) AppendHeaders(dst []byte) []byte {
	dst = append(dst, "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "...)
	dst = append(dst, h.accept[:]...)
	dst = append(dst, "\r\n"...)
	if h.Protocol != "" {
		dst = append(dst, "Sec-WebSocket-Protocol: "...)
		dst = append(dst, h.Protocol...)
		dst = append(dst, "\r\n"...)
	}
	if h.extN > 0 {
		dst = append(dst, "Sec-WebSocket-Extensions: "...)
		dst = append(dst, h.ext[:h.extN]...)
		dst = append(dst, "\r\n"...)
	}
	return dst
}

// AppendResponse appends the whole 101 Switching Protocols answer (status
// line, AppendHeaders, the empty line) to dst.
func (h *Handshake) AppendResponse(dst []byte) []byte {
	dst = append(dst, "HTTP/1.1 101 Switching Protocols\r\n"...)
	dst = h.AppendHeaders(dst)
	return append(dst, "\r\n"...)
}

// AppendResponse appends a complete HTTP/1.1 answer for the failed
// handshake to dst: the status, the extra header field when HeaderName is
// set, "Connection: close" and the reason as a text/plain body.
func (e *HandshakeError) AppendResponse(dst []byte) []byte {
	status := e.Status
	if status == 0 {
		status = 400
	}
	dst = append(dst, "HTTP/1.1 "...)
	dst = strconv.AppendInt(dst, int64(status), 10)
	switch status {
	case 403:
		dst = append(dst, " Forbidden\r\n"...)
	case 426:
		dst = append(dst, " Upgrade Required\r\n"...)
	default:
		dst = append(dst, " Bad Request\r\n"...)
	}
	if e.HeaderName != "" {
		dst = append(dst, e.HeaderName...)
		dst = append(dst, ": "...)
		dst = append(dst, e.HeaderValue...)
		dst = append(dst, "\r\n"...)
	}
	dst = append(dst, "Content-Type: text/plain; charset=utf-8\r\nConnection: close\r\nContent-Length: "...)
	dst = strconv.AppendInt(dst, int64(len(e.Reason)+1), 10)
	dst = append(dst, "\r\n\r\n"...)
	dst = append(dst, e.Reason...)
	return append(dst, '\n')
}
