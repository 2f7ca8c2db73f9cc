package httpcodec

import "bytes"

// ChunkedDecoder decodes a chunked body (RFC 9112 7.1) incrementally. The
// zero value is ready and uses the default limits. It is 56 bytes and keeps
// no reference to its input between calls, except the trailer view (see
// Trailers).
//
// Framing (chunk-size lines, extensions, CRLFs) is consumed as it arrives,
// even a byte at a time, so a caller never has to hold more than the bytes it has not
// yet passed in. Chunk extensions are validated against the grammar and
// ignored. The trailer section is the exception: it is consumed only once it
// is complete (at most MaxTrailerBytes), so that it can be handed out as one
// view.
//
// Streaming: call Decode with the unconsumed input, pass data on, drop the
// n consumed bytes, repeat until Done. Buffering the whole body up to a
// limit: DecodeAppend. Not safe for concurrent use.
type ChunkedDecoder struct {
	// Limits bounds chunk-size lines (MaxChunkExt) and the trailer section
	// (MaxTrailerBytes, MaxHeaders); nil means the defaults.
	Limits *Limits

	remain  uint64 // data bytes left in the current chunk
	lineLen uint32 // bytes of the current chunk-size line consumed so far
	scanned uint32 // trailer section: bytes searched for its end
	state   chunkState
	digits  bool   // the current chunk-size has at least one digit
	trailer []byte // the trailer field lines, once Done
}

type chunkState uint8

const (
	stSize          chunkState = iota // in the chunk-size digits
	stSizeOWS                         // whitespace after the size: only ";" may follow
	stExtPreName                      // after ";": BWS then a name
	stExtName                         // in an extension name
	stExtPostName                     // whitespace after a name: "=" or ";" must follow
	stExtPreVal                       // after "=": BWS then a token or quoted string
	stExtVal                          // in a token value
	stExtPostVal                      // whitespace after a value: ";" must follow
	stExtQuoted                       // in a quoted-string value
	stExtQuotedEsc                    // after a backslash in a quoted string
	stExtAfterQuote                   // after a quoted string: CR, ";" or OWS
	stSizeLF                          // after the CR ending the chunk-size line
	stData                            // in chunk data
	stDataCR                          // after the data: CR expected
	stDataLF                          // after the data's CR: LF expected
	stTrailer                         // in the trailer section
	stDone                            // the body is complete
)

