package httpcodec

import "bytes"

// QValue returns the weight (RFC 9110 12.4.2) carried by the parameters
// of one element of a list field such as Accept or Accept-Encoding (the
// text after the element's first ';'), in thousandths: 1000 when there is
// no q parameter, 0 when it is malformed (which refuses the element, the
// safe reading). It does not allocate.
func QValue(params []byte) int {
	for len(params) > 0 {
		var p []byte
		p, params, _ = bytes.Cut(params, []byte{';'})
		p = bytes.TrimSpace(p)
		if len(p) < 2 || p[0]|0x20 != 'q' || p[1] != '=' {
			continue
		}
		return parseWeight(p[2:])
	}
	return 1000
}

// parseWeight parses qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ),
// in thousandths; 0 when malformed.
func parseWeight(v []byte) int {
	if len(v) == 0 || len(v) > 5 || len(v) > 1 && v[1] != '.' {
		return 0
	}
	switch v[0] {
	case '1':
		for _, d := range v[min(2, len(v)):] {
			if d != '0' {
				return 0
			}
		}
		return 1000
	case '0':
		q, scale := 0, 100
		for _, d := range v[min(2, len(v)):] {
			if d < '0' || d > '9' {
				return 0
			}
			q += int(d-'0') * scale
			scale /= 10
		}
		return q
	}
	return 0
}

// ListQ returns the weight, in thousandths, that the value of a list field
// such as Accept-Encoding gives token: the highest among the elements
// naming it (case-insensitively; parameters other than q are ignored), or
// -1 when none does. Callers decide what "*" and an absent token mean.
// It does not allocate.
func ListQ[T ~string | ~[]byte](list []byte, token T) int {
	q := -1
	for len(list) > 0 {
		var item []byte
		item, list, _ = bytes.Cut(list, []byte{','})
		name, params, _ := bytes.Cut(item, []byte{';'})
		if EqualFold(bytes.TrimSpace(name), token) {
			q = max(q, QValue(params))
		}
	}
	return q
}
