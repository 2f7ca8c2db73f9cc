package ws

import (
	"bytes"
	"compress/flate"
	"fmt"
	"io"
	"strings"
	"testing"
	"unicode/utf8"
)

// deflateStream compresses msgs as role r would send them (text frames).
func deflateStream(p DeflateParams, r Role, msgs []string) string {
	d := NewDeflater(p, r)
	var out []byte
	for _, m := range msgs {
		op := opFor(m)
		if r == RoleClient {
			out = d.AppendMaskedFrame(out, op, []byte(m), NewMaskKey())
		} else {
			out = d.AppendFrame(out, op, []byte(m))
		}
	}
	return string(out)
}

// opFor sends UTF-8 as text, anything else as binary.
func opFor(s string) Op {
	if utf8.ValidString(s) {
		return OpText
	}
	return OpBinary
}

func textMsgs(ss []string) []msg {
	var ms []msg
	for _, s := range ss {
		ms = append(ms, msg{opFor(s), s})
	}
	return ms
}

// TestDeflateRoundTrip sends every case's messages compressed, client to
// server and server to client, whole and cut at a sample of bytes.
func TestDeflateRoundTrip(t *testing.T) {
	for _, c := range deflateCases {
		for _, sender := range []Role{RoleClient, RoleServer} {
			reader := RoleServer
			if sender == RoleServer {
				reader = RoleClient
			}
			in := deflateStream(c.params, sender, c.msgs)
			name := fmt.Sprintf("%s (sender %d)", c.name, sender)
			p := Parser{Role: reader, Inflater: NewInflater(c.params, reader)}
			got, err := feedPieces(t, &p, in)
			checkMessages(t, name, got, err, textMsgs(c.msgs), nil)
			for k := 1; k < len(in); k += len(in)/12 + 1 {
				p := Parser{Role: reader, Inflater: NewInflater(c.params, reader)}
				got, err := feedPieces(t, &p, in[:k], in[k:])
				checkMessages(t, fmt.Sprintf("%s cut at %d", name, k), got, err, textMsgs(c.msgs), nil)
			}
		}
	}
}

// TestDeflateContextTakeover checks that context takeover is used when
// negotiated (a repeated message shrinks) and not used when not.
func TestDeflateContextTakeover(t *testing.T) {
	m := []byte(strings.Repeat("context takeover makes this cheap ", 20))
	for _, tt := range []struct {
		p      DeflateParams
		shrink bool
	}{
		{DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}, true},
		{DeflateParams{ServerNoContextTakeover: true, ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}, false},
		{DeflateParams{ServerMaxWindowBits: 10, ClientMaxWindowBits: 15}, false},
	} {
		d := NewDeflater(tt.p, RoleServer)
		first := len(d.AppendFrame(nil, OpText, m))
		second := len(d.AppendFrame(nil, OpText, m))
		if (second < first/2) != tt.shrink {
			t.Errorf("%+v: first %d bytes, second %d", tt.p, first, second)
		}
	}
}

// TestInflateReference decompresses what compress/flate itself writes, with
// context takeover across messages (a shared writer flushed per message).
func TestInflateReference(t *testing.T) {
	var buf bytes.Buffer
	fw, _ := flate.NewWriter(&buf, flate.BestCompression)
	f := NewInflater(DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}, RoleClient)
	for i, m := range deflateMessages {
		buf.Reset()
		_, _ = fw.Write([]byte(m))
		_ = fw.Flush()
		z := bytes.TrimSuffix(buf.Bytes(), []byte{0, 0, 0xff, 0xff})
		out, err := f.inflate(z, 1<<20, false)
		if err != nil || string(out) != m {
			t.Fatalf("message %d: %v, %d bytes, want %d", i, err, len(out), len(m))
		}
	}
}

// TestDeflateOutputIsStandard decompresses the Deflater's messages with a
// plain compress/flate reader over the whole stream.
func TestDeflateOutputIsStandard(t *testing.T) {
	for _, c := range deflateCases {
		d := NewDeflater(c.params, RoleServer)
		var stream []byte
		for _, m := range c.msgs {
			stream = append(d.compress(stream, []byte(m)), 0, 0, 0xff, 0xff)
		}
		stream = append(stream, 1, 0, 0, 0xff, 0xff)
		out, err := io.ReadAll(flate.NewReader(bytes.NewReader(stream)))
		if err != nil || string(out) != strings.Join(c.msgs, "") {
			t.Fatalf("%s: %v (%d bytes)", c.name, err, len(out))
		}
	}
}

var p15Client = DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}

