package ws

import (
	"encoding/binary"
	"unicode/utf8"
)

// ParseClose validates a close frame's payload and returns its code and
// reason. An empty payload is a close without a code: StatusNoStatus and a
// nil reason. A one-byte payload, an invalid code (StatusCode.Valid) or a
// reason that is not UTF-8 is an error carrying the close code to answer
// with. The reason is a sub-slice of payload: borrowed like it.
func ParseClose(payload []byte) (StatusCode, []byte, error) {
	switch {
	case len(payload) == 0:
		return StatusNoStatus, nil, nil
	case len(payload) == 1:
		return 0, nil, ErrCloseLength
	}
	code := StatusCode(binary.BigEndian.Uint16(payload))
	if !code.Valid() {
		return 0, nil, ErrCloseCode
	}
	reason := payload[2:]
	if !utf8.Valid(reason) {
		return 0, nil, ErrCloseReason
	}
	return code, reason, nil
}
