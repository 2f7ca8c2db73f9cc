package eddy

import (
	"bytes"
	"unsafe"
)

// Form is a parsed form body (application/x-www-form-urlencoded or
// multipart/form-data), aiohttp's request.post(). The Ctx owns it and reuses
// its storage across requests: it is valid until the handler returns (until
// the response is finished after Defer).
type Form struct {
	args  args
	files []FormFile
}

// FormFile is a file part of a multipart form. Data is a view of the
// request body: valid until the handler returns; copy it to keep it.
type FormFile struct {
	Field       string // the form field name
	Filename    string // as sent by the client: never trust it as a path
	ContentType string // the part's Content-Type, "" if none
	Data        []byte
}

// Value returns a copy of the first value of the field, "" if absent.
func (f *Form) Value(name string) string {
	v, _ := f.args.get(name)
	return string(v)
}

// ValueBytes returns the first value of the field and whether it exists.
// Borrowed: valid until the handler returns; copy it to keep it.
func (f *Form) ValueBytes(name string) ([]byte, bool) { return f.args.get(name) }

// Values returns copies of every value of the field, in order.
func (f *Form) Values(name string) []string { return f.args.values(name) }

// Len returns the number of non-file fields.
func (f *Form) Len() int { return len(f.args.pairs) }

// At returns the i-th non-file field, in arrival order.
// Borrowed: valid until the handler returns; copy it to keep it.
func (f *Form) At(i int) (name, value []byte) { return f.args.at(i) }

// File returns the first file sent for the field, or nil.
func (f *Form) File(field string) *FormFile {
	for i := range f.files {
		if f.files[i].Field == field {
			return &f.files[i]
		}
	}
	return nil
}

// Files returns every file part, in arrival order.
func (f *Form) Files() []FormFile { return f.files }

func (f *Form) reset() {
	f.args.reset()
	clear(f.files)
	f.files = f.files[:0]
}

// args is a decoded list of name/value pairs (a query string or a form):
// the decoded bytes live in buf, the pairs are offsets into it, and both
// are reused across requests, so parsing allocates only while buf grows.
type args struct {
	buf   []byte
	pairs []argPair
}

type argPair struct{ k0, k1, v0, v1 int32 }

func (a *args) reset() {
	a.buf = a.buf[:0]
	a.pairs = a.pairs[:0]
}

// parseURLEncoded appends the pairs of an application/x-www-form-urlencoded
// string (or a query string): '&'-separated, '+' is a space, invalid
// percent-escapes are kept literally (as browsers and aiohttp do). Empty
// pieces are skipped. It fails with errTooManyFields past max pairs.
func (a *args) parseURLEncoded(s []byte, max int) error {
	for len(s) > 0 {
		var piece []byte
		if i := bytes.IndexByte(s, '&'); i >= 0 {
			piece, s = s[:i], s[i+1:]
		} else {
			piece, s = s, nil
		}
		if len(piece) == 0 {
			continue
		}
		if len(a.pairs) >= max {
			return errTooManyFields
		}
		k, v := piece, []byte(nil)
		if i := bytes.IndexByte(piece, '='); i >= 0 {
			k, v = piece[:i], piece[i+1:]
		}
		var p argPair
		p.k0 = int32(len(a.buf))
		a.buf = appendUnescape(a.buf, k, true)
		p.k1 = int32(len(a.buf))
		p.v0 = p.k1
		a.buf = appendUnescape(a.buf, v, true)
		p.v1 = int32(len(a.buf))
		a.pairs = append(a.pairs, p)
	}
	return nil
}

// add appends one pair, copying name and value.
func (a *args) add(name, value []byte) {
	var p argPair
	p.k0 = int32(len(a.buf))
	a.buf = append(a.buf, name...)
	p.k1 = int32(len(a.buf))
	p.v0 = p.k1
	a.buf = append(a.buf, value...)
	p.v1 = int32(len(a.buf))
	a.pairs = append(a.pairs, p)
}

func (a *args) get(name string) ([]byte, bool) {
	for _, p := range a.pairs {
		if string(a.buf[p.k0:p.k1]) == name {
			return a.buf[p.v0:p.v1:p.v1], true
		}
	}
	return nil, false
}

func (a *args) values(name string) []string {
	var out []string
	for _, p := range a.pairs {
		if string(a.buf[p.k0:p.k1]) == name {
			out = append(out, string(a.buf[p.v0:p.v1]))
		}
	}
	return out
}

func (a *args) at(i int) (name, value []byte) {
	p := a.pairs[i]
	return a.buf[p.k0:p.k1:p.k1], a.buf[p.v0:p.v1:p.v1]
}

// appendUnescape appends s to dst with percent-escapes decoded (and '+' as
// a space when plus is set). An invalid escape is copied as is.
func appendUnescape(dst, s []byte, plus bool) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			dst = append(dst, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
		case c == '+' && plus:
			dst = append(dst, ' ')
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// appendPathUnescape decodes percent-escapes of a path, except %2F (a
// slash), which stays encoded so that it cannot split a segment. An invalid
// escape makes ok false.
func appendPathUnescape(dst, s []byte) (_ []byte, ok bool) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '%' {
			dst = append(dst, c)
			continue
		}
		if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
			return dst, false
		}
		b := unhex(s[i+1])<<4 | unhex(s[i+2])
		if b == '/' {
			dst = append(dst, s[i:i+3]...)
		} else {
			dst = append(dst, b)
		}
		i += 2
	}
	return dst, true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// unsafeString views b as a string without copying. The caller guarantees
// b is not modified while the string is in use; every use in this package
// says how long that is.
func unsafeString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// unsafeBytes views s as bytes without copying; the bytes must not be
// modified.
func unsafeBytes(s string) []byte {
	if s == "" {
		return nil
	}
	return unsafe.Slice(unsafe.StringData(s), len(s))
}
