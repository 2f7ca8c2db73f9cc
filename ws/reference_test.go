package ws

import (
	"bytes"
	"encoding/binary"
	"io"
	"testing"
	"unicode/utf8"

	gws "github.com/gobwas/ws"
)

// refParse is a reference parser built on gobwas/ws's header reader and
// checker (ReadHeader, CheckHeader, Cipher) over a blocking reader, plus
// the rules gobwas leaves to its callers. It returns the messages and the
// close code of the first error (0: none; a truncated input is not an
// error). The deliberate differences from gobwas/ws, which refParse
// applies too:
//
//   - a payload length not in its shortest form is 1002 (gobwas accepts);
//   - close codes 1012-1014 (IANA) are valid (gobwas refuses them), codes
//     from 5000 are not (RFC 6455 7.4.2 defines none; gobwas accepts them);
//   - what follows a close frame is discarded;
//   - text is refused (1007) as soon as it can no longer be completed
//     into valid UTF-8, and a header as soon as its first two bytes are
//     refused, without waiting for the rest.
func refParse(in []byte, role Role, max int64) ([]msg, StatusCode) {
	r := bytes.NewReader(in)
	state := gws.StateServerSide
	if role == RoleClient {
		state = gws.StateClientSide
	}
	var (
		msgs  []msg
		cur   []byte
		curOp gws.OpCode
	)
	for r.Len() > 0 {
		start := len(in) - r.Len()
		h, err := gws.ReadHeader(r)
		if err == gws.ErrHeaderLengthMSB {
			return msgs, StatusProtocolError
		}
		if err != nil {
			// A truncated header: its first two bytes alone may fail.
			if part := in[start:]; len(part) >= 2 {
				h := gws.Header{Fin: part[0]&0x80 != 0, Rsv: part[0] >> 4 & 7, OpCode: gws.OpCode(part[0] & 0x0f), Masked: part[1]&0x80 != 0}
				if gws.CheckHeader(h, state) != nil || h.OpCode.IsControl() && part[1]&0x7f > 125 {
					return msgs, StatusProtocolError
				}
			}
			return msgs, 0
		}
		if gws.CheckHeader(h, state) != nil {
			return msgs, StatusProtocolError
		}
		if l := in[start+1] & 0x7f; l == 126 && h.Length < 126 || l == 127 && h.Length <= 0xffff {
			return msgs, StatusProtocolError
		}
		if !h.OpCode.IsControl() {
			if h.OpCode != gws.OpContinuation {
				cur, curOp = nil, h.OpCode
			}
			if int64(len(cur))+h.Length > max {
				return msgs, StatusMessageTooBig
			}
		}
		payload := make([]byte, min(h.Length, int64(r.Len())))
		_, _ = io.ReadFull(r, payload)
		if h.Masked {
			gws.Cipher(payload, h.Mask, 0)
		}
		truncated := int64(len(payload)) < h.Length
		if h.OpCode.IsControl() {
			if truncated {
				return msgs, 0
			}
			if h.OpCode == gws.OpClose {
				if len(payload) == 1 {
					return msgs, StatusProtocolError
				}
				if len(payload) >= 2 {
					code := gws.StatusCode(binary.BigEndian.Uint16(payload))
					reason := string(payload[2:])
					err := gws.CheckCloseFrameData(code, reason)
					switch {
					case code >= 5000:
						return msgs, StatusProtocolError
					case err == gws.ErrProtocolInvalidUTF8:
						return msgs, StatusInvalidPayload
					case err == gws.ErrProtocolStatusCodeUnknown && code >= 1012 && code <= 1014:
						// valid: registered with IANA; gobwas refused the code
						// before it looked at the reason, so check that here
						if !utf8.ValidString(reason) {
							return msgs, StatusInvalidPayload
						}
					case err != nil:
						return msgs, StatusProtocolError
					}
				}
				return append(msgs, msg{OpClose, string(payload)}), 0
			}
			msgs = append(msgs, msg{Op(h.OpCode), string(payload)})
			continue
		}
		cur = append(cur, payload...)
		if curOp == gws.OpText && !canComplete(cur) {
			return msgs, StatusInvalidPayload
		}
		if truncated {
			return msgs, 0
		}
		if h.Fin {
			if curOp == gws.OpText && !utf8.Valid(cur) {
				return msgs, StatusInvalidPayload
			}
			msgs = append(msgs, msg{Op(curOp), string(cur)})
			state = state.Clear(gws.StateFragmented)
		} else {
			state = state.Set(gws.StateFragmented)
		}
	}
	return msgs, 0
}

// agree parses in with Parser and refParse and fails if they differ: the
// same messages and the same close code, or, when both fail, the
// reference's messages are the parser's plus possibly control frames the
// parser never reached.
func agree(t *testing.T, in []byte, role Role, max int) {
	t.Helper()
	want, wantCode := refParse(in, role, int64(max))
	got, err := parseAll(t, Parser{Role: role, MaxMessage: max}, in, len(in))
	var code StatusCode
	if err != nil {
		code = err.(*Error).Code
	}
	if code != wantCode {
		t.Fatalf("close code %d (%v), reference %d, for %q", code, err, wantCode, in)
	}
	if len(got) != len(want) {
		t.Fatalf("%d messages, reference %d, for %q", len(got), len(want), in)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("message %d differs from the reference's for %q", i, in)
		}
	}
}

// TestParserAgreesWithGobwas runs every frame case through the reference.
func TestParserAgreesWithGobwas(t *testing.T) {
	for _, c := range frameCases {
		if c.parser.MaxFrame != 0 || c.parser.RejectText || c.parser.RejectBinary {
			continue // limits gobwas has no counterpart for
		}
		max := c.parser.MaxMessage
		if max == 0 {
			max = DefaultMaxMessage
		}
		agree(t, []byte(c.in), c.parser.Role, max)
		// Truncated anywhere, too.
		for _, k := range cuts(len(c.in)) {
			agree(t, []byte(c.in[:k]), c.parser.Role, max)
		}
	}
}
