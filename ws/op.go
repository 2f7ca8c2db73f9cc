package ws

// Op is a frame's op code (RFC 6455 5.2). Only the six below are defined;
// the parser rejects the others with StatusProtocolError.
type Op byte

// Op codes.
const (
	OpContinuation Op = 0x0
	OpText         Op = 0x1
	OpBinary       Op = 0x2
	OpClose        Op = 0x8
	OpPing         Op = 0x9
	OpPong         Op = 0xa
)

// IsControl reports whether o is a control op code (close, ping, pong, or a
// reserved one from 0xb to 0xf).
func (o Op) IsControl() bool { return o&0x8 != 0 }

// String returns the op code's name ("text", "ping", ...) or "reserved".
func (o Op) String() string {
	switch o {
	case OpContinuation:
		return "continuation"
	case OpText:
		return "text"
	case OpBinary:
		return "binary"
	case OpClose:
		return "close"
	case OpPing:
		return "ping"
	case OpPong:
		return "pong"
	}
	return "reserved"
}

// StatusCode is a close frame's status code (RFC 6455 7.4).
type StatusCode uint16

// Status codes. StatusNoStatus, StatusAbnormal and StatusTLSHandshake are
// never sent in a close frame: they report, locally, a close frame without a
// code, a connection lost without a close frame, and a failed TLS handshake.
const (
	StatusNormal          StatusCode = 1000
	StatusGoingAway       StatusCode = 1001
	StatusProtocolError   StatusCode = 1002
	StatusUnsupportedData StatusCode = 1003
	StatusNoStatus        StatusCode = 1005
	StatusAbnormal        StatusCode = 1006
	StatusInvalidPayload  StatusCode = 1007
	StatusPolicyViolation StatusCode = 1008
	StatusMessageTooBig   StatusCode = 1009
	StatusMandatoryExt    StatusCode = 1010
	StatusInternalError   StatusCode = 1011
	StatusServiceRestart  StatusCode = 1012
	StatusTryAgainLater   StatusCode = 1013
	StatusBadGateway      StatusCode = 1014
	StatusTLSHandshake    StatusCode = 1015
)

// Valid reports whether c may appear in a close frame: the codes RFC 6455
// 7.4.1 defines for the wire (1000-1003, 1007-1011), those the IANA registry
// added since (1012-1014), and the ranges for libraries and applications
// (3000-4999). 1004-1006, 1015, other codes below 3000 and codes from 5000
// are invalid, and a close frame carrying one fails the connection.
func (c StatusCode) Valid() bool {
	switch {
	case c >= 1000 && c <= 1003, c >= 1007 && c <= 1014:
		return true
	case c >= 3000 && c <= 4999:
		return true
	}
	return false
}
