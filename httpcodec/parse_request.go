package httpcodec

import (
	"bytes"
	"encoding/binary"
)

// RequestParser is the per-connection state of the request parser: 16
// bytes, so idle connections cost almost nothing. The zero value is ready
// and uses the default limits.
//
// It remembers how far it searched for the end of the head, so a head
// arriving in many pieces is scanned once in total, not once per piece
// (plus one single-pass attempt on the first piece, see Parse).
// It never keeps a reference to a buffer between calls. Not safe for
// concurrent use; one parser serves one connection.
type RequestParser struct {
	// Limits bounds the head; nil means the defaults. It is read on every
	// call and may be shared between parsers.
	Limits *Limits

	scanned uint32 // bytes of buf searched for the end of the head
	lineEnd uint32 // offset just past the request line's LF; 0 until found
}

// Parse parses one request head from the start of buf.
//
// buf holds every unconsumed byte since the request's first byte. Parse
// returns n > 0 when the head is complete: buf[:n] is the head, the body (if
// any) starts at buf[n], and r describes the request, as views into buf.
// It returns n == 0 and a nil error for "need more": call again with a
// longer buf that starts with the same bytes (it may live at a different
// address). It returns a *Error (one of the Err sentinels) for bad input;
// answer with its Status and close the connection. After a complete head or
// an error the parser is ready for the next request; after "need more" or
// an error r is empty (Reset).
//
// On the first call for a head Parse parses buf in a single pass, finding
// the line ends as it validates; only when that fails (incomplete head or
// any error) does it search for the end of the head incrementally and parse
// again, so the accepted heads, the results and the errors are the same
// whichever way the input was split.
//
// One empty line (CRLF) before the request line is skipped, as RFC 9112 2.2
// allows (some clients send a CRLF after a POST body); a second one is
// ErrLeadingEmptyLine. The skipped CRLF counts in n and in Raw().
//
// Limits: a request line longer than MaxRequestLine is ErrRequestLineTooLong
// (414) and a head larger than MaxHeaderBytes is ErrHeaderTooLarge (431),
// both detected as soon as the prefix proves it, before the head is
// complete; more than MaxHeaders fields is ErrTooManyHeaders (431).
//
// Parse does not allocate (unless MaxHeaders exceeds DefaultMaxHeaders and
// r has not yet grown its overflow slice).
func (p *RequestParser) Parse(buf []byte, r *Request) (n int, err error) {
	// On the head's first look, most often it is all there, so it is
	// parsed in one pass, validating and finding the line ends at once:
	// the common shape first (parseFast, which goes on with parseRest
	// itself when the head is of another shape or incomplete: no values
	// kept across its call, and Parse inlines into its caller).
	return r.parseFast(buf, 0, p.Limits, p)
}

// notTried is parseRest's fast argument when parseFast did not look at
// the head (the parser had seen part of it already).
const notTried = 1

// parseRest is Parse after parseFast: fast is parseFast's answer for the
// head at offset 0 (0: another shape, fastNeedMore: incomplete), or
// notTried.
func (p *RequestParser) parseRest(buf []byte, r *Request, fast int) (n int, err error) {
	start := 0
	if len(buf) > 0 && buf[0] == '\r' {
		if len(buf) < 2 {
			if fast != notTried {
				r.Reset() // parseFast began filling it
			}
			return 0, nil
		}
		if buf[1] == '\n' {
			start = 2
		}
	}
	if p.scanned == 0 && p.lineEnd == 0 {
		// The head's first look: after an empty line parseFast did not
		// skip, the common shape again, then any other.
		if start != 0 {
			fast, _ = r.parseFast(buf, start, p.Limits, &reportFast)
			if fast > 0 {
				return fast, nil
			}
		}
		if fast == 0 {
			if end := r.parseWhole(buf, start, p.Limits); end > 0 {
				return end, nil
			}
		}
	}
	if p.scanned < uint32(start) {
		p.scanned = uint32(start)
	}
	end, lineEnd, err := findHeadEnd(buf, &p.scanned, &p.lineEnd, start,
		p.Limits.maxRequestLine(), p.Limits.maxHeaderBytes(), ErrRequestLineTooLong)
	if end == 0 && err == nil {
		r.Reset()
		return 0, nil
	}
	p.Reset()
	if err != nil {
		r.Reset()
		return 0, err
	}
	if _, err := r.parse(buf[:end], start, lineEnd, 0, p.Limits.maxHeaders(), p.Limits.dropUnderscore()); err != nil {
		r.Reset()
		return 0, err
	}
	return end, nil
}

