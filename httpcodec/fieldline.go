package httpcodec

import "bytes"

// parseFieldLine parses the field line starting at buf[pos] (RFC 9112 5):
// field-name ":" OWS field-value OWS CRLF. buf must end with a CRLF at or
// after pos, which the end-of-head search guarantees; every LF in it is
// already known to follow a CR. It returns the field and the offset of the
// next line.
func parseFieldLine(buf []byte, pos int) (field, int, error) {
	i := pos
	if isOWS(buf[i]) {
		return field{}, 0, ErrObsFold
	}
	for tcharTable[buf[i]] {
		i++
	}
	if buf[i] != ':' || i == pos {
		if i > pos && isOWS(buf[i]) {
			for isOWS(buf[i]) {
				i++
			}
			if buf[i] == ':' {
				return field{}, 0, ErrSpaceBeforeColon
			}
		}
		return field{}, 0, ErrBadHeaderName
	}
	name := span{uint32(pos), uint32(i - pos)}
	i++
	for isOWS(buf[i]) {
		i++
	}
	vs := i
	j := scanValue(buf, i)
	if j+1 >= len(buf) || buf[j] != '\r' {
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

// findHeadEnd searches buf for the empty line that ends a head, resuming at
// *scanned, where the previous call on a shorter prefix of the same bytes
// stopped (every LF before it is known to follow a CR, so nothing is
// rescanned). It uses bytes.IndexByte, which scans 16-32 bytes per step.
//
// lineEnd is the offset just past the first line's LF (0 until found); start
// is the offset of the first line. It returns the offset just past the
// head's final LF, or 0 for need more. The limits are enforced on the
// prefix: a first line with no LF within maxLine bytes is lineErr; a head
// with no end within maxHead bytes is ErrHeaderTooLarge.
func findHeadEnd(buf []byte, scanned, lineEnd *uint32, start, maxLine, maxHead int, lineErr error) (int, error) {
	i := int(*scanned)
	for {
		j := bytes.IndexByte(buf[i:], '\n')
		if j < 0 {
			*scanned = uint32(len(buf))
			if *lineEnd == 0 && len(buf)-start >= maxLine {
				return 0, lineErr
			}
			if len(buf) >= maxHead {
				return 0, ErrHeaderTooLarge
			}
			return 0, nil
		}
		lf := i + j
		if lf == 0 || buf[lf-1] != '\r' {
			return 0, ErrBareLF
		}
		if *lineEnd == 0 {
			if lf == start+1 {
				return 0, ErrLeadingEmptyLine
			}
			if lf+1-start > maxLine {
				return 0, lineErr
			}
			*lineEnd = uint32(lf + 1)
		} else if buf[lf-2] == '\n' {
			if lf+1 > maxHead {
				return 0, ErrHeaderTooLarge
			}
			return lf + 1, nil
		}
		if lf+3 > maxHead { // the empty line needs two more bytes
			return 0, ErrHeaderTooLarge
		}
		i = lf + 1
	}
}
