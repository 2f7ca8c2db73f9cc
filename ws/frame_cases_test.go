package ws

import (
	"strings"
)

// testKey masks every client frame of the tables.
var testKey = [4]byte{0x37, 0xfa, 0x21, 0x3d}

// cf is a client's (masked) frame, sf a server's (unmasked) one.
func cf(op Op, fin bool, payload string) string {
	return string(AppendMaskedFrame(nil, op, fin, []byte(payload), testKey))
}

func sf(op Op, fin bool, payload string) string {
	return string(AppendFrame(nil, op, fin, []byte(payload)))
}

// rsv sets reserved bits (0x40, 0x20, 0x10) on a frame's first byte.
func rsv(frame string, bits byte) string {
	return string([]byte{frame[0] | bits}) + frame[1:]
}

// withOp replaces a frame's op code.
func withOp(frame string, op byte) string {
	return string([]byte{frame[0]&0xf0 | op}) + frame[1:]
}

// closeBody is a close frame's payload.
func closeBody(code int, reason string) string {
	return string([]byte{byte(code >> 8), byte(code)}) + reason
}

// msg is an expected message.
type msg struct {
	op      Op
	payload string
}

// frameCase is one row of the frame table, which feeds the unit test, the
// split-feeding tests (every cut, byte by byte, coalesced with other
// frames), the fuzz seeds, the benchmarks and the allocation test.
type frameCase struct {
	name   string
	in     string
	parser Parser // configuration only
	want   []msg  // the messages, in order, before err
	err    *Error // nil: in parses completely into want
	// failAt, for an error case, is the input length at which the error
	// must already be reported (fail fast); 0 means len(in).
	failAt int
}

var (
	text125   = strings.Repeat("x", 125)
	text126   = strings.Repeat("y", 126)
	text65535 = strings.Repeat("0123456789abcdef", 4096)[:65535]
	text65536 = strings.Repeat("0123456789abcdef", 4096)
	binary256 = func() string {
		b := make([]byte, 256)
		for i := range b {
			b[i] = byte(i)
		}
		return string(b)
	}()
	kosme = "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5" // κόσμε
)

