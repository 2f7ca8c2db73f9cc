package httpcodec

// BodyMode says how a response body is delimited (RFC 9112 6.3).
type BodyMode uint8

const (
	// BodyNone: no body, whatever the framing fields say: the answer to a
	// HEAD request, or a 1xx, 204 or 304 response.
	BodyNone BodyMode = iota
	// BodyLength: exactly ContentLength() bytes (possibly 0).
	BodyLength
	// BodyChunked: a chunked body; decode it with a ChunkedDecoder.
	BodyChunked
	// BodyClose: the body runs until the server closes the connection.
	BodyClose
)

// String returns the mode's name.
func (m BodyMode) String() string {
	switch m {
	case BodyNone:
		return "none"
	case BodyLength:
		return "length"
	case BodyChunked:
		return "chunked"
	case BodyClose:
		return "close"
	}
	return "invalid"
}

// Response is a parsed response head: a view of offsets into the buffer
// given to ResponseParser.Parse, with no copies. Every []byte it returns is
// borrowed from that buffer: valid until the handler returns; copy it to
// keep it. The caller must not modify the returned bytes. Like Request it
// holds a fixed array of field spans, so pool it.
type Response struct {
	buf []byte
	responseHead
	hdr fields
}

type responseHead struct {
	headLen       uint32
	reason        span
	contentLength int64
	status        uint16
	minor         uint8
	mode          BodyMode
	chunked       bool
	keepAlive     bool
}

// Status returns the status code, 100-999.
func (r *Response) Status() int { return int(r.status) }

// Reason returns the reason phrase; empty when the server sent none.
// Borrowed: valid until the handler returns; copy it to keep it.
func (r *Response) Reason() []byte { return r.reason.of(r.buf) }

// Minor returns the HTTP/1.x minor version: 0 or 1.
func (r *Response) Minor() int { return int(r.minor) }

// Header returns the value of the first field named name (ASCII
// case-insensitive), without surrounding whitespace; nil when absent.
// Borrowed: valid until the handler returns; copy it to keep it.
func (r *Response) Header(name string) []byte { return r.hdr.lookup(r.buf, name) }

// NumHeaders returns the number of field lines.
func (r *Response) NumHeaders() int { return r.hdr.n }

// HeaderAt returns the i-th field line in arrival order, repeats kept. It
// panics if i is out of range [0, NumHeaders()).
// Borrowed: valid until the handler returns; copy it to keep it.
func (r *Response) HeaderAt(i int) (name, value []byte) {
	if uint(i) >= uint(r.hdr.n) {
		panic("httpcodec: HeaderAt index out of range")
	}
	f := r.hdr.at(i)
	return f.name.of(r.buf), f.value.of(r.buf)
}

// ContentLength returns the Content-Length, or -1 when there is none.
// With BodyNone it is what the server declared (for HEAD, the length a GET
// would have had), not the length of a body that follows.
func (r *Response) ContentLength() int64 { return r.contentLength }

// Chunked reports "Transfer-Encoding: chunked".
func (r *Response) Chunked() bool { return r.chunked }

// BodyMode says how the body is delimited.
func (r *Response) BodyMode() BodyMode { return r.mode }

// KeepAlive reports whether the connection may carry another request after
// this response's body: HTTP/1.1 unless "Connection: close"; HTTP/1.0 only
// with "Connection: keep-alive". It is false for BodyClose and for 101
// Switching Protocols.
func (r *Response) KeepAlive() bool { return r.keepAlive }

// HeadLen returns the length of the head: the n Parse returned.
func (r *Response) HeadLen() int { return int(r.headLen) }

// Raw returns the whole head, buf[:HeadLen()] of the buffer given to Parse.
// Borrowed: valid until the handler returns; copy it to keep it.
func (r *Response) Raw() []byte { return r.buf[:r.headLen:r.headLen] }

// Rebase points every view at head, which must hold a copy of Raw() (same
// bytes, same offsets). It panics if head is shorter than HeadLen().
func (r *Response) Rebase(head []byte) {
	if len(head) < int(r.headLen) {
		panic("httpcodec: Rebase buffer shorter than the head")
	}
	r.buf = head
}

// Reset empties r, dropping its reference to the buffer.
func (r *Response) Reset() {
	r.buf = nil
	r.responseHead = responseHead{}
	r.hdr.reset()
}
