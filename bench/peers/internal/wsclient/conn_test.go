package wsclient

import (
	"bufio"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"net"
	"strings"
	"testing"
)

// serverFrame builds an unmasked frame as a server sends it.
func serverFrame(fin bool, rsv, op byte, p []byte) []byte {
	b := AppendFrame(nil, fin, rsv, op, [4]byte{}, p) // a zero key masks nothing
	b[1] &^= 0x80                                     // clear the mask bit...
	i := 2
	switch b[1] & 0x7f {
	case 126:
		i = 4
	case 127:
		i = 10
	}
	return append(b[:i:i], b[i+4:]...) // ...and drop the key
}

func TestAppendFrameMasksAndEncodesLengths(t *testing.T) {
	key := [4]byte{0x11, 0x22, 0x33, 0x44}
	for _, n := range []int{0, 1, 7, 8, 125, 126, 65535, 65536, 70000} {
		p := bytes.Repeat([]byte("abcdefghij"), n/10+1)[:n]
		b := AppendFrame(nil, true, RSV1, OpBinary, key, p)
		if b[0] != 0x80|RSV1|OpBinary || b[1]&0x80 == 0 {
			t.Fatalf("n=%d: first bytes %#x %#x", n, b[0], b[1])
		}
		var hdr, got int
		switch l := int(b[1] & 0x7f); {
		case l < 126:
			hdr, got = 2, l
		case l == 126:
			hdr, got = 4, int(binary.BigEndian.Uint16(b[2:]))
		default:
			hdr, got = 10, int(binary.BigEndian.Uint64(b[2:]))
		}
		if got != n || len(b) != hdr+4+n {
			t.Fatalf("n=%d: encoded length %d, frame %d bytes", n, got, len(b))
		}
		body := b[hdr+4:]
		for i := range body {
			body[i] ^= key[i%4]
		}
		if !bytes.Equal(body, p) {
			t.Fatalf("n=%d: payload does not unmask to the input", n)
		}
	}
}

// pipeConn is a Conn reading what the test writes into the other end of a pipe.
func pipeConn(t *testing.T, input []byte) *Conn {
	t.Helper()
	client, server := net.Pipe()
	t.Cleanup(func() { client.Close(); server.Close() })
	go func() {
		for i := 0; i < len(input); i += 5 { // in small pieces
			if _, err := server.Write(input[i:min(i+5, len(input))]); err != nil {
				return
			}
		}
		server.Close()
	}()
	return &Conn{nc: client, br: bufio.NewReader(client)}
}

func TestReadMessage(t *testing.T) {
	long := bytes.Repeat([]byte("x"), 70000)
	cases := []struct {
		name    string
		in      [][]byte
		op, rsv byte
		want    string
		err     string
	}{
		{name: "text", in: [][]byte{serverFrame(true, 0, OpText, []byte("hi"))}, op: OpText, want: "hi"},
		{name: "compressed bit kept", in: [][]byte{serverFrame(true, RSV1, OpBinary, []byte{1})}, op: OpBinary, rsv: RSV1, want: "\x01"},
		{name: "64-bit length", in: [][]byte{serverFrame(true, 0, OpBinary, long)}, op: OpBinary, want: string(long)},
		{name: "fragments with a pong between", in: [][]byte{serverFrame(false, 0, OpText, []byte("ab")),
			serverFrame(true, 0, OpPong, nil), serverFrame(true, 0, OpContinuation, []byte("cd"))}, op: OpText, want: "abcd"},
		{name: "close", in: [][]byte{serverFrame(true, 0, OpClose, ClosePayload(1002, "no"))}, err: "closed with 1002"},
		{name: "empty close", in: [][]byte{serverFrame(true, 0, OpClose, nil)}, err: "closed with 1005"},
		{name: "masked", in: [][]byte{AppendFrame(nil, true, 0, OpText, [4]byte{1, 2, 3, 4}, []byte("x"))}, err: "masked"},
		{name: "cut", in: [][]byte{serverFrame(true, 0, OpText, []byte("hello"))[:4]}, err: "EOF"},
	}
	for _, c := range cases {
		c2 := pipeConn(t, bytes.Join(c.in, nil))
		op, rsv, p, err := c2.ReadMessage()
		switch {
		case c.err != "":
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: error %v, want one containing %q", c.name, err, c.err)
			}
		case err != nil:
			t.Errorf("%s: %v", c.name, err)
		case op != c.op || rsv != c.rsv || string(p) != c.want:
			t.Errorf("%s: got op %d rsv %#x %.20q, want op %d rsv %#x %.20q", c.name, op, rsv, p, c.op, c.rsv, c.want)
		}
	}
}