// parseWhole is the single pass: it parses a head that is complete in buf
// without searching for its end first, which saves a third of the time of a
// typical request. It returns the head's length, or 0 when the head is
// incomplete, too large, or wrong in any way. Then Parse takes the
// incremental path (find the end, check the limits, parse), which alone
// decides which error to report: so accepting, rejecting and the error never
// depend on how the input was split. parseWhole accepts only heads that
// path accepts, with the same result: every line it accepts ends in CRLF and
// holds no CR or LF, so its first empty line is the first CRLFCRLF, and it
// applies the same limits.
func (r *Request) parseWhole(buf []byte, start int, l *Limits) int {
	if max := l.maxHeaderBytes(); len(buf) > max {
		buf = buf[:max]
	}
	end, err := r.parse(buf, start, 0, l.maxRequestLine(), l.maxHeaders(), l.dropUnderscore())
	if err != nil {
		return 0
	}
	return end
}

// Reset forgets a partly scanned head. Call it when the connection's input
// is discarded or the parser is reused for another connection.
func (p *RequestParser) Reset() {
	p.scanned = 0
	p.lineEnd = 0
}

// Versions as little-endian 8-byte words, compared in one instruction.
var (
	http11 = binary.LittleEndian.Uint64([]byte("HTTP/1.1"))
	http10 = binary.LittleEndian.Uint64([]byte("HTTP/1.0"))
)

const getSP = 'G' | 'E'<<8 | 'T'<<16 | ' '<<24 // "GET " as a little-endian word

