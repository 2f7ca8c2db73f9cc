package client

import (
	"net/http"
	"strconv"
	"unsafe"

	"github.com/eddy-go/eddy/httpcodec"
)

// statusLines holds "200 OK" and the like for every code httpcodec names (the
// texts of its StatusText), so a response's Status costs no allocation when its
// reason phrase is the usual one.
var statusLines = func() (s [600]string) {
	for code := range s {
		if text := httpcodec.StatusText(code); text != "" {
			s[code] = strconv.Itoa(code) + " " + text
		}
	}
	return s
}()

// statusLine returns "<code> <reason>", with the usual reason when reason is empty.
func statusLine(code int, reason []byte) string {
	if code < len(statusLines) && statusLines[code] != "" {
		if len(reason) == 0 || string(reason) == statusLines[code][4:] { // no allocation: compared in place
			return statusLines[code]
		}
	}
	if len(reason) == 0 {
		reason = []byte(httpcodec.StatusText(code))
	}
	return strconv.Itoa(code) + " " + string(reason)
}

// commonKeys are response field names as servers usually spell them, which
// headerKey returns without allocating.
var commonKeys = func() map[string]string {
	m := make(map[string]string)
	for _, k := range []string{
		"Accept-Ranges", "Age", "Cache-Control", "Connection", "Content-Disposition",
		"Content-Encoding", "Content-Language", "Content-Length", "Content-Type", "Date",
		"Etag", "Expires", "Keep-Alive", "Last-Modified", "Location", "Server", "Set-Cookie",
		"Strict-Transport-Security", "Transfer-Encoding", "Vary", "Www-Authenticate",
		"X-Content-Type-Options", "X-Frame-Options", "Access-Control-Allow-Origin",
		"Access-Control-Allow-Credentials",
	} {
		m[k] = k
	}
	return m
}()

// headerKey is http.CanonicalHeaderKey of k, without allocating for the common
// names already in canonical form.
func headerKey(k []byte) string {
	if s, ok := commonKeys[string(k)]; ok { // the lookup does not allocate
		return s
	}
	return http.CanonicalHeaderKey(string(k))
}

// ownHeader copies h's fields into an http.Header in a fixed number of
// allocations however many fields there are (the map, one buffer holding every
// value, one slice backing every field's values), instead of two per field.
func ownHeader(h *httpcodec.Response) http.Header {
	hdr, _ := ownHeaderRoom(h, 0)
	return hdr
}

// ownHeaderRoom is ownHeader that also returns an empty slice with room for
// extra bytes, carved from the buffer of the values: a body of known length
// then costs no allocation of its own. The values never share bytes with it.
func ownHeaderRoom(h *httpcodec.Response, extra int) (http.Header, []byte) {
	n := h.NumHeaders()
	hdr := make(http.Header, n)
	if n == 0 && extra == 0 {
		return hdr, nil
	}
	size := 0
	for i := range n {
		_, v := h.HeaderAt(i)
		size += len(v)
	}
	buf := make([]byte, 0, size+extra)
	for i := range n {
		_, v := h.HeaderAt(i)
		buf = append(buf, v...)
	}
	room := buf[size:size:cap(buf)]
	if n == 0 {
		return hdr, room
	}
	// The values are never written again: a string over them saves a second copy.
	all := unsafe.String(unsafe.SliceData(buf), size)
	vals := make([]string, n)
	off := 0
	for i := range n {
		k, v := h.HeaderAt(i)
		vals[i] = all[off : off+len(v)]
		off += len(v)
		key := headerKey(k)
		if old, ok := hdr[key]; ok {
			hdr[key] = append(old, vals[i]) // a repeated field: its own slice (cap 1 below)
		} else {
			hdr[key] = vals[i : i+1 : i+1]
		}
	}
	return hdr, room
}

// protoString is "HTTP/1.<minor>" without allocating.
func protoString(minor int) string {
	if minor == 0 {
		return "HTTP/1.0"
	}
	return "HTTP/1.1"
}
