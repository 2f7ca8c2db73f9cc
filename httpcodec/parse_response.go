package httpcodec

// ResponseParser is the per-connection state of the response parser (for
// the client): 16 bytes, zero value ready with the default limits. Like
// RequestParser it resumes its search for the end of the head where it
// stopped and keeps no reference to any buffer. Not safe for concurrent use.
type ResponseParser struct {
	// Limits bounds the head; nil means the defaults. MaxRequestLine bounds
	// the status line (ErrStatusLineTooLong).
	Limits *Limits

	scanned uint32
	lineEnd uint32
}

// Parse parses one response head from the start of buf, with the same
// contract as RequestParser.Parse: n > 0 and r filled when complete, the
// body (if any) starting at buf[n]; n == 0 and nil for need more; a *Error
// for a malformed head; after need more or an error r is empty (Reset).
// headRequest says the response answers a HEAD request, so it has no body
// whatever its framing fields say.
//
// Like RequestParser.Parse, the first call for a head parses buf in a
// single pass, finding the line ends as it validates; only when that fails
// (incomplete head or any error) does it search for the end of the head
// incrementally and parse again, so the accepted heads, the results and the
// errors do not depend on how the input was split.
//
// An interim 1xx response is returned like any other (BodyNone); the client
// skips it and parses again for the final response. A status line without a
// reason phrase ("HTTP/1.1 200\r\n", no space) is accepted, as many servers
// send it. Strictness otherwise matches the request parser: bare LF or CR,
// obs-fold, bad field names or values, malformed or conflicting
// Content-Length, Content-Length with Transfer-Encoding and any transfer
// coding but a single chunked are errors, since a client that guesses at
// framing can be desynchronised (response smuggling).
func (p *ResponseParser) Parse(buf []byte, r *Response, headRequest bool) (n int, err error) {
	if p.scanned == 0 && p.lineEnd == 0 {
		// First look at this head: most often it is all there.
		if end := r.parseWhole(buf, p.Limits, headRequest); end > 0 {
			return end, nil
		}
	}
	end, lineEnd, err := findHeadEnd(buf, &p.scanned, &p.lineEnd, 0,
		p.Limits.maxRequestLine(), p.Limits.maxHeaderBytes(), ErrStatusLineTooLong)
	if end == 0 && err == nil {
		r.Reset()
		return 0, nil
	}
	p.Reset()
	if err != nil {
		r.Reset()
		return 0, err
	}
	if _, err := r.parse(buf[:end], lineEnd, 0, p.Limits.maxHeaders(), headRequest); err != nil {
		r.Reset()
		return 0, err
	}
	return end, nil
}

// parseWhole is the single pass, as for requests (Request.parseWhole): it
// parses a head that is complete in buf without searching for its end
// first, and returns the head's length, or 0 when the head is incomplete,
// too large or wrong in any way; then Parse takes the incremental path,
// which alone picks the error. It accepts only heads that path accepts,
// with the same result: every line it accepts ends in CRLF and holds no CR
// or LF, so its first empty line is the first CRLFCRLF, and it applies the
// same limits (a head within MaxHeaderBytes, a status line within
// MaxRequestLine).
func (r *Response) parseWhole(buf []byte, l *Limits, headRequest bool) int {
	if max := l.maxHeaderBytes(); len(buf) > max {
		buf = buf[:max]
	}
	end, err := r.parse(buf, 0, l.maxRequestLine(), l.maxHeaders(), headRequest)
	if err != nil {
		return 0
	}
	return end
}

// Reset forgets a partly scanned head.
func (p *ResponseParser) Reset() {
	p.scanned = 0
	p.lineEnd = 0
}

