package ws

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

func TestAppendFrame(t *testing.T) {
	tests := []struct {
		name string
		got  []byte
		want string
	}{
		{"text", AppendFrame(nil, OpText, true, []byte("Hello")), "\x81\x05Hello"},
		{"first fragment", AppendFrame(nil, OpText, false, []byte("Hel")), "\x01\x03Hel"},
		{"continuation", AppendFrame(nil, OpContinuation, true, []byte("lo")), "\x80\x02lo"},
		{"ping", AppendFrame(nil, OpPing, true, []byte("Hello")), "\x89\x05Hello"},
		{"pong", AppendFrame(nil, OpPong, true, nil), "\x8a\x00"},
		{"16-bit length", AppendFrame(nil, OpBinary, true, []byte(text126))[:4], "\x82\x7e\x00\x7e"},
		{"64-bit length", AppendFrame(nil, OpBinary, true, []byte(text65536))[:10], "\x82\x7f\x00\x00\x00\x00\x00\x01\x00\x00"},
		// RFC 6455 5.7's masked example.
		{"masked", AppendMaskedFrame(nil, OpText, true, []byte("Hello"), [4]byte{0x37, 0xfa, 0x21, 0x3d}), "\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58"},
		{"header rsv1", AppendHeader(nil, Header{Fin: true, Rsv1: true, Op: OpText, Length: 3}), "\xc1\x03"},
		{"close", AppendClose(nil, StatusNormal, "bye"), "\x88\x05\x03\xe8bye"},
		{"close without code", AppendClose(nil, 0, "ignored"), "\x88\x00"},
		{"masked close", AppendMaskedClose(nil, StatusGoingAway, "", testKey), cf(OpClose, true, closeBody(1001, ""))},
		{"appends", AppendFrame([]byte("prefix"), OpText, true, []byte("x")), "prefix\x81\x01x"},
		// Into a buffer with room.
		{"with room", AppendFrame(append(make([]byte, 0, 64), "ab"...), OpBinary, true, []byte("xyz")), "ab\x82\x03xyz"},
		{"with room, first fragment", AppendFrame(make([]byte, 0, 16), OpText, false, []byte("Hel")), "\x01\x03Hel"},
		{"with room, empty", AppendFrame(make([]byte, 0, 2), OpPong, true, nil), "\x8a\x00"},
		{"with room, 125 bytes", AppendFrame(make([]byte, 0, 127), OpBinary, true, []byte(text126[:125])), "\x82\x7d" + text126[:125]},
		{"room short by one", AppendFrame(make([]byte, 0, 126), OpBinary, true, []byte(text126[:125])), "\x82\x7d" + text126[:125]},
		{"16-bit length with room", AppendFrame(make([]byte, 0, 300), OpBinary, true, []byte(text126))[:4], "\x82\x7e\x00\x7e"},
	}
	for _, tt := range tests {
		if string(tt.got) != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}

// TestAppendCloseCutsReason checks that a long reason is cut to 123 bytes
// on a UTF-8 boundary, so the frame stays valid.
func TestAppendCloseCutsReason(t *testing.T) {
	for _, reason := range []string{strings.Repeat("a", 200), strings.Repeat("é", 100), "x" + strings.Repeat("€", 60)} {
		f := AppendMaskedClose(nil, StatusNormal, reason, testKey)
		p := Parser{}
		got, err := feedPieces(t, &p, string(f))
		if err != nil || len(got) != 1 {
			t.Fatalf("close with a %d-byte reason: %v", len(reason), err)
		}
		code, r, err := ParseClose([]byte(got[0].payload))
		if err != nil || code != StatusNormal || len(r) > 123 || len(r) < 121 || !strings.HasPrefix(reason, string(r)) {
			t.Fatalf("reason cut to %d bytes %q: %v", len(r), r, err)
		}
	}
}

// TestWriterParserRoundTrip writes messages of every size class, whole and
// fragmented, as a client, and parses them as a server.
func TestWriterParserRoundTrip(t *testing.T) {
	for _, n := range []int{0, 1, 125, 126, 65535, 65536, 100000} {
		payload := bytes.Repeat([]byte("abcdefg"), n/7+1)[:n]
		key := NewMaskKey()
		in := AppendMaskedFrame(nil, OpBinary, true, payload, key)
		frag := AppendMaskedFrame(nil, OpText, false, payload[:n/2], key)
		frag = AppendMaskedFrame(frag, OpPing, true, []byte("p"), key)
		frag = AppendMaskedFrame(frag, OpContinuation, true, payload[n/2:], key)
		p := Parser{}
		got, err := feedPieces(t, &p, string(in), string(frag))
		checkMessages(t, "round trip", got, err, []msg{{OpBinary, string(payload)}, {OpPing, "p"}, {OpText, string(payload)}}, nil)
	}
}

func TestMask(t *testing.T) {
	b := []byte("Hello, world")
	Mask(b[:5], testKey, 0)
	Mask(b[5:], testKey, 5)
	want := AppendMaskedFrame(nil, OpText, true, []byte("Hello, world"), testKey)[6:]
	if !bytes.Equal(b, want) {
		t.Fatalf("Mask with offsets: %x, want %x", b, want)
	}
}

// TestMaskLengths checks Mask against the definition (RFC 6455 5.3), byte
// by byte, at every length around the word loop and the switch to the
// vector code, at every offset phase.
func TestMaskLengths(t *testing.T) {
	key := [4]byte{0x12, 0x34, 0x56, 0x78}
	for n := 0; n <= 2*maskWordsMax+9; n++ {
		for off := 0; off < 8; off++ {
			b := make([]byte, n)
			for i := range b {
				b[i] = byte(i*7 + n)
			}
			want := slices.Clone(b)
			for i := range want {
				want[i] ^= key[(off+i)%4]
			}
			Mask(b, key, off)
			if !bytes.Equal(b, want) {
				t.Fatalf("Mask of %d bytes at offset %d: %x, want %x", n, off, b, want)
			}
		}
	}
}

func TestOpAndStatus(t *testing.T) {
	for op, name := range map[Op]string{OpContinuation: "continuation", OpText: "text", OpBinary: "binary",
		OpClose: "close", OpPing: "ping", OpPong: "pong", 3: "reserved"} {
		if op.String() != name {
			t.Errorf("Op(%d).String() = %q", op, op.String())
		}
	}
	for _, c := range validCloseCodes {
		if !StatusCode(c).Valid() {
			t.Errorf("%d not valid", c)
		}
	}
	for _, c := range invalidCloseCodes {
		if StatusCode(c).Valid() {
			t.Errorf("%d valid", c)
		}
	}
	e := &CloseError{Code: StatusGoingAway, Reason: "shutting down"}
	if e.Error() != "ws: closed with 1001: shutting down" || (&CloseError{Code: StatusNoStatus}).Error() != "ws: closed with 1005" {
		t.Fatalf("CloseError: %q", e.Error())
	}
}
