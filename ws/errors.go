package ws

import "strconv"

// Error is a protocol error found in the peer's frames: the connection must
// be failed with a close frame carrying Code (RFC 6455 7.1.7). Every error
// the parser returns is one of the pre-built sentinels below, so the error
// path does not allocate; compare with == or errors.Is.
type Error struct {
	Code   StatusCode // 1002, 1003, 1007 or 1009
	Reason string     // short, lower case, without the "ws: " prefix
	msg    string     // "ws: " + Reason, built once
}

// Error returns "ws: " followed by the reason.
func (e *Error) Error() string {
	if e.msg != "" {
		return e.msg
	}
	return "ws: " + e.Reason
}

func newError(code StatusCode, reason string) *Error {
	return &Error{Code: code, Reason: reason, msg: "ws: " + reason}
}

// Framing errors (close code 1002).
var (
	ErrReservedBits       = newError(StatusProtocolError, "reserved bits set without an extension defining them")
	ErrReservedOp         = newError(StatusProtocolError, "reserved op code")
	ErrControlTooLong     = newError(StatusProtocolError, "control frame payload longer than 125 bytes")
	ErrControlFragmented  = newError(StatusProtocolError, "fragmented control frame")
	ErrUnexpectedContinue = newError(StatusProtocolError, "continuation frame without a message to continue")
	ErrExpectedContinue   = newError(StatusProtocolError, "new data frame inside a fragmented message")
	ErrUnmasked           = newError(StatusProtocolError, "unmasked frame from a client")
	ErrMasked             = newError(StatusProtocolError, "masked frame from a server")
	ErrNonMinimalLength   = newError(StatusProtocolError, "payload length not in its shortest form")
	ErrLengthOverflow     = newError(StatusProtocolError, "64-bit payload length with the top bit set")
	ErrCloseLength        = newError(StatusProtocolError, "close frame payload of one byte")
	ErrCloseCode          = newError(StatusProtocolError, "invalid close code")
	ErrUnsupportedData    = newError(StatusUnsupportedData, "message type not accepted")
	ErrInvalidUTF8        = newError(StatusInvalidPayload, "invalid utf-8 in a text message")
	ErrCloseReason        = newError(StatusInvalidPayload, "close reason is not valid utf-8")
	ErrBadCompressedData  = newError(StatusInvalidPayload, "invalid permessage-deflate data")
	ErrFrameTooBig        = newError(StatusMessageTooBig, "frame larger than the limit")
	ErrMessageTooBig      = newError(StatusMessageTooBig, "message larger than the limit")
	ErrDecompressedTooBig = newError(StatusMessageTooBig, "decompressed message larger than the limit")
)

// CloseError is a close frame's content, as an error: what a connection
// reports once the peer closed it (or once it was closed locally). Code is
// StatusNoStatus for a close frame without a code and StatusAbnormal for a
// connection lost without a close frame.
type CloseError struct {
	Code   StatusCode
	Reason string
}

// Error returns "ws: closed with <code>" and the reason, if any.
func (e *CloseError) Error() string {
	s := "ws: closed with " + strconv.Itoa(int(e.Code))
	if e.Reason != "" {
		s += ": " + e.Reason
	}
	return s
}

// HandshakeError is a failed opening handshake. On the server, Status is
// the HTTP status to answer with (400, 403 or 426) and, when HeaderName is
// not empty, the answer must carry that header field (426 carries
// "Sec-WebSocket-Version: 13", the version this package speaks);
// AppendResponse writes such an answer. On the client, Status is 0: the
// server's response was not a valid acceptance of the request.
//
// Every HandshakeError is one of the pre-built sentinels below; compare
// with ==.
type HandshakeError struct {
	Status                  int
	Reason                  string // short, lower case, without the "ws: " prefix
	HeaderName, HeaderValue string
	msg                     string
}

// Error returns "ws: " followed by the reason.
func (e *HandshakeError) Error() string {
	if e.msg != "" {
		return e.msg
	}
	return "ws: " + e.Reason
}

func newHandshakeError(status int, reason string) *HandshakeError {
	return &HandshakeError{Status: status, Reason: reason, msg: "ws: " + reason}
}

// Server side: the request is not a valid WebSocket opening handshake.
var (
	ErrNotGet       = newHandshakeError(400, "websocket handshake method must be GET")
	ErrNotHTTP11    = newHandshakeError(400, "websocket handshake needs HTTP/1.1")
	ErrBody         = newHandshakeError(400, "websocket handshake with a body")
	ErrNoUpgrade    = newHandshakeError(400, "missing upgrade: websocket")
	ErrNoConnection = newHandshakeError(400, "connection header does not list upgrade")
	ErrBadKey       = newHandshakeError(400, "missing or invalid sec-websocket-key")
	ErrBadVersion   = &HandshakeError{Status: 426, Reason: "unsupported sec-websocket-version, answer 426 with Sec-WebSocket-Version: 13",
		HeaderName: "Sec-WebSocket-Version", HeaderValue: "13",
		msg: "ws: unsupported sec-websocket-version, answer 426 with Sec-WebSocket-Version: 13"}
	ErrOrigin = newHandshakeError(403, "origin not allowed")
)

// Client side: the server's response does not accept the request.
var (
	ErrBadStatus    = newHandshakeError(0, "server did not answer 101 switching protocols")
	ErrBadUpgrade   = newHandshakeError(0, "server response lacks upgrade: websocket or connection: upgrade")
	ErrBadAccept    = newHandshakeError(0, "server sent a wrong sec-websocket-accept")
	ErrBadProtocol  = newHandshakeError(0, "server selected a subprotocol the client did not offer")
	ErrBadExtension = newHandshakeError(0, "server accepted an extension the client did not offer or with invalid parameters")
)