// Decode consumes framing and data from the start of in and returns a view
// of the next data bytes (a sub-slice of in, never copied) and how many
// bytes of in it consumed, data included. Call it again with in[n:] plus any
// new bytes. data may be empty while framing is consumed; n == 0 with a nil
// error means need more (or, once Done, that the body is over: the bytes
// after it belong to the next message and are not consumed).
//
// data is borrowed from in: valid until the handler returns; copy it to
// keep it. Errors are *Error sentinels: ErrBadChunkSize,
// ErrChunkSizeOverflow, ErrBadChunkExt, ErrChunkLineTooLong, ErrBadChunkEnd,
// ErrTrailerTooLarge, ErrTooManyHeaders or a field-line error in the
// trailers. After an error the decoder must be Reset before reuse.
func (d *ChunkedDecoder) Decode(in []byte) (data []byte, n int, err error) {
	if d.state == stDone {
		return nil, 0, nil
	}
	d.trailer = nil
	maxLine := uint32(d.Limits.maxChunkExt())
	// The framing state lives in locals while the loop runs and is stored
	// back on the way out: kept in registers, a framing byte costs a few
	// instructions instead of a load and store of each field. After an
	// error the decoder must be Reset, so error returns store nothing.
	state, remain, lineLen, digits := d.state, d.remain, d.lineLen, d.digits
	i := 0
	for i < len(in) {
		switch state {
		case stData:
			k := len(in) - i
			if uint64(k) >= remain {
				k = int(remain)
				state = stDataCR
			}
			remain -= uint64(k)
			d.state, d.remain, d.lineLen, d.digits = state, remain, lineLen, digits
			return in[i : i+k : i+k], i + k, nil
		case stTrailer:
			d.state, d.remain, d.lineLen, d.digits = state, remain, lineLen, digits
			end, err := d.trailerEnd(in[i:])
			if err != nil {
				return nil, 0, err
			}
			if end == 0 {
				return nil, i, nil // wait for the whole trailer section
			}
			d.state = stDone
			return nil, i + end, nil
		case stDataCR:
			// The CRLF after the data, both bytes at once when they are here.
			if i+1 < len(in) && in[i] == '\r' && in[i+1] == '\n' {
				i += 2
				state = stSize
				continue
			}
		case stSize:
			// The size digits, in a tight loop.
			for i < len(in) {
				v := hexTable[in[i]]
				if v < 0 {
					break
				}
				i++
				lineLen++
				if lineLen > maxLine {
					return nil, 0, ErrChunkLineTooLong
				}
				if remain > (1<<63-1)>>4 {
					return nil, 0, ErrChunkSizeOverflow
				}
				remain = remain<<4 | uint64(v)
				digits = true
			}
			if i == len(in) {
				continue
			}
		}
		c := in[i]
		i++
		if state <= stSizeLF {
			lineLen++
			if lineLen > maxLine {
				return nil, 0, ErrChunkLineTooLong
			}
		}
		switch state {
		case stSize:
			// c is not a hex digit (the loop above took those).
			if !digits {
				return nil, 0, ErrBadChunkSize
			}
			switch {
			case c == '\r':
				state = stSizeLF
			case c == ';':
				state = stExtPreName
			case isOWS(c):
				state = stSizeOWS
			default:
				return nil, 0, ErrBadChunkSize
			}
		case stSizeOWS:
			if c == ';' {
				state = stExtPreName
			} else if !isOWS(c) {
				return nil, 0, ErrBadChunkSize
			}
		case stExtPreName:
			if tcharTable[c] {
				state = stExtName
			} else if !isOWS(c) {
				return nil, 0, ErrBadChunkExt
			}
		case stExtName:
			switch {
			case tcharTable[c]:
			case c == '\r':
				state = stSizeLF
			case c == ';':
				state = stExtPreName
			case c == '=':
				state = stExtPreVal
			case isOWS(c):
				state = stExtPostName
			default:
				return nil, 0, ErrBadChunkExt
			}
		case stExtPostName:
			switch {
			case c == ';':
				state = stExtPreName
			case c == '=':
				state = stExtPreVal
			case !isOWS(c):
				return nil, 0, ErrBadChunkExt
			}
		case stExtPreVal:
			switch {
			case tcharTable[c]:
				state = stExtVal
			case c == '"':
				state = stExtQuoted
			case !isOWS(c):
				return nil, 0, ErrBadChunkExt
			}
		case stExtVal:
			switch {
			case tcharTable[c]:
			case c == '\r':
				state = stSizeLF
			case c == ';':
				state = stExtPreName
			case isOWS(c):
				state = stExtPostVal
			default:
				return nil, 0, ErrBadChunkExt
			}
		case stExtPostVal:
			if c == ';' {
				state = stExtPreName
			} else if !isOWS(c) {
				return nil, 0, ErrBadChunkExt
			}
		case stExtQuoted:
			switch {
			case c == '"':
				state = stExtAfterQuote
			case c == '\\':
				state = stExtQuotedEsc
			case !valueTable[c]:
				return nil, 0, ErrBadChunkExt
			}
		case stExtAfterQuote:
			switch {
			case c == '\r':
				state = stSizeLF
			case c == ';':
				state = stExtPreName
			case isOWS(c):
				state = stExtPostVal
			default:
				return nil, 0, ErrBadChunkExt
			}
		case stExtQuotedEsc:
			if !valueTable[c] {
				return nil, 0, ErrBadChunkExt
			}
			state = stExtQuoted
		case stSizeLF:
			if c != '\n' {
				return nil, 0, ErrBadChunkSize
			}
			lineLen = 0
			digits = false
			if remain == 0 {
				state = stTrailer
			} else {
				state = stData
			}
		case stDataCR:
			if c != '\r' {
				return nil, 0, ErrBadChunkEnd
			}
			state = stDataLF
		case stDataLF:
			if c != '\n' {
				return nil, 0, ErrBadChunkEnd
			}
			state = stSize
		}
	}
	d.state, d.remain, d.lineLen, d.digits = state, remain, lineLen, digits
	return nil, i, nil
}

