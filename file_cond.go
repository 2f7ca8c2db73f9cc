package eddy

import (
	"bytes"
	"strconv"
	"time"

	"github.com/eddy-go/eddy/httpcodec"
)

// The conditional requests (RFC 9110 section 13) and range requests
// (section 14) of file responses: pure functions of the request's fields
// and the representation's validators, shared by Ctx.File and App.Static.

// fileValidators are what the conditions compare with: a strong entity tag
// (quoted) and the modification time in whole seconds.
type fileValidators struct {
	etag    string
	modSec  int64
	size    int64
	isGetOK bool // the method is GET or HEAD
	isGet   bool // the method is GET (ranges apply to GET only)
}

// fileConds are the request's conditional and range fields (views of the
// request, nil when absent).
type fileConds struct {
	ifMatch, ifNoneMatch, ifModifiedSince, ifUnmodifiedSince, ifRange, rng []byte
}

// fileVerdict is what a file request is answered with: the status, and for
// 200 and 206 the byte range [start, start+n) of the representation.
type fileVerdict struct {
	status   int
	start, n int64
}

// decide evaluates the preconditions in RFC 9110 13.2.2's order, then the
// range. Multiple ranges are answered with the whole representation (200),
// which the RFC permits (a server may ignore Range): serving them as
// multipart/byteranges costs more than it saves, and overlapping or many
// small ranges are a known amplification attack. A Range that cannot be
// parsed, or whose unit is not bytes, is ignored the same way.
func decide(v fileValidators, q fileConds) fileVerdict {
	full := fileVerdict{status: 200, n: v.size}
	// 1. If-Match; 2. else If-Unmodified-Since.
	if q.ifMatch != nil {
		if !etagListMatch(q.ifMatch, v.etag, true) {
			return fileVerdict{status: 412}
		}
	} else if q.ifUnmodifiedSince != nil {
		if t, ok := parseHTTPDate(q.ifUnmodifiedSince); ok && v.modSec > t {
			return fileVerdict{status: 412}
		}
	}
	// 3. If-None-Match; 4. else If-Modified-Since (GET and HEAD only).
	if q.ifNoneMatch != nil {
		if etagListMatch(q.ifNoneMatch, v.etag, false) {
			if v.isGetOK {
				return fileVerdict{status: 304}
			}
			return fileVerdict{status: 412}
		}
	} else if q.ifModifiedSince != nil && v.isGetOK {
		if t, ok := parseHTTPDate(q.ifModifiedSince); ok && v.modSec <= t {
			return fileVerdict{status: 304}
		}
	}
	// 5. Range, for GET, unless If-Range says the representation changed.
	if q.rng == nil || !v.isGet {
		return full
	}
	if q.ifRange != nil && !ifRangeHolds(q.ifRange, v) {
		return full
	}
	start, n, res := parseRange(q.rng, v.size)
	switch res {
	case rangeOne:
		return fileVerdict{status: 206, start: start, n: n}
	case rangeUnsatisfiable:
		return fileVerdict{status: 416}
	}
	return full
}

// ifRangeHolds evaluates If-Range (RFC 9110 13.1.5): an entity tag must
// match strongly, a date must equal the modification time exactly.
func ifRangeHolds(v []byte, fv fileValidators) bool {
	v = bytes.TrimSpace(v)
	if len(v) > 0 && (v[0] == '"' || bytes.HasPrefix(v, []byte("W/"))) {
		return string(v) == fv.etag // a weak tag never matches
	}
	t, ok := parseHTTPDate(v)
	return ok && t == fv.modSec
}

// etagListMatch reports whether a list of entity tags (If-Match,
// If-None-Match) has one matching etag, strongly (a weak tag matches
// nothing) or weakly (W/ ignored). "*" matches any existing
// representation. A malformed list matches nothing.
func etagListMatch(list []byte, etag string, strong bool) bool {
	list = bytes.TrimSpace(list)
	if len(list) == 1 && list[0] == '*' {
		return true
	}
	for len(list) > 0 {
		list = bytes.TrimLeft(list, " \t,")
		if len(list) == 0 {
			break
		}
		weak := false
		if bytes.HasPrefix(list, []byte("W/")) {
			weak, list = true, list[2:]
		}
		if len(list) == 0 || list[0] != '"' {
			return false
		}
		end := bytes.IndexByte(list[1:], '"')
		if end < 0 {
			return false
		}
		tag := list[:end+2]
		list = list[end+2:]
		if (!strong || !weak) && string(tag) == etag {
			return true
		}
	}
	return false
}