// parseVersion parses the 8 bytes of an HTTP-version. It returns the minor
// version: 0 for HTTP/1.0, 1 for HTTP/1.1 and for HTTP/1.2 to HTTP/1.9,
// which RFC 9110 2.5 says to treat as the highest 1.x the recipient
// supports; ErrVersionNotSupported for a well-formed version of another
// major number (HTTP/0.9, HTTP/2.0); malformed for anything else.
func parseVersion(v []byte, malformed error) (uint8, error) {
	if len(v) == 8 {
		switch binary.LittleEndian.Uint64(v) {
		case http11:
			return 1, nil
		case http10:
			return 0, nil
		}
		if string(v[:5]) == "HTTP/" && isDigit(v[5]) && v[6] == '.' && isDigit(v[7]) {
			if v[5] == '1' {
				return 1, nil // 1.2 to 1.9
			}
			return 0, ErrVersionNotSupported
		}
	}
	return 0, malformed
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// parse parses the head at the start of buf, whose request line starts at
// buf[start], in one pass, and returns the head's length. On the
// incremental path buf is the complete head (ending with its CRLFCRLF) and
// lineEnd is the offset just past the request line's LF. On the single
// pass (lineEnd 0) buf may hold less or more than the head: parse never
// reads past buf, checks the request line against maxLine itself, and any
// error there only means "fall back".
//
// dropUnderscore drops field lines whose name holds an underscore
// (Limits.DropUnderscoreHeaders); they still count against maxHeaders.
func (r *Request) parse(buf []byte, start, lineEnd, maxLine, maxHeaders int, dropUnderscore bool) (int, error) {
	r.buf = buf
	r.requestHead = requestHead{contentLength: -1}
	r.hdr.reset()

	// Request line: method SP request-target SP HTTP-version CRLF.
	i := start
	if start+4 <= len(buf) && binary.LittleEndian.Uint32(buf[start:start+4]) == getSP {
		// The most common method in one compare; the token scan would stop
		// at the same SP.
		i += 3
	} else {
		for i < len(buf) && tcharTable[buf[i]] {
			i++
		}
	}
	if i >= len(buf) || buf[i] != ' ' {
		return 0, ErrBadMethod
	}
	if i == start {
		return 0, ErrBadRequestLine
	}
	r.method = span{uint32(start), uint32(i - start)}
	i++
	ts := i
	// The first '?' is found on the way, so the path and query are split
	// without a second walk over the target.
	q := -1
	var special bool
	i, special = skipPath(buf, i)
	r.plainPath = !special
	if i < len(buf) && buf[i] == '?' {
		q = i
		i = skipTarget(buf, i+1, &targetStops)
	}
	if i >= len(buf) {
		return 0, ErrBadRequestLine
	}
	if buf[i] != ' ' || i == ts {
		if buf[i] == '\r' || i == ts {
			return 0, ErrBadRequestLine
		}
		return 0, ErrBadTarget
	}
	r.target = span{uint32(ts), uint32(i - ts)}
	i++
	if lineEnd == 0 {
		// Single pass: the version must be followed by CRLF.
		if i+10 > len(buf) || buf[i+8] != '\r' || buf[i+9] != '\n' {
			return 0, ErrBadVersion
		}
		lineEnd = i + 10
		if lineEnd-start > maxLine {
			return 0, ErrRequestLineTooLong
		}
	}
	minor, err := parseVersion(buf[i:lineEnd-2], ErrBadVersion)
	if err != nil {
		return 0, err
	}
	r.minor = minor
	if err := r.parseTarget(q); err != nil {
		return 0, err
	}

	// Field lines, with the framing fields interpreted as they pass, up to
	// the empty line.
	var (
		st    fieldState
		lines int // field lines, dropped ones included
	)
	pos := lineEnd
	for {
		if pos+1 < len(buf) && buf[pos] == '\r' && buf[pos+1] == '\n' {
			break
		}
		f, next, err := parseFieldLine(buf, pos)
		if err != nil {
			return 0, err
		}
		if lines >= maxHeaders {
			return 0, ErrTooManyHeaders
		}
		lines++
		pos = next

		if dropUnderscore && bytes.IndexByte(f.name.of(buf), '_') >= 0 {
			// Not stored, so invisible to every lookup; no framing field
			// name holds an underscore, so nothing below needs it.
			continue
		}
		r.hdr.add(f)
		if f.name.len == 4 || mayFrame(buf, f.name) {
			if err := r.field(f, &st); err != nil {
				return 0, err
			}
		}
	}
	end := pos + 2
	r.buf = buf[:end]
	r.headLen = uint32(end)
	if err := r.finish(&st); err != nil {
		return 0, err
	}
	return end, nil
}

// mayFrame reports whether the field name at name in buf may be one that
// field interprets (other than Host): the names of the lengths most other
// fields share (Accept, Cookie, User-Agent) are told apart by a word
// compare or two, which saves a call a line.
func mayFrame(buf []byte, name span) bool {
	switch name.len {
	case 6:
		return isExpect(name.of(buf))
	case 7:
		return isUpgrade(name.of(buf))
	case 10:
		return isConnection(name.of(buf))
	case 14:
		return isContentLength(name.of(buf))
	case 5, 8, 12, 13, 17, 19:
		return true
	}
	return false
}

// fieldState is what the framing fields of one head leave for finish.
type fieldState struct {
	connClose, connKeepAlive, connUpgrade bool
	hasUpgradeField                       bool
	te                                    teState
	upgrade                               span
	seen                                  uint16 // singleton fields met so far (names.go)
}

// field interprets the field line f if it is a framing or singleton field
// (Host, Content-Length, Transfer-Encoding, Connection, Upgrade, Expect,
// names.go's singletons); other lines cost the switch on the name's length.
// r.buf and r.minor must be set.
func (r *Request) field(f field, st *fieldState) error {
	buf := r.buf
	// The name is sliced only for the lengths of the fields looked at
	// here: most lines cost the switch on their length alone.
	switch f.name.len {
	case 4:
		if name := f.name.of(buf); isHost(name) {
			if r.hasHost {
				return ErrDuplicateHost
			}
			v := f.value.of(buf)
			if len(v) == 0 {
				return ErrEmptyHost
			}
			if !validHost(v) {
				return ErrBadHost
			}
			r.hasHost = true
			r.host = f.value
		}
	case 5, 8, 12, 13, 19:
		return r.singleton(f.name.of(buf), f.value, &st.seen)
	case 6:
		if isExpect(f.name.of(buf)) {
			v := f.value.of(buf)
			if !EqualFold(v, "100-continue") {
				return ErrExpectation
			}
			r.expectContinue = r.minor == 1
		}
	case 7:
		if isUpgrade(f.name.of(buf)) {
			st.hasUpgradeField = true
			st.upgrade = f.value
		}
	case 10:
		if isConnection(f.name.of(buf)) {
			parseConnection(f.value.of(buf), &st.connClose, &st.connKeepAlive, &st.connUpgrade)
		}
	case 14:
		if isContentLength(f.name.of(buf)) {
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
		name := f.name.of(buf)
		if isTransferEncoding(name) {
			return st.te.add(f.value.of(buf))
		}
		return r.singleton(name, f.value, &st.seen)
	}
	return nil
}

// finish applies the checks and results that need the whole head: Host
// required in HTTP/1.1, Transfer-Encoding's framing, keep-alive, upgrade.
func (r *Request) finish(st *fieldState) error {
	if !r.hasHost && r.minor == 1 {
		return ErrMissingHost
	}
	if st.te.present {
		if r.minor == 0 {
			// RFC 9112 6.1: Transfer-Encoding in HTTP/1.0 means faulty framing.
			return ErrBadTransferEncoding
		}
		if err := st.te.result(); err != nil {
			return err
		}
		if r.contentLength >= 0 {
			return ErrContentLengthWithTE
		}
		r.chunked = true
	}
	if r.minor == 1 {
		r.keepAlive = !st.connClose
	} else {
		r.keepAlive = st.connKeepAlive && !st.connClose
	}
	if st.connUpgrade && st.hasUpgradeField && st.upgrade.len > 0 {
		r.hasUpgrade = true
		r.upgrade = st.upgrade
	}
	return nil
}

// singleton checks a field that may be a singleton (names.go): the first
// of its name is recorded in seen; a repeat must have the same value as
// the first, which r already holds (a rare path, so it looks it up).
func (r *Request) singleton(name []byte, value span, seen *uint16) error {
	bit := singletonOf(name)
	if bit == 0 {
		return nil
	}
	if *seen&bit == 0 {
		*seen |= bit
		return nil
	}
	if string(r.hdr.lookupBytes(r.buf, name)) != string(value.of(r.buf)) {
		return ErrConflictingField
	}
	return nil
}

// parseTarget classifies the request-target and splits path and query; q
// is the offset in r.buf of the target's first '?', or -1.
func (r *Request) parseTarget(q int) error {
	t := r.target.of(r.buf)
	method := r.method.of(r.buf)
	isConnect := string(method) == "CONNECT"
	switch {
	case isConnect:
		// authority-form = uri-host ":" port
		if !validAuthority(t) {
			return ErrBadTarget
		}
		r.form = AuthorityForm
		r.path = r.target
		return nil
	case t[0] == '/':
		r.form = OriginForm
		r.splitQuery(r.target.off, r.target.off+r.target.len, q)
		return nil
	case len(t) == 1 && t[0] == '*':
		if string(method) != "OPTIONS" {
			return ErrBadTarget
		}
		r.form = AsteriskForm
		r.path = r.target
		return nil
	}
	// absolute-form: scheme "://" authority path-abempty [ "?" query ]
	i := 0
	for i < len(t) && isSchemeChar(t[i], i == 0) {
		i++
	}
	if i == 0 || len(t)-i < 3 || string(t[i:i+3]) != "://" {
		return ErrBadTarget
	}
	i += 3
	a := i
	for i < len(t) && t[i] != '/' && t[i] != '?' {
		i++
	}
	if i == a || !validHost(t[a:i]) {
		return ErrBadTarget
	}
	r.form = AbsoluteForm
	r.splitQuery(r.target.off+uint32(i), r.target.off+r.target.len, q)
	return nil
}

// splitQuery sets path and query from buf[from:to], whose first '?' is at
// q (-1: none). An absolute-form authority holds no '?', so the target's
// first '?' is at or after from.
func (r *Request) splitQuery(from, to uint32, q int) {
	if q >= 0 {
		i := uint32(q)
		r.path = span{from, i - from}
		r.query = span{i + 1, to - i - 1}
		r.hasQuery = true
		return
	}
	r.path = span{from, to - from}
}

func isSchemeChar(c byte, first bool) bool {
	alpha := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
	if first {
		return alpha
	}
	return alpha || isDigit(c) || c == '+' || c == '-' || c == '.'
}

// validHost checks a Host value or URI authority in one pass: a reg-name of
// RFC 3986 characters (no userinfo '@', whitespace or controls) or a
// bracketed IPv6 address (validIPv6), then optionally ':' and a numeric port. An empty
// value is valid (RFC 9112 3.2).
func validHost(h []byte) bool {
	i := 0
	if len(h) > 0 && h[0] == '[' {
		if i = ipLiteralEnd(h); i < 0 {
			return false
		}
	} else {
		// Eight lookups per step, combined with AND and tested once (one
		// branch per eight bytes instead of eight, about three instructions
		// per byte); the byte loop then finds the exact end. ':' is not a
		// reg-name byte.
		for i+8 <= len(h) {
			w := h[i : i+8 : i+8]
			if hostBits[w[0]]&hostBits[w[1]]&hostBits[w[2]]&hostBits[w[3]]&
				hostBits[w[4]]&hostBits[w[5]]&hostBits[w[6]]&hostBits[w[7]] == 0 {
				break
			}
			i += 8
		}
		for i < len(h) && hostBits[h[i]] != 0 {
			i++
		}
	}
	if i == len(h) {
		return true
	}
	if h[i] != ':' {
		return false
	}
	return validPort(h, i+1)
}

// validPort reports whether h[i:], the port after a Host's colon, is all
// digits (possibly none). A port of at most eight digits in an h of at
// least eight bytes is tested as one 64-bit word: the eight bytes that end
// h, those before the port replaced by '0', are all digits when every high
// nibble is 3 and adding 6 to each byte leaves it so (no low nibble above
// 9). That is about a third of a byte loop's instructions for a usual port.
func validPort(h []byte, i int) bool {
	n := len(h) - i
	if n <= 0 {
		return true
	}
	if n <= 8 && len(h) >= 8 {
		const hi, zeros, six = 0xf0f0f0f0f0f0f0f0, 0x3030303030303030, 0x0606060606060606
		// The port is the word's top n bytes; m covers the others. With n
		// in 1..8 the variable shift stays below 64 (the mask tells the
		// compiler so: no guard for larger shifts).
		m := ^uint64(0) >> (uint(8*(n-1)) & 63) >> 8
		w := binary.LittleEndian.Uint64(h[len(h)-8:])&^m | zeros&m
		return w&hi == zeros && (w+six)&hi == zeros
	}
	for _, c := range h[i:] {
		if c-'0' > 9 {
			return false
		}
	}
	return true
}

// ipLiteralEnd returns the index just past the "]" of the IP literal h
// starts with, or -1 if it is unclosed or not an IPv6 address. Kept out of
// validHost so the common path, a name, stays lean.
func ipLiteralEnd(h []byte) int {
	end := bytes.IndexByte(h, ']')
	if end < 0 || !validIPv6(h[1:end]) {
		return -1
	}
	return end + 1
}

// validAuthority checks an authority-form target: a non-empty host and a
// port after the last colon.
func validAuthority(t []byte) bool {
	if !validHost(t) {
		return false
	}
	colon := -1
	for i := len(t) - 1; i >= 0; i-- {
		if t[i] == ':' {
			colon = i
			break
		}
		if t[i] == ']' {
			break
		}
	}
	return colon > 0 && colon < len(t)-1
}