// trailerEnd searches in, which starts at the trailer section, for the
// section's end, resuming where the previous call stopped. It returns the
// section's length including the final CRLF, or 0 for need more, and
// validates the field lines once the section is complete.
func (d *ChunkedDecoder) trailerEnd(in []byte) (int, error) {
	max := d.Limits.maxTrailerBytes()
	i := int(d.scanned)
	for {
		j := bytes.IndexByte(in[i:], '\n')
		if j < 0 {
			d.scanned = uint32(len(in))
			if len(in) >= max {
				return 0, ErrTrailerTooLarge
			}
			return 0, nil
		}
		lf := i + j
		if lf == 0 || in[lf-1] != '\r' {
			return 0, ErrBareLF
		}
		if lf+1 > max {
			return 0, ErrTrailerTooLarge
		}
		if lf == 1 || in[lf-2] == '\n' {
			end := lf + 1
			maxFields := d.Limits.maxHeaders()
			count := 0
			for pos := 0; pos < end-2; count++ {
				if count >= maxFields {
					return 0, ErrTooManyHeaders
				}
				_, next, err := parseFieldLine(in[:end], pos)
				if err != nil {
					return 0, err
				}
				pos = next
			}
			d.trailer = in[: end-2 : end-2]
			d.scanned = 0
			return end, nil
		}
		i = lf + 1
	}
}

// hexTable maps a hex digit to its value and any other byte to -1, so the
// size digits cost one load each instead of three range tests.
var hexTable = func() (t [256]int8) {
	for c := range t {
		switch {
		case '0' <= c && c <= '9':
			t[c] = int8(c - '0')
		case 'a' <= c && c <= 'f':
			t[c] = int8(c - 'a' + 10)
		case 'A' <= c && c <= 'F':
			t[c] = int8(c - 'A' + 10)
		default:
			t[c] = -1
		}
	}
	return t
}()

// DecodeAppend decodes as much of in as it can, appending the data to dst:
// the way to buffer a whole body up to a limit. It returns the extended
// slice and how many bytes of in it consumed; call it again with in[n:] plus
// new bytes until Done. If len(out) would exceed max it returns
// ErrBodyTooLarge (413); max <= 0 means no limit. It allocates only when
// dst lacks capacity.
func (d *ChunkedDecoder) DecodeAppend(dst, in []byte, max int) (out []byte, n int, err error) {
	for {
		data, k, err := d.Decode(in[n:])
		if err != nil {
			return dst, n, err
		}
		if max > 0 && len(dst)+len(data) > max {
			return dst, n, ErrBodyTooLarge
		}
		dst = append(dst, data...)
		n += k
		if k == 0 || n == len(in) {
			return dst, n, nil
		}
	}
}

// Done reports whether the last chunk and the trailer section were
// consumed.
func (d *ChunkedDecoder) Done() bool { return d.state == stDone }

// Trailers returns the trailer section once Done: the field lines as sent,
// each ending in CRLF, without the final empty line; empty when there are
// none. It is a view into the input of the last Decode call: valid until
// the next Decode call (and as long as that input); copy it to keep it.
func (d *ChunkedDecoder) Trailers() []byte { return d.trailer }

// Trailer returns the value of the first trailer field named name (ASCII
// case-insensitive), without surrounding whitespace; nil when absent. Same
// lifetime as Trailers.
func (d *ChunkedDecoder) Trailer(name string) []byte {
	t := d.trailer
	for len(t) > 0 {
		f, next, err := parseFieldLine(t, 0)
		if err != nil {
			return nil
		}
		if EqualFold(f.name.of(t), name) {
			return f.value.of(t)
		}
		t = t[next:]
	}
	return nil
}

// Reset makes the decoder ready for a new body, keeping Limits.
func (d *ChunkedDecoder) Reset() {
	*d = ChunkedDecoder{Limits: d.Limits}
}