func TestReadFrameRefusesHugeLength(t *testing.T) {
	b := []byte{0x82, 127}
	b = binary.BigEndian.AppendUint64(b, MaxPayload+1)
	if _, err := pipeConn(t, b).ReadFrame(); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
}

func TestInflateKeepsContext(t *testing.T) {
	// A server with context takeover: one compressor for both messages, each flushed and its
	// 00 00 ff ff removed; the second refers back to the first.
	var buf bytes.Buffer
	w, _ := flate.NewWriter(&buf, flate.BestCompression)
	msgs := []string{strings.Repeat("context takeover ", 50), strings.Repeat("context takeover ", 50) + "!"}
	var inf Inflater
	for i, m := range msgs {
		buf.Reset()
		w.Write([]byte(m))
		w.Flush()
		got, err := inf.Inflate(bytes.TrimSuffix(buf.Bytes(), []byte{0, 0, 0xff, 0xff}), 1<<20)
		if err != nil || string(got) != m {
			t.Fatalf("message %d: %v, got %.30q", i, err, got)
		}
	}
	// A fresh Inflater cannot read the second message: the test above did test context.
	buf.Reset()
	w.Write([]byte(msgs[1]))
	w.Flush()
	if got, err := (&Inflater{}).Inflate(bytes.TrimSuffix(buf.Bytes(), []byte{0, 0, 0xff, 0xff}), 1<<20); err == nil && string(got) == msgs[1] {
		t.Fatal("the third message inflated without its window; the case does not exercise context")
	}
}

func TestCompressRoundTripAndLimit(t *testing.T) {
	p := bytes.Repeat([]byte("abc"), 1000)
	var inf Inflater
	got, err := inf.Inflate(Compress(p), len(p))
	if err != nil || !bytes.Equal(got, p) {
		t.Fatalf("round trip: %v", err)
	}
	if _, err := (&Inflater{}).Inflate(Compress(p), len(p)-1); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("over the limit: err = %v, want ErrTooLarge", err)
	}
	if _, err := (&Inflater{}).Inflate([]byte{0xff, 0xff, 0xff}, 100); !errors.Is(err, ErrInflate) {
		t.Fatalf("garbage: err = %v, want ErrInflate", err)
	}
}

func TestExtensionAnswers(t *testing.T) {
	cases := []struct {
		answer string
		has    bool
		params map[string]string
	}{
		{"", false, nil},
		{"x-webkit-deflate-frame", false, nil},
		{"permessage-deflate", true, map[string]string{}},
		{"foo, permessage-deflate; server_no_context_takeover; client_max_window_bits=\"12\"", true,
			map[string]string{"server_no_context_takeover": "", "client_max_window_bits": "12"}},
	}
	for _, c := range cases {
		if got := HasDeflate(c.answer); got != c.has {
			t.Errorf("HasDeflate(%q) = %v", c.answer, got)
		}
		m, ok := extParams(c.answer)
		if ok != c.has || len(m) != len(c.params) {
			t.Errorf("extParams(%q) = %v, %v", c.answer, m, ok)
		}
		for k, v := range c.params {
			if m[k] != v {
				t.Errorf("extParams(%q)[%q] = %q, want %q", c.answer, k, m[k], v)
			}
		}
	}
}

func TestAcceptKey(t *testing.T) {
	// RFC 6455 section 1.3's example.
	if got := AcceptKey("dGhlIHNhbXBsZSBub25jZQ=="); got != "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" {
		t.Fatalf("AcceptKey = %q", got)
	}
}
