package httpcodec

// Error is a protocol error with the status to answer with. Every error the
// parsers return is one of the pre-built sentinels below, so the error path
// does not allocate; compare with == or errors.Is.
//
// For the response parser and for a client, Status is the status a server
// would have answered for the same defect; a client reports it as a bad
// response (a proxy answers 502).
type Error struct {
	Status int    // 400, 413, 414, 417, 431, 501, 505
	Reason string // short, lower case, without the "httpcodec: " prefix
	msg    string // "httpcodec: " + Reason, built once
}

// Error returns "httpcodec: " followed by the reason.
func (e *Error) Error() string {
	if e.msg != "" {
		return e.msg
	}
	return "httpcodec: " + e.Reason
}

func newError(status int, reason string) *Error {
	return &Error{Status: status, Reason: reason, msg: "httpcodec: " + reason}
}

// Request line and version.
var (
	ErrBadRequestLine      = newError(400, "malformed request line")
	ErrBadMethod           = newError(400, "invalid method")
	ErrBadTarget           = newError(400, "invalid request target")
	ErrBadVersion          = newError(400, "malformed http version")
	ErrVersionNotSupported = newError(505, "http version not supported")
	ErrRequestLineTooLong  = newError(414, "request line too long")
)

// Head syntax and size.
var (
	ErrHeaderTooLarge   = newError(431, "header section too large")
	ErrTooManyHeaders   = newError(431, "too many header fields")
	ErrBareLF           = newError(400, "bare lf line ending")
	ErrBareCR           = newError(400, "bare cr")
	ErrBadHeaderName    = newError(400, "invalid header field name")
	ErrSpaceBeforeColon = newError(400, "whitespace between field name and colon")
	ErrObsFold          = newError(400, "obsolete line folding")
	ErrBadHeaderValue   = newError(400, "invalid character in header field value")
	ErrLeadingEmptyLine = newError(400, "unexpected empty line before the start line")
)

// Framing and semantic headers.
var (
	ErrMissingHost              = newError(400, "missing host header")
	ErrDuplicateHost            = newError(400, "duplicate host header")
	ErrBadHost                  = newError(400, "invalid host header")
	ErrEmptyHost                = newError(400, "empty host header")
	ErrBadContentLength         = newError(400, "invalid content-length")
	ErrConflictingContentLength = newError(400, "conflicting content-length")
	ErrContentLengthWithTE      = newError(400, "content-length with transfer-encoding")
	ErrBadTransferEncoding      = newError(400, "invalid transfer-encoding")
	ErrTENotChunked             = newError(400, "transfer-encoding does not end in chunked")
	ErrUnsupportedTE            = newError(501, "unsupported transfer-encoding")
	ErrExpectation              = newError(417, "unsupported expectation")
	ErrConflictingField         = newError(400, "singleton header field repeated with a different value")
)

// Chunked bodies.
var (
	ErrBadChunkSize      = newError(400, "invalid chunk size")
	ErrChunkSizeOverflow = newError(400, "chunk size overflow")
	ErrBadChunkExt       = newError(400, "invalid chunk extension")
	ErrChunkLineTooLong  = newError(400, "chunk-size line too long")
	ErrBadChunkEnd       = newError(400, "missing crlf after chunk data")
	ErrTrailerTooLarge   = newError(431, "trailer section too large")
	ErrBodyTooLarge      = newError(413, "body too large")
)

// Responses.
var (
	ErrBadStatusLine = newError(400, "malformed status line")
	ErrBadStatusCode = newError(400, "invalid status code")
	// ErrStatusLineTooLong: a status line longer than Limits.MaxRequestLine.
	ErrStatusLineTooLong = newError(400, "status line too long")
)
