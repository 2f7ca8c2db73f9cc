package httpcodec

import (
	"encoding/binary"
	"math/bits"
)

// parseFieldLine parses the field line starting at buf[pos] (RFC 9112 5):
// field-name ":" OWS field-value OWS CRLF. A bare LF or CR in the line is an
// error. It returns the field and the offset of the next line.
//
// It never reads past buf: a line cut short by the end of buf is an error
// (ErrBadHeaderName or ErrBadHeaderValue). The incremental path only calls
// it on a complete head, whose lines all end in CRLF, so there that cannot
// happen; the single-pass path treats any error as "fall back".
func parseFieldLine(buf []byte, pos int) (field, int, error) {
	i := pos
	if i >= len(buf) {
		return field{}, 0, ErrBadHeaderName
	}
	if isOWS(buf[i]) {
		return field{}, 0, ErrObsFold
	}
	for i < len(buf) && tcharTable[buf[i]] {
		i++
	}
	if i >= len(buf) {
		return field{}, 0, ErrBadHeaderName
	}
	if buf[i] != ':' || i == pos {
		if buf[i] == '\n' {
			return field{}, 0, ErrBareLF
		}
		if i > pos && isOWS(buf[i]) {
			for i < len(buf) && isOWS(buf[i]) {
				i++
			}
			if i < len(buf) && buf[i] == ':' {
				return field{}, 0, ErrSpaceBeforeColon
			}
		}
		return field{}, 0, ErrBadHeaderName
	}
	name := span{uint32(pos), uint32(i - pos)}
	i++
	for i < len(buf) && isOWS(buf[i]) {
		i++
	}
	vs := i
	j := scanValue(buf, i)
	if j+1 >= len(buf) || buf[j] != '\r' {
		if j < len(buf) && buf[j] == '\n' {
			return field{}, 0, ErrBareLF
		}
		return field{}, 0, ErrBadHeaderValue
	}
	if buf[j+1] != '\n' {
		return field{}, 0, ErrBareCR
	}
	ve := j
	for ve > vs && isOWS(buf[ve-1]) {
		ve--
	}
	return field{name, span{uint32(vs), uint32(ve - vs)}}, j + 2, nil
}

// findHeadEnd locates the end of a head (the first empty line) in buf,
// whose first line starts at start. It returns the offset just past the
// head and the offset just past the first line's LF, or 0 for need more.
//
// It walks the LFs (eight bytes per step, see indexLF), checking that each
// follows a CR and stopping at the first CRLFCRLF, and resumes where the
// previous call stopped (*scanned), so a head that arrives in many pieces is
// searched once in total. Bare LF line endings (400), a first line longer
// than maxLine (lineErr, 414) and a head larger than maxHead (431) are
// reported as soon as the prefix proves them, without waiting for a head
// that a broken or hostile client will never finish.
func findHeadEnd(buf []byte, scanned, lineEnd *uint32, start, maxLine, maxHead int, lineErr error) (end, line int, err error) {
	j := int(*scanned)
	if j < start {
		j = start
	}
	for {
		lf := indexLF(buf, j)
		if lf < 0 {
			break
		}
		if *lineEnd == 0 {
			if err := checkFirstLF(buf, lf, start, maxLine, lineErr); err != nil {
				return 0, 0, err
			}
			*lineEnd = uint32(lf + 1)
		} else {
			if buf[lf-1] != '\r' {
				return 0, 0, ErrBareLF
			}
			if buf[lf-2] == '\n' {
				if lf+1 > maxHead {
					return 0, 0, ErrHeaderTooLarge
				}
				return lf + 1, int(*lineEnd), nil
			}
		}
		if lf+3 > maxHead { // the empty line needs two more bytes
			return 0, 0, ErrHeaderTooLarge
		}
		j = lf + 1
	}
	*scanned = uint32(len(buf))
	if *lineEnd == 0 && len(buf)-start >= maxLine {
		return 0, 0, lineErr
	}
	if len(buf) >= maxHead {
		return 0, 0, ErrHeaderTooLarge
	}
	return 0, 0, nil
}

// indexLF returns the index of the first LF in b at or after i, or -1. It
// tests eight bytes per step inline (SWAR); for heads, whose lines are a few
// dozen bytes, that beats a call to bytes.IndexByte per line.
func indexLF(b []byte, i int) int {
	for i+8 <= len(b) {
		x := binary.LittleEndian.Uint64(b[i:]) ^ ('\n' * lsb)
		if m := (x - lsb) &^ x & msb; m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
		i += 8
	}
	for ; i < len(b); i++ {
		if b[i] == '\n' {
			return i
		}
	}
	return -1
}

// checkFirstLF checks the LF at buf[lf] that ends the first line.
func checkFirstLF(buf []byte, lf, start, maxLine int, lineErr error) error {
	if lf == start || buf[lf-1] != '\r' {
		return ErrBareLF
	}
	if lf == start+1 {
		return ErrLeadingEmptyLine
	}
	if lf+1-start > maxLine {
		return lineErr
	}
	return nil
}