type rangeResult uint8

const (
	rangeIgnore        rangeResult = iota // absent, malformed, another unit, or several ranges
	rangeOne                              // one satisfiable range
	rangeUnsatisfiable                    // no range overlaps the representation: 416
)

// maxRanges bounds the ranges parseRange looks at: a longer list is
// ignored (answered whole) without being read to its end.
const maxRanges = 64

// parseRange parses a Range field (RFC 9110 14.1.2) for a representation
// of size bytes. One satisfiable range gives its start and length (a last
// position past the end is clipped). Several ranges are ignored (the whole
// representation is sent) unless none is satisfiable, which is a 416.
func parseRange(v []byte, size int64) (start, n int64, res rangeResult) {
	v = bytes.TrimSpace(v)
	unit, set, ok := bytes.Cut(v, []byte("="))
	if !ok || !httpcodec.EqualFold(bytes.TrimSpace(unit), "bytes") {
		return 0, 0, rangeIgnore
	}
	count, satisfiable := 0, 0
	for part := range bytes.SplitSeq(set, []byte(",")) {
		part = bytes.TrimSpace(part)
		if len(part) == 0 {
			continue // empty list elements are allowed (RFC 9110 5.6.1)
		}
		if count++; count > maxRanges {
			return 0, 0, rangeIgnore
		}
		first, last, ok := bytes.Cut(part, []byte("-"))
		if !ok {
			return 0, 0, rangeIgnore
		}
		var s, e int64 // [s, e] inclusive
		switch {
		case len(first) == 0: // suffix: the last n bytes
			k, ok := parseDigits(last)
			if !ok {
				return 0, 0, rangeIgnore
			}
			if k == 0 || size == 0 {
				continue // unsatisfiable
			}
			s, e = max(size-k, 0), size-1
		default:
			f, ok := parseDigits(first)
			if !ok {
				return 0, 0, rangeIgnore
			}
			e = size - 1
			if len(last) > 0 {
				l, ok := parseDigits(last)
				if !ok || l < f {
					return 0, 0, rangeIgnore // invalid: the whole field is ignored
				}
				e = min(l, size-1)
			}
			if f >= size {
				continue // unsatisfiable
			}
			s = f
		}
		satisfiable++
		start, n = s, e-s+1
	}
	switch {
	case count == 0:
		return 0, 0, rangeIgnore
	case satisfiable == 0:
		return 0, 0, rangeUnsatisfiable
	case count == 1:
		return start, n, rangeOne
	}
	return 0, 0, rangeIgnore
}

// parseDigits parses a non-empty run of ASCII digits that fits an int64.
func parseDigits(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// httpDateLayouts are the three date formats a recipient must accept
// (RFC 9110 5.6.7): IMF-fixdate, then the obsolete RFC 850 and asctime.
var httpDateLayouts = [...]string{
	"Mon, 02 Jan 2006 15:04:05 GMT",
	"Monday, 02-Jan-06 15:04:05 GMT",
	"Mon Jan _2 15:04:05 2006",
}

// parseHTTPDate parses an HTTP date into Unix seconds; an invalid date
// reports false (and the condition using it is ignored).
func parseHTTPDate(b []byte) (int64, bool) {
	s := string(bytes.TrimSpace(b))
	for _, layout := range httpDateLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.Unix(), true
		}
	}
	return 0, false
}

// appendContentRange appends "bytes start-end/size" for a 206.
func appendContentRange(dst []byte, start, n, size int64) []byte {
	dst = append(dst, "bytes "...)
	dst = strconv.AppendInt(dst, start, 10)
	dst = append(dst, '-')
	dst = strconv.AppendInt(dst, start+n-1, 10)
	dst = append(dst, '/')
	return strconv.AppendInt(dst, size, 10)
}