// sizes checks the length encodings: 7-bit, 16-bit and 64-bit.
var frameCases = []frameCase{
	// Autobahn 1: framing.
	{name: "1 text empty", in: cf(OpText, true, ""), want: []msg{{OpText, ""}}},
	{name: "1 text small", in: cf(OpText, true, "Hello"), want: []msg{{OpText, "Hello"}}},
	{name: "1 text 125", in: cf(OpText, true, text125), want: []msg{{OpText, text125}}},
	{name: "1 text 126", in: cf(OpText, true, text126), want: []msg{{OpText, text126}}},
	{name: "1 text 65535", in: cf(OpText, true, text65535), want: []msg{{OpText, text65535}}},
	{name: "1 text 65536", in: cf(OpText, true, text65536), want: []msg{{OpText, text65536}}},
	{name: "1 binary empty", in: cf(OpBinary, true, ""), want: []msg{{OpBinary, ""}}},
	{name: "1 binary 256", in: cf(OpBinary, true, binary256), want: []msg{{OpBinary, binary256}}},
	{name: "1 binary 65536", in: cf(OpBinary, true, text65536), want: []msg{{OpBinary, text65536}}},
	{name: "1 two messages", in: cf(OpText, true, "a") + cf(OpBinary, true, "bc"), want: []msg{{OpText, "a"}, {OpBinary, "bc"}}},
	{name: "1 client reads server frame", in: sf(OpText, true, "Hello"), parser: Parser{Role: RoleClient}, want: []msg{{OpText, "Hello"}}},
	{name: "1 client reads 65536", in: sf(OpBinary, true, text65536), parser: Parser{Role: RoleClient}, want: []msg{{OpBinary, text65536}}},
	{name: "1 unmasked client frame", in: sf(OpText, true, "Hello"), err: ErrUnmasked, failAt: 2},
	{name: "1 masked server frame", in: cf(OpText, true, "Hello"), parser: Parser{Role: RoleClient}, err: ErrMasked, failAt: 2},
	{name: "1 length not minimal 16", in: "\x81\xfe\x00\x05" + string(testKey[:]) + "hello", err: ErrNonMinimalLength, failAt: 8},
	{name: "1 length not minimal 64", in: "\x81\xff\x00\x00\x00\x00\x00\x00\x00\x05" + string(testKey[:]) + "hello", err: ErrNonMinimalLength, failAt: 14},
	{name: "1 length top bit", in: "\x82\xff\x80\x00\x00\x00\x00\x00\x00\x00" + string(testKey[:]), err: ErrLengthOverflow},

	// Autobahn 2: ping and pong.
	{name: "2 ping empty", in: cf(OpPing, true, ""), want: []msg{{OpPing, ""}}},
	{name: "2 ping text", in: cf(OpPing, true, "Hello, world!"), want: []msg{{OpPing, "Hello, world!"}}},
	{name: "2 ping binary 125", in: cf(OpPing, true, binary256[:125]), want: []msg{{OpPing, binary256[:125]}}},
	{name: "2 ping 126", in: cf(OpPing, true, text126), err: ErrControlTooLong, failAt: 2},
	{name: "2 unsolicited pong", in: cf(OpPong, true, "unsolicited"), want: []msg{{OpPong, "unsolicited"}}},
	{name: "2 pong then ping", in: cf(OpPong, true, "x") + cf(OpPing, true, "y"), want: []msg{{OpPong, "x"}, {OpPing, "y"}}},
	{name: "2 ten pings", in: strings.Repeat(cf(OpPing, true, "payload"), 10), want: func() []msg {
		var m []msg
		for range 10 {
			m = append(m, msg{OpPing, "payload"})
		}
		return m
	}()},

	// Autobahn 3: reserved bits.
	{name: "3 rsv1 text", in: rsv(cf(OpText, true, "Hello"), 0x40), err: ErrReservedBits, failAt: 2},
	{name: "3 rsv2 text after text", in: cf(OpText, true, "a") + rsv(cf(OpText, true, "Hello"), 0x20), want: []msg{{OpText, "a"}}, err: ErrReservedBits},
	{name: "3 rsv3 ping", in: rsv(cf(OpPing, true, "Hello"), 0x10), err: ErrReservedBits, failAt: 2},
	{name: "3 rsv all binary", in: rsv(cf(OpBinary, true, "\x00\xff"), 0x70), err: ErrReservedBits, failAt: 2},
	{name: "3 rsv1 close", in: rsv(cf(OpClose, true, ""), 0x40), err: ErrReservedBits, failAt: 2},

	// Autobahn 4: op codes.
	{name: "4 op 3", in: withOp(cf(OpText, true, ""), 3), err: ErrReservedOp, failAt: 2},
	{name: "4 op 4 with payload", in: withOp(cf(OpText, true, "reserved"), 4), err: ErrReservedOp, failAt: 2},
	{name: "4 op 5 after text", in: cf(OpText, true, "a") + withOp(cf(OpText, true, ""), 5), want: []msg{{OpText, "a"}}, err: ErrReservedOp},
	{name: "4 op 7", in: withOp(cf(OpText, true, ""), 7), err: ErrReservedOp, failAt: 2},
	{name: "4 op b", in: withOp(cf(OpPing, true, ""), 0xb), err: ErrReservedOp, failAt: 2},
	{name: "4 op f with payload", in: withOp(cf(OpPing, true, "x"), 0xf), err: ErrReservedOp, failAt: 2},

	// Autobahn 5: fragmentation.
	{name: "5 ping fragmented", in: cf(OpPing, false, "frag1") + cf(OpContinuation, true, "frag2"), err: ErrControlFragmented, failAt: 2},
	{name: "5 pong fragmented", in: cf(OpPong, false, "frag1"), err: ErrControlFragmented, failAt: 2},
	{name: "5 text in two", in: cf(OpText, false, "frag") + cf(OpContinuation, true, "ment"), want: []msg{{OpText, "fragment"}}},
	{name: "5 binary in three", in: cf(OpBinary, false, "a") + cf(OpContinuation, false, "b") + cf(OpContinuation, true, "c"), want: []msg{{OpBinary, "abc"}}},
	{name: "5 ping between fragments", in: cf(OpText, false, "frag") + cf(OpPing, true, "p") + cf(OpContinuation, true, "ment"),
		want: []msg{{OpPing, "p"}, {OpText, "fragment"}}},
	{name: "5 pong and ping between fragments", in: cf(OpText, false, "a") + cf(OpPong, true, "") + cf(OpContinuation, false, "b") +
		cf(OpPing, true, "q") + cf(OpContinuation, true, "c"), want: []msg{{OpPong, ""}, {OpPing, "q"}, {OpText, "abc"}}},
	{name: "5 close between fragments", in: cf(OpText, false, "a") + cf(OpClose, true, closeBody(1000, "")),
		want: []msg{{OpClose, closeBody(1000, "")}}},
	{name: "5 empty fragments", in: cf(OpText, false, "") + cf(OpContinuation, false, "") + cf(OpContinuation, true, ""), want: []msg{{OpText, ""}}},
	{name: "5 many small fragments", in: func() string {
		s := cf(OpText, false, "0")
		for i := 1; i < 99; i++ {
			s += cf(OpContinuation, false, string(rune('0'+i%10)))
		}
		return s + cf(OpContinuation, true, "9")
	}(), want: []msg{{OpText, strings.Repeat("0123456789", 10)}}},
	{name: "5 continuation without start", in: cf(OpContinuation, true, "x"), err: ErrUnexpectedContinue, failAt: 2},
	{name: "5 continuation not final without start", in: cf(OpContinuation, false, "x"), err: ErrUnexpectedContinue, failAt: 2},
	{name: "5 continuation after complete message", in: cf(OpText, true, "a") + cf(OpContinuation, true, "b"), want: []msg{{OpText, "a"}}, err: ErrUnexpectedContinue},
	{name: "5 text inside fragmented text", in: cf(OpText, false, "a") + cf(OpText, true, "b"), err: ErrExpectedContinue},
	{name: "5 binary inside fragmented text", in: cf(OpText, false, "a") + cf(OpBinary, false, "b"), err: ErrExpectedContinue},

	// Autobahn 6: UTF-8.
	{name: "6 valid kosme", in: cf(OpText, true, kosme), want: []msg{{OpText, kosme}}},
	{name: "6 kosme per code point", in: cf(OpText, false, kosme[:2]) + cf(OpContinuation, false, kosme[2:5]) + cf(OpContinuation, true, kosme[5:]),
		want: []msg{{OpText, kosme}}},
	{name: "6 kosme cut inside code points", in: cf(OpText, false, kosme[:1]) + cf(OpContinuation, false, kosme[1:3]) + cf(OpContinuation, false, kosme[3:4]) +
		cf(OpContinuation, true, kosme[4:]), want: []msg{{OpText, kosme}}},
	{name: "6 max code point", in: cf(OpText, true, "\xf4\x8f\xbf\xbf"), want: []msg{{OpText, "\xf4\x8f\xbf\xbf"}}},
	{name: "6 every boundary char", in: cf(OpText, true, "\x7f\xc2\x80\xdf\xbf\xe0\xa0\x80\xef\xbf\xbf\xf0\x90\x80\x80"),
		want: []msg{{OpText, "\x7f\xc2\x80\xdf\xbf\xe0\xa0\x80\xef\xbf\xbf\xf0\x90\x80\x80"}}},
	{name: "6 binary need not be utf-8", in: cf(OpBinary, true, "\xff\xfe"), want: []msg{{OpBinary, "\xff\xfe"}}},
	{name: "6 overlong", in: cf(OpText, true, "\xc0\x80"), err: ErrInvalidUTF8},
	{name: "6 surrogate", in: cf(OpText, true, "a\xed\xa0\x80"), err: ErrInvalidUTF8},
	{name: "6 above max", in: cf(OpText, true, "\xf4\x90\x80\x80"), err: ErrInvalidUTF8},
	{name: "6 f5", in: cf(OpText, true, "\xf5"), err: ErrInvalidUTF8},
	{name: "6 truncated at end", in: cf(OpText, true, "ab\xce"), err: ErrInvalidUTF8},
	{name: "6 truncated at end of fragments", in: cf(OpText, false, "ab") + cf(OpContinuation, true, "\xe1\xbd"), err: ErrInvalidUTF8},
	{name: "6 fail fast in first fragment", in: cf(OpText, false, kosme+"\xf4\x90\x80\x80") + cf(OpContinuation, true, "edited"),
		err: ErrInvalidUTF8, failAt: 6 + len(kosme) + 2},
	{name: "6 fail fast across fragments", in: cf(OpText, false, kosme+"\xf4") + cf(OpContinuation, false, "\x90\x80\x80") + cf(OpContinuation, true, "x"),
		err: ErrInvalidUTF8, failAt: 6 + len(kosme) + 1 + 6 + 1},
	{name: "6 invalid in continuation", in: cf(OpText, false, "ok") + cf(OpContinuation, true, "\xff"), err: ErrInvalidUTF8},

	// Autobahn 7: close.
	{name: "7 close empty", in: cf(OpClose, true, ""), want: []msg{{OpClose, ""}}},
	{name: "7 close normal", in: cf(OpClose, true, closeBody(1000, "")), want: []msg{{OpClose, closeBody(1000, "")}}},
	{name: "7 close with reason", in: cf(OpClose, true, closeBody(1001, "bye "+kosme)), want: []msg{{OpClose, closeBody(1001, "bye "+kosme)}}},
	{name: "7 close 125", in: cf(OpClose, true, closeBody(1000, text125[:123])), want: []msg{{OpClose, closeBody(1000, text125[:123])}}},
	{name: "7 close 126", in: cf(OpClose, true, closeBody(1000, text125[:124])), err: ErrControlTooLong, failAt: 2},
	{name: "7 close one byte", in: cf(OpClose, true, "\x03"), err: ErrCloseLength},
	{name: "7 close bad utf-8 reason", in: cf(OpClose, true, closeBody(1000, "\xce\xba\xe1\xbd")), err: ErrCloseReason},
	{name: "7 data after close is discarded", in: cf(OpClose, true, closeBody(1000, "")) + cf(OpText, true, "late") + "\xff\xff",
		want: []msg{{OpClose, closeBody(1000, "")}}},
	{name: "7 close after text", in: cf(OpText, true, "a") + cf(OpClose, true, closeBody(1000, "")), want: []msg{{OpText, "a"}, {OpClose, closeBody(1000, "")}}},
}

