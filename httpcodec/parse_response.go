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
// for a malformed head. headRequest says the response answers a HEAD
// request, so it has no body whatever its framing fields say.
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
	end, lineEnd, err := findHeadEnd(buf, &p.scanned, &p.lineEnd, 0,
		p.Limits.maxRequestLine(), p.Limits.maxHeaderBytes(), ErrStatusLineTooLong)
	if end == 0 && err == nil {
		return 0, nil
	}
	p.Reset()
	if err != nil {
		return 0, err
	}
	if err := r.parse(buf[:end], lineEnd, p.Limits.maxHeaders(), headRequest); err != nil {
		r.Reset()
		return 0, err
	}
	return end, nil
}

// Reset forgets a partly scanned head.
func (p *ResponseParser) Reset() {
	p.scanned = 0
	p.lineEnd = 0
}

func (r *Response) parse(buf []byte, lineEnd, maxHeaders int, headRequest bool) error {
	r.buf = buf
	r.responseHead = responseHead{headLen: uint32(len(buf)), contentLength: -1}
	r.hdr.reset()

	// Status line: HTTP-version SP 3DIGIT SP reason-phrase CRLF.
	line := buf[:lineEnd-2]
	if len(line) < 12 || line[8] != ' ' {
		if len(line) >= 8 {
			if _, err := parseVersion(line[:8], ErrBadStatusLine); err != nil {
				return err
			}
		}
		return ErrBadStatusLine
	}
	minor, err := parseVersion(line[:8], ErrBadStatusLine)
	if err != nil {
		return err
	}
	r.minor = minor
	d0, d1, d2 := line[9], line[10], line[11]
	if !isDigit(d0) || !isDigit(d1) || !isDigit(d2) || d0 == '0' {
		return ErrBadStatusCode
	}
	r.status = uint16(d0-'0')*100 + uint16(d1-'0')*10 + uint16(d2-'0')
	if len(line) > 12 {
		if line[12] != ' ' {
			return ErrBadStatusCode
		}
		if j := scanValue(line, 13); j != len(line) {
			if line[j] == '\r' {
				return ErrBareCR
			}
			return ErrBadStatusLine
		}
		r.reason = span{13, uint32(len(line) - 13)}
	} else {
		r.reason = span{12, 0}
	}

	var (
		connClose, connKeepAlive, connUpgrade bool
		te                                    teState
	)
	end := len(buf) - 2
	for pos := lineEnd; pos < end; {
		f, next, err := parseFieldLine(buf, pos)
		if err != nil {
			return err
		}
		if r.hdr.n >= maxHeaders {
			return ErrTooManyHeaders
		}
		r.hdr.add(f)
		pos = next
		name := f.name.of(buf)
		switch len(name) {
		case 10:
			if isConnection(name) {
				parseConnection(f.value.of(buf), &connClose, &connKeepAlive, &connUpgrade)
			}
		case 14:
			if isContentLength(name) {
				n, err := parseContentLength(f.value.of(buf))
				if err != nil {
					return err
				}
				if r.contentLength >= 0 && r.contentLength != n {
					return ErrConflictingContentLength
				}
				r.contentLength = n
			}
		case 17:
			if isTransferEncoding(name) {
				if err := te.add(f.value.of(buf)); err != nil {
					return err
				}
			}
		}
	}
	if te.present {
		if r.minor == 0 {
			return ErrBadTransferEncoding
		}
		if err := te.result(); err != nil {
			return err
		}
		if r.contentLength >= 0 {
			return ErrContentLengthWithTE
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
	return nil
}
