package httpcodec

// TargetForm is the form of a request-target (RFC 9112 3.2).
type TargetForm uint8

const (
	OriginForm    TargetForm = iota // "/path?query"
	AbsoluteForm                    // "http://host/path?query" (proxies)
	AuthorityForm                   // "host:port", CONNECT only
	AsteriskForm                    // "*", OPTIONS only
)

// Request is a parsed request head: a view of offsets into the buffer given
// to RequestParser.Parse, with no copies. Every []byte it returns is borrowed
// from that buffer: valid until the handler returns; copy it to keep it. The
// caller must not modify the returned bytes.
//
// A Request holds a fixed array of DefaultMaxHeaders field spans (about
// 1.6 KiB), so it is meant to be pooled (one per loop, or per pipeline
// slot), not held by idle connections. The zero value is an empty request
// ready for Parse.
type Request struct {
	buf []byte
	requestHead
	hdr fields
	// fs is parseFast's framing state for finish, in r rather than on
	// its stack so that a head without framing fields never clears it:
	// parseFast clears it at a head's first framing field.
	fs fieldState
}

// requestHead holds the scalar part of a Request, so that resetting it
// between requests clears about 80 bytes instead of the whole field array.
type requestHead struct {
	headLen uint32

	method, target, path, query span
	host, upgrade               span

	contentLength int64
	minor         uint8
	form          TargetForm

	hasQuery       bool
	plainPath      bool // the target up to its query holds no '%' and no '.'
	hasHost        bool
	chunked        bool
	keepAlive      bool
	expectContinue bool
	hasUpgrade     bool
}

var slash = []byte("/")

// Method returns the method, case-sensitive as sent ("GET").
// Borrowed: valid until the handler returns; copy it to keep it.
func (r *Request) Method() []byte { return r.method.of(r.buf) }

// Target returns the request-target as sent.
// Borrowed: valid until the handler returns; copy it to keep it.
func (r *Request) Target() []byte { return r.target.of(r.buf) }

// Form returns the form of the request-target.
func (r *Request) Form() TargetForm { return r.form }

// Path returns the path of the target, without the query: for origin-form
// the path as sent; for absolute-form the path part ("/" when the URI has
// none); "*" for asterisk-form; the authority ("host:port") for CONNECT.
// It is not percent-decoded or normalised.
// Borrowed: valid until the handler returns; copy it to keep it.
func (r *Request) Path() []byte {
	if r.path.len == 0 && r.form == AbsoluteForm {
		return slash[:1:1]
	}
	return r.path.of(r.buf)
}

// PlainPath reports whether Path holds neither '%' nor '.': nothing to
// percent-decode and no dot segment, so a router may use it as it is. It
// is found while the parser checks the target, which saves routers a scan
// of the path. False means "look": it is false for a target with such a
// byte anywhere before its query (an absolute-form authority's dots too)
// and for a Request that Parse did not fill.
func (r *Request) PlainPath() bool { return r.plainPath }

// RawQuery returns the query without the '?', not decoded; nil when the
// target has no '?', empty when it ends with '?'.
// Borrowed: valid until the handler returns; copy it to keep it.
func (r *Request) RawQuery() []byte {
	if !r.hasQuery {
		return nil
	}
	return r.query.of(r.buf)
}

// Minor returns the HTTP/1.x minor version: 0 or 1. A request sent as
// HTTP/1.2 to HTTP/1.9 is read as HTTP/1.1 (RFC 9110 2.5) and reports 1.
func (r *Request) Minor() int { return int(r.minor) }

// Header returns the value of the first field named name (ASCII
// case-insensitive), without surrounding whitespace; nil when absent. It is
// a linear scan comparing lengths first; framing fields have their own
// accessors that cost nothing.
//
// Names match byte for byte apart from ASCII case: '_' and '-' are
// different bytes, so "X_Forwarded_For" never answers for
// "X-Forwarded-For" (Limits.DropUnderscoreHeaders drops such fields
// altogether). The singleton fields Content-Type, Authorization,
// Proxy-Authorization, Range, If-Range, If-Modified-Since,
// If-Unmodified-Since and Max-Forwards (and Host and Content-Length) have
// one value: Parse rejects a repeat with a different value
// (ErrConflictingField), so the first is the only one; an identical repeat
// is accepted. Other fields may repeat: Header returns the first, HeaderAt
// gives them all.
// Borrowed: valid until the handler returns; copy it to keep it.
func (r *Request) Header(name string) []byte { return r.hdr.lookup(r.buf, name) }

