package ws

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"unsafe"
)

// fresh returns a copy of s in its own array, so a parser that kept a
// reference to an earlier piece is caught when that piece is scribbled on.
func fresh(s string) []byte {
	b := make([]byte, len(s), len(s)+8)
	copy(b, s)
	return b
}

func scribble(b []byte) {
	for i := range b {
		b[i] = 'Z'
	}
}

// feedPieces feeds the pieces to p in order, each a fresh copy scribbled on
// once fed, as a connection would. It returns the messages (copied) and the
// first error.
func feedPieces(t testing.TB, p *Parser, pieces ...string) ([]msg, error) {
	t.Helper()
	var got []msg
	for _, piece := range pieces {
		b := fresh(piece)
		in := b
		for {
			n, m, err := p.Feed(in)
			if n < 0 || n > len(in) {
				t.Fatalf("Feed consumed %d of %d bytes", n, len(in))
			}
			if err != nil {
				return got, err
			}
			in = in[n:]
			if m.Op == 0 {
				if len(in) != 0 {
					t.Fatalf("Feed needs more with %d bytes unconsumed", len(in))
				}
				break
			}
			got = append(got, msg{m.Op, string(m.Payload)})
		}
		scribble(b)
	}
	return got, nil
}

func checkMessages(t testing.TB, name string, got []msg, err error, want []msg, wantErr *Error) {
	t.Helper()
	if wantErr == nil && err != nil || wantErr != nil && err != wantErr {
		t.Fatalf("%s: err = %v, want %v", name, err, wantErr)
	}
	if len(got) != len(want) {
		t.Fatalf("%s: %d messages %s, want %d %s", name, len(got), short(got), len(want), short(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("%s: message %d = %s, want %s", name, i, short(got[i:i+1]), short(want[i:i+1]))
		}
	}
}

func short(ms []msg) string {
	s := ""
	for _, m := range ms {
		p := m.payload
		if len(p) > 40 {
			p = fmt.Sprintf("%.40s...(%d bytes)", p, len(p))
		}
		s += fmt.Sprintf("[%v %q]", m.op, p)
	}
	return s
}

// newParser returns a parser configured like c's.
func newParser(c *frameCase) *Parser {
	p := c.parser
	return &p
}

func TestParser(t *testing.T) {
	for _, c := range frameCases {
		got, err := feedPieces(t, newParser(&c), c.in)
		checkMessages(t, c.name, got, err, c.want, c.err)
	}
}

// cuts returns the cut points to try for an input of n bytes: all of them
// for small inputs, a sample (boundaries and a stride) for large ones.
func cuts(n int) []int {
	var ks []int
	for k := 0; k <= n; k++ {
		if n <= 2048 || k < 40 || n-k < 40 || k%331 == 0 {
			ks = append(ks, k)
		}
	}
	return ks
}

// TestParserSplit feeds every case cut at every byte (two pieces), and
// byte by byte: the messages and the error are the same.
func TestParserSplit(t *testing.T) {
	for _, c := range frameCases {
		for _, k := range cuts(len(c.in)) {
			got, err := feedPieces(t, newParser(&c), c.in[:k], c.in[k:])
			checkMessages(t, fmt.Sprintf("%s cut at %d", c.name, k), got, err, c.want, c.err)
		}
		if len(c.in) <= 4096 {
			pieces := make([]string, len(c.in))
			for i := range len(c.in) {
				pieces[i] = c.in[i : i+1]
			}
			got, err := feedPieces(t, newParser(&c), pieces...)
			checkMessages(t, c.name+" byte by byte", got, err, c.want, c.err)
		}
	}
}

// TestParserFailFast checks that an error is reported as soon as the
// offending byte arrives, not when the frame or message is complete.
func TestParserFailFast(t *testing.T) {
	for _, c := range frameCases {
		if c.err == nil || c.failAt == 0 {
			continue
		}
		_, err := feedPieces(t, newParser(&c), c.in[:c.failAt])
		if err != c.err {
			t.Errorf("%s: after %d of %d bytes err = %v, want %v", c.name, c.failAt, len(c.in), err, c.err)
		}
		// Byte by byte, too.
		p := newParser(&c)
		for i := 0; i < c.failAt && err == nil; i++ {
			_, err = feedPieces(t, p, c.in[i:i+1])
		}
		if err != c.err {
			t.Errorf("%s: byte by byte, after %d bytes err = %v, want %v", c.name, c.failAt, err, c.err)
		}
	}
}

// TestParserCoalesced delivers every case between other frames, as when
// frames arrive coalesced in one read, whole and cut at every byte.
func TestParserCoalesced(t *testing.T) {
	for _, c := range frameCases {
		frame := cf
		if c.parser.Role == RoleClient {
			frame = sf
		}
		before := frame(OpPing, true, "before")
		in := before + c.in
		want := append([]msg{{OpPing, "before"}}, c.want...)
		if c.err == nil && !hasClose(c.want) {
			in += frame(OpText, true, "after")
			want = append(want, msg{OpText, "after"})
		}
		got, err := feedPieces(t, newParser(&c), in)
		checkMessages(t, c.name+" coalesced", got, err, want, c.err)
		if len(in) > 1024 {
			continue
		}
		for k := range len(in) + 1 {
			got, err := feedPieces(t, newParser(&c), in[:k], in[k:])
			checkMessages(t, fmt.Sprintf("%s coalesced cut at %d", c.name, k), got, err, want, c.err)
		}
	}
}

// TestParserErrorSticks checks that after an error every Feed returns it.
func TestParserErrorSticks(t *testing.T) {
	var p Parser
	if _, _, err := p.Feed(fresh(sf(OpText, true, "x"))); err != ErrUnmasked {
		t.Fatalf("err = %v", err)
	}
	if n, _, err := p.Feed(fresh(cf(OpText, true, "x"))); err != ErrUnmasked || n != 0 {
		t.Fatalf("after an error: n = %d, err = %v", n, err)
	}
	var e *Error
	if !errors.As(error(ErrUnmasked), &e) || e.Code != StatusProtocolError || e.Error() != "ws: unmasked frame from a client" {
		t.Fatalf("error = %#v", e)
	}
	p.Reset()
	got, err := feedPieces(t, &p, cf(OpText, true, "ok"))
	checkMessages(t, "after Reset", got, err, []msg{{OpText, "ok"}}, nil)
}

// TestParserBufferDropped checks that a large message's buffer is not kept
// once the next message starts.
func TestParserBufferDropped(t *testing.T) {
	var p Parser
	big := cf(OpBinary, true, strings.Repeat(text65536, 2))
	if _, err := feedPieces(t, &p, big[:100]); err != nil {
		t.Fatal(err)
	}
	if _, m, err := p.Feed(fresh(big[100:])); err != nil || len(m.Payload) != 2*65536 {
		t.Fatal(err)
	}
	if cap(p.buf) < 2*65536 {
		t.Fatalf("assembly buffer cap %d", cap(p.buf))
	}
	if _, err := feedPieces(t, &p, cf(OpText, true, "x")); err != nil {
		t.Fatal(err)
	}
	if cap(p.buf) > keepBuf {
		t.Fatalf("buffer of %d bytes kept after a large message", cap(p.buf))
	}
}

// TestParserCompact checks that Compact drops a kept buffer but not a
// message being assembled.
func TestParserCompact(t *testing.T) {
	var p Parser
	m := cf(OpText, true, text125)
	if _, err := feedPieces(t, &p, m[:10], m[10:]); err != nil || cap(p.buf) == 0 {
		t.Fatalf("buffer cap %d: %v", cap(p.buf), err)
	}
	p.Compact()
	if p.buf != nil {
		t.Fatal("Compact kept an idle buffer")
	}
	if _, err := feedPieces(t, &p, m[:10]); err != nil {
		t.Fatal(err)
	}
	p.Compact()
	got, err := feedPieces(t, &p, m[10:])
	checkMessages(t, "compact mid-message", got, err, []msg{{OpText, text125}}, nil)
}

func hasClose(ms []msg) bool {
	for _, m := range ms {
		if m.op == OpClose {
			return true
		}
	}
	return false
}

// TestParserSize keeps the per-connection cost the docs state: every idle
// WebSocket holds one. The buffer of a control frame split across Feed
// calls (125 bytes) is made only when one is, so it is not in it.
func TestParserSize(t *testing.T) {
	if n := unsafe.Sizeof(Parser{}); n > 112 {
		t.Fatalf("Parser is %d bytes, documented as 112", n)
	}
}

// TestParserSmallMatchesGeneral: a frame fed whole, which the one-pass
// small path takes when it can, and the same frame fed with its header one
// byte at a time, which only the general path parses, give the same
// message or the same error, for every first byte, masked and not, many
// lengths (every one up to 125 for a FIN text and binary frame) and the
// configurations that change the checks. A header check present in one
// path only fails it.
func TestParserSmallMatchesGeneral(t *testing.T) {
	key := [4]byte{0x11, 0x22, 0x33, 0x44}
	var configs []Parser
	for _, role := range []Role{RoleServer, RoleClient} {
		for _, rej := range []int{0, 1, 2, 3} {
			for _, mm := range []int{0, 6, 125} {
				for _, mf := range []int{0, 10} {
					for _, infl := range []bool{false, true} {
						c := Parser{Role: role, RejectText: rej&1 != 0, RejectBinary: rej&2 != 0, MaxMessage: mm, MaxFrame: mf}
						if infl {
							c.Inflater = NewInflater(DeflateParams{}, role)
						}
						configs = append(configs, c)
					}
				}
			}
		}
	}
	someLengths := []int{0, 1, 2, 5, 6, 7, 10, 11, 100, 124, 125}
	allLengths := make([]int, MaxControlPayload+1)
	for i := range allLengths {
		allLengths[i] = i
	}
	payload := bytes.Repeat([]byte("abcdefgh"), 16)
	result := func(m Message, err error) string {
		if err != nil {
			return "error " + err.Error()
		}
		return fmt.Sprintf("%v %q", m.Op, m.Payload)
	}
	cases := 0
	for ci := range configs {
		cfg := &configs[ci]
		for b0 := range 256 {
			lengths := someLengths
			if b0 == 0x81 || b0 == 0x82 {
				lengths = allLengths
			}
			for _, masked := range []bool{true, false} {
				for _, length := range lengths {
					var frame []byte
					if masked {
						frame = append([]byte{byte(b0), 0x80 | byte(length)}, key[:]...)
						frame = append(frame, payload[:length]...)
						Mask(frame[6:], key, 0)
					} else {
						frame = append([]byte{byte(b0), byte(length)}, payload[:length]...)
					}
					whole := newConfigured(cfg)
					_, m, err := whole.Feed(bytes.Clone(frame))
					got := result(m, err)
					split := newConfigured(cfg)
					in := bytes.Clone(frame)
					hl := headerLen(in[1])
					var want string
					for i := 0; ; {
						end := min(i+1, len(in))
						if i >= hl {
							end = len(in)
						}
						n, m, err := split.Feed(in[i:end])
						i += n
						if err != nil || m.Op != 0 || i >= len(in) {
							want = result(m, err)
							break
						}
					}
					if got != want {
						t.Fatalf("%+v: frame % x: fed whole %s, header byte by byte %s", *cfg, frame[:min(len(frame), 8)], got, want)
					}
					cases++
				}
			}
		}
	}
	t.Logf("%d frames", cases)
}

// newConfigured returns a fresh parser with c's configuration.
func newConfigured(c *Parser) *Parser {
	p := &Parser{Role: c.Role, RejectText: c.RejectText, RejectBinary: c.RejectBinary, MaxMessage: c.MaxMessage, MaxFrame: c.MaxFrame}
	if c.Inflater != nil {
		p.Inflater = NewInflater(DeflateParams{}, c.Role)
	}
	return p
}