// closeCodes are Autobahn 7.7 (valid) and 7.9 (invalid) codes.
var (
	validCloseCodes   = []int{1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999}
	invalidCloseCodes = []int{0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535}
)

func init() {
	for _, c := range validCloseCodes {
		frameCases = append(frameCases, frameCase{name: "7 close code valid " + itoa(c),
			in: cf(OpClose, true, closeBody(c, "")), want: []msg{{OpClose, closeBody(c, "")}}})
	}
	for _, c := range invalidCloseCodes {
		frameCases = append(frameCases, frameCase{name: "7 close code invalid " + itoa(c),
			in: cf(OpClose, true, closeBody(c, "")), err: ErrCloseCode})
	}
	limited := Parser{MaxMessage: 100}
	frameCases = append(frameCases,
		// Autobahn 9: limits, checked on the header.
		frameCase{name: "9 message at limit", in: cf(OpBinary, true, text125[:100]), parser: limited, want: []msg{{OpBinary, text125[:100]}}},
		frameCase{name: "9 message over limit", in: cf(OpBinary, true, text125[:101]), parser: limited, err: ErrMessageTooBig, failAt: 6},
		frameCase{name: "9 fragments over limit", in: cf(OpText, false, text125[:60]) + cf(OpContinuation, true, text125[:60]), parser: limited,
			err: ErrMessageTooBig, failAt: 6 + 60 + 6},
		frameCase{name: "9 frame over frame limit", in: cf(OpText, false, text125[:60]), parser: Parser{MaxFrame: 50}, err: ErrFrameTooBig, failAt: 6},
		frameCase{name: "9 huge 64-bit length", in: "\x82\xff\x00\x00\x00\x01\x00\x00\x00\x00" + string(testKey[:]), err: ErrMessageTooBig},
		frameCase{name: "9 control frames ignore the limit", in: cf(OpPing, true, text125), parser: limited, want: []msg{{OpPing, text125}}},
		frameCase{name: "9 binary rejected", in: cf(OpBinary, true, "x"), parser: Parser{RejectBinary: true}, err: ErrUnsupportedData, failAt: 2},
		frameCase{name: "9 text rejected", in: cf(OpText, false, "x"), parser: Parser{RejectText: true}, err: ErrUnsupportedData, failAt: 2},
	)
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	s := ""
	for ; i > 0; i /= 10 {
		s = string(rune('0'+i%10)) + s
	}
	return s
}