// NumHeaders returns the number of field lines.
func (r *Request) NumHeaders() int { return r.hdr.n }

// HeaderAt returns the i-th field line, in arrival order, repeated fields
// kept: the name as sent and the value without surrounding whitespace. It
// panics if i is out of range [0, NumHeaders()).
// Borrowed: valid until the handler returns; copy it to keep it.
func (r *Request) HeaderAt(i int) (name, value []byte) {
	if uint(i) >= uint(r.hdr.n) {
		panic("httpcodec: HeaderAt index out of range")
	}
	f := r.hdr.at(i)
	return f.name.of(r.buf), f.value.of(r.buf)
}

// Host returns the Host field value; nil when there is none (HTTP/1.0 only;
// HTTP/1.1 requires exactly one). For absolute-form targets RFC 9112 3.2.2
// says the target's authority wins; use Target for it.
// Borrowed: valid until the handler returns; copy it to keep it.
func (r *Request) Host() []byte {
	if !r.hasHost {
		return nil
	}
	return r.host.of(r.buf)
}

// ContentLength returns the Content-Length, or -1 when there is none (no
// body, or a chunked body).
func (r *Request) ContentLength() int64 { return r.contentLength }

// Chunked reports whether the body is chunked (Transfer-Encoding: chunked);
// decode it with a ChunkedDecoder.
func (r *Request) Chunked() bool { return r.chunked }

// HasBody reports whether a body follows the head: chunked, or a
// Content-Length above zero.
func (r *Request) HasBody() bool { return r.chunked || r.contentLength > 0 }

// KeepAlive reports whether the connection may carry another request after
// this one: HTTP/1.1 unless "Connection: close"; HTTP/1.0 only with
// "Connection: keep-alive" (and no "close"). An upgrade request is no
// exception: a server that does not switch protocols answers it as the
// ordinary request it also is, and the connection goes on (RFC 9110 7.8).
func (r *Request) KeepAlive() bool { return r.keepAlive }

// Upgrade returns the Upgrade field value when Connection lists "upgrade"
// and the value is not empty; nil otherwise.
// Borrowed: valid until the handler returns; copy it to keep it.
func (r *Request) Upgrade() []byte {
	if !r.hasUpgrade {
		return nil
	}
	return r.upgrade.of(r.buf)
}

// ExpectContinue reports "Expect: 100-continue" on an HTTP/1.1 request (the
// expectation is ignored on HTTP/1.0, as RFC 9110 10.1.1 requires). Any
// other expectation makes Parse fail with ErrExpectation (417).
func (r *Request) ExpectContinue() bool { return r.expectContinue }

// HeadLen returns the length of the head: the n Parse returned.
func (r *Request) HeadLen() int { return int(r.headLen) }

// Raw returns the whole head, buf[:HeadLen()] of the buffer given to Parse,
// including a skipped leading CRLF if there was one.
// Borrowed: valid until the handler returns; copy it to keep it.
func (r *Request) Raw() []byte { return r.buf[:r.headLen:r.headLen] }

// Rebase points every view at head, which must hold a copy of Raw() (same
// bytes, same offsets). Servers use it to detach a request from loop memory
// with one copy into their own arena. It panics if head is shorter than
// HeadLen().
func (r *Request) Rebase(head []byte) {
	if len(head) < int(r.headLen) {
		panic("httpcodec: Rebase buffer shorter than the head")
	}
	r.buf = head
}

// Clone returns a copy of r that owns a copy of the head, valid for as long
// as the caller keeps it. It allocates; the hot path uses Rebase with a
// pooled buffer instead.
func (r *Request) Clone() *Request {
	c := new(Request)
	*c = *r
	r.hdr.clone(&c.hdr)
	c.buf = append([]byte(nil), r.Raw()...)
	return c
}

// Reset empties r, dropping its reference to the buffer. Parse resets r
// itself; call Reset to release the buffer early.
func (r *Request) Reset() {
	r.buf = nil
	r.requestHead = requestHead{}
	r.hdr.reset()
}