// parse parses the head at the start of buf and returns its length. On the
// incremental path buf is the complete head (ending with its CRLFCRLF) and
// lineEnd is the offset just past the status line's LF. On the single pass
// (lineEnd 0) buf may hold less or more than the head: parse never reads
// past buf, checks the status line against maxLine itself, and any error
// only means "fall back".
func (r *Response) parse(buf []byte, lineEnd, maxLine, maxHeaders int, headRequest bool) (int, error) {
	r.buf = buf
	r.responseHead = responseHead{contentLength: -1}
	r.hdr.reset()

	// Status line: HTTP-version SP 3DIGIT SP reason-phrase CRLF.
	clean := false // the line is known to hold no control character
	if lineEnd == 0 {
		// Single pass: the line ends at its first control character,
		// which must be the CR of a CRLF; one eight-byte step (SWAR) per
		// eight bytes finds it and validates the line at once.
		j := scanValue(buf, 0)
		if j+1 >= len(buf) || buf[j] != '\r' || buf[j+1] != '\n' {
			return 0, ErrBadStatusLine
		}
		lineEnd = j + 2
		if lineEnd > maxLine {
			return 0, ErrStatusLineTooLong
		}
		clean = true
	}
	line := buf[:lineEnd-2]
	if len(line) < 12 || line[8] != ' ' {
		if len(line) >= 8 {
			if _, err := parseVersion(line[:8], ErrBadStatusLine); err != nil {
				return 0, err
			}
		}
		return 0, ErrBadStatusLine
	}
	minor, err := parseVersion(line[:8], ErrBadStatusLine)
	if err != nil {
		return 0, err
	}
	r.minor = minor
	d0, d1, d2 := line[9], line[10], line[11]
	if !isDigit(d0) || !isDigit(d1) || !isDigit(d2) || d0 == '0' {
		return 0, ErrBadStatusCode
	}
	r.status = uint16(d0-'0')*100 + uint16(d1-'0')*10 + uint16(d2-'0')
	if len(line) > 12 {
		if line[12] != ' ' {
			return 0, ErrBadStatusCode
		}
		if !clean {
			if j := scanValue(line, 13); j != len(line) {
				if line[j] == '\r' {
					return 0, ErrBareCR
				}
				return 0, ErrBadStatusLine
			}
		}
		r.reason = span{13, uint32(len(line) - 13)}
	} else {
		r.reason = span{12, 0}
	}

	var (
		connClose, connKeepAlive, connUpgrade bool
		te                                    teState
	)
	// Field lines, with the framing fields interpreted as they pass, up to
	// the empty line. On the incremental path that is the head's last line.
	pos := lineEnd
	for {
		if pos+1 < len(buf) && buf[pos] == '\r' && buf[pos+1] == '\n' {
			break
		}
		f, next, err := parseFieldLine(buf, pos)
		if err != nil {
			return 0, err
		}
		if r.hdr.n >= maxHeaders {
			return 0, ErrTooManyHeaders
		}
		r.hdr.add(f)
		pos = next
		// The name is sliced only for the lengths of the fields looked at
		// here: most lines cost the switch on their length alone.
		switch f.name.len {
		case 10:
			if isConnection(f.name.of(buf)) {
				parseConnection(f.value.of(buf), &connClose, &connKeepAlive, &connUpgrade)
			}
		case 14:
			if isContentLength(f.name.of(buf)) {
				n, err := parseContentLength(f.value.of(buf))
				if err != nil {
					return 0, err
				}
				if r.contentLength >= 0 && r.contentLength != n {
					return 0, ErrConflictingContentLength
				}
				r.contentLength = n
			}
		case 17:
			if isTransferEncoding(f.name.of(buf)) {
				if err := te.add(f.value.of(buf)); err != nil {
					return 0, err
				}
			}
		}
	}
	end := pos + 2
	r.buf = buf[:end]
	r.headLen = uint32(end)

	if te.present {
		if r.minor == 0 {
			return 0, ErrBadTransferEncoding
		}
		if err := te.result(); err != nil {
			return 0, err
		}
		if r.contentLength >= 0 {
			return 0, ErrContentLengthWithTE
		}
		r.chunked = true
	}

	switch {
	case headRequest || r.status < 200 || r.status == 204 || r.status == 304:
		r.mode = BodyNone
	case r.chunked:
		r.mode = BodyChunked
	case r.contentLength >= 0:
		r.mode = BodyLength
	default:
		r.mode = BodyClose
	}
	if r.minor == 1 {
		r.keepAlive = !connClose
	} else {
		r.keepAlive = connKeepAlive && !connClose
	}
	if r.mode == BodyClose || r.status == 101 {
		r.keepAlive = false
	}
	return end, nil
}