// deflateErrorCases fail with the close code of the error.
func TestDeflateErrors(t *testing.T) {
	compressed := deflateStream(p15Client, RoleClient, []string{"hello"})
	bomb := func() string {
		d := NewDeflater(p15Client, RoleClient)
		return string(d.AppendMaskedFrame(nil, OpBinary, make([]byte, 8<<20), testKey))
	}()
	tests := []struct {
		name   string
		in     string
		max    int
		want   []msg
		err    *Error
		noInfl bool
	}{
		{name: "rsv1 without deflate", in: compressed, noInfl: true, err: ErrReservedBits},
		{name: "rsv1 on continuation", in: cf(OpText, false, "a") + rsv(cf(OpContinuation, true, "b"), 0x40), err: ErrReservedBits},
		{name: "rsv1 on ping", in: rsv(cf(OpPing, true, ""), 0x40), err: ErrReservedBits},
		{name: "rsv2 with deflate", in: rsv(cf(OpText, true, ""), 0x20), err: ErrReservedBits},
		{name: "uncompressed message passes", in: cf(OpText, true, "plain") + compressed, want: []msg{{OpText, "plain"}, {OpText, "hello"}}},
		{name: "compressed fragmented", in: rsv(cf(OpText, false, compressedPayload("fragmented")[:3]), 0x40) + cf(OpPing, true, "p") +
			cf(OpContinuation, true, compressedPayload("fragmented")[3:]), want: []msg{{OpPing, "p"}, {OpText, "fragmented"}}},
		{name: "garbage", in: rsv(cf(OpBinary, true, "\xff\xff\xff\xff"), 0x40), err: ErrBadCompressedData},
		{name: "final block then garbage", in: rsv(cf(OpBinary, true, "\x03\x00junk"), 0x40), err: ErrBadCompressedData},
		{name: "compressed invalid utf-8", in: rsv(cf(OpText, true, compressedPayload("\xff")), 0x40), err: ErrInvalidUTF8},
		{name: "compressed text invalid at its start", in: rsv(cf(OpText, true, compressedPayload("\xff"+strings.Repeat("a", 1<<20))), 0x40), err: ErrInvalidUTF8},
		{name: "compressed text truncated sequence", in: rsv(cf(OpText, true, compressedPayload("abc\xe2\x82")), 0x40), err: ErrInvalidUTF8},
		{name: "zip bomb", in: bomb, max: 1 << 20, err: ErrDecompressedTooBig},
		{name: "zip bomb under the limit", in: bomb, max: 9 << 20, want: []msg{{OpBinary, string(make([]byte, 8<<20))}}},
	}
	for _, tt := range tests {
		p := Parser{MaxMessage: tt.max}
		if !tt.noInfl {
			p.Inflater = NewInflater(p15Client, RoleServer)
		}
		got, err := feedPieces(t, &p, tt.in)
		checkMessages(t, tt.name, got, err, tt.want, tt.err)
		if tt.err == ErrDecompressedTooBig && cap(p.Inflater.out) > tt.max+1 {
			t.Fatalf("%s: output buffer grew to %d bytes, limit %d", tt.name, cap(p.Inflater.out), tt.max)
		}
		if tt.err == ErrInvalidUTF8 && cap(p.Inflater.out) > 64<<10 {
			t.Fatalf("%s: decompressed %d bytes of an invalid text", tt.name, cap(p.Inflater.out))
		}
	}
}

// compressedPayload is s compressed without context, trailer removed.
func compressedPayload(s string) string {
	d := NewDeflater(DeflateParams{ClientNoContextTakeover: true}, RoleClient)
	return string(d.compress(nil, []byte(s)))
}

// TestNoContextTakeoverHoldsNothing checks that without context takeover
// neither end keeps compress/flate's state between messages.
func TestNoContextTakeoverHoldsNothing(t *testing.T) {
	p := DeflateParams{ServerNoContextTakeover: true, ClientNoContextTakeover: true, ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}
	d := NewDeflater(p, RoleClient)
	pr := Parser{Inflater: NewInflater(p, RoleServer)}
	for _, m := range deflateMessages {
		got, err := feedPieces(t, &pr, string(d.AppendMaskedFrame(nil, opFor(m), []byte(m), testKey)))
		checkMessages(t, "no takeover", got, err, []msg{{opFor(m), m}}, nil)
		if d.fw != nil || pr.Inflater.fr != nil || pr.Inflater.dict != nil {
			t.Fatal("compress/flate state kept between messages")
		}
	}
	// With takeover, both keep it.
	p = DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}
	d = NewDeflater(p, RoleClient)
	pr = Parser{Inflater: NewInflater(p, RoleServer)}
	if _, err := feedPieces(t, &pr, string(d.AppendMaskedFrame(nil, OpText, []byte("x"), testKey))); err != nil {
		t.Fatal(err)
	}
	if d.fw == nil || pr.Inflater.fr == nil || len(pr.Inflater.dict) != 1 {
		t.Fatal("context takeover state not kept")
	}
}
