package eddy

import "bytes"

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
		piece, s, _ = bytes.Cut(s, []byte{'&'})
		if len(piece) == 0 {
			continue
		}
		if len(a.pairs) >= max {
			return errTooManyFields
		}
		k, v, _ := bytes.Cut(piece, []byte{'='})
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
