package httpcodec

import "math"

// parseContentLength parses a Content-Length value: 1*DIGIT, or a
// comma-separated list whose elements are all the same number (RFC 9110
// 8.6). Signs, inner spaces, empty elements, differing elements and values
// beyond int64 are rejected.
func parseContentLength(v []byte) (int64, error) {
	n := int64(-1)
	rest := v
	for {
		elem, r, ok := nextElement(rest)
		if !ok {
			break
		}
		rest = r
		if len(elem) == 0 {
			return 0, ErrBadContentLength
		}
		var x int64
		for _, c := range elem {
			if !isDigit(c) {
				return 0, ErrBadContentLength
			}
			d := int64(c - '0')
			if x > (math.MaxInt64-d)/10 {
				return 0, ErrBadContentLength
			}
			x = x*10 + d
		}
		if n >= 0 && x != n {
			return 0, ErrConflictingContentLength
		}
		n = x
	}
	if n < 0 {
		return 0, ErrBadContentLength
	}
	return n, nil
}

// teState accumulates the Transfer-Encoding fields of one head, all field
// lines together as one list (RFC 9110 5.3). The list must end in a single
// "chunked" (RFC 9112 6.3: otherwise the body has no length, 400); other
// codings before it ("gzip, chunked") are well-formed but unsupported (501).
// "chunked" twice, an empty element, or a final coding that is not exactly
// "chunked" (also "chunked;x=1", since chunked takes no parameters) is 400.
type teState struct {
	present     bool
	lastChunked bool // the list so far ends in "chunked"
	chunked     int
	unsupported bool
	malformed   bool
}

func (t *teState) add(v []byte) error {
	t.present = true
	rest := v
	for {
		elem, r, ok := nextElement(rest)
		if !ok {
			return nil
		}
		rest = r
		t.lastChunked = false
		switch {
		case len(elem) == 0:
			t.malformed = true
		case EqualFold(elem, "chunked"):
			t.chunked++
			t.lastChunked = true
		default:
			t.unsupported = true
		}
	}
}

func (t *teState) result() error {
	if t.malformed || t.chunked > 1 {
		return ErrBadTransferEncoding
	}
	if !t.lastChunked {
		return ErrTENotChunked
	}
	if t.unsupported {
		return ErrUnsupportedTE
	}
	return nil
}

// parseConnection records the connection options of interest in one
// Connection field value; other options are ignored.
func parseConnection(v []byte, close, keepAlive, upgrade *bool) {
	// The common values, a lone "keep-alive" or "close", by word compares
	// (see names.go; exact here too, since a field value holds no CR, the
	// only other byte that OR 0x20 maps onto '-'). It saves the list walk.
	switch len(v) {
	case 10:
		if lo8(v) == wKeepAli && lo8(v[2:]) == wepAlive {
			*keepAlive = true
			return
		}
	case 5:
		if lo4(v) == wClos && lowerTable[v[4]] == 'e' {
			*close = true
			return
		}
	}
	rest := v
	for {
		elem, r, ok := nextElement(rest)
		if !ok {
			return
		}
		rest = r
		switch len(elem) {
		case 5:
			if EqualFold(elem, "close") {
				*close = true
			}
		case 7:
			if EqualFold(elem, "upgrade") {
				*upgrade = true
			}
		case 10:
			if EqualFold(elem, "keep-alive") {
				*keepAlive = true
			}
		}
	}
}
