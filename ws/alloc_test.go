//go:build !race

package ws

import (
	"testing"

	"github.com/eddy-go/eddy/httpcodec"
)

// TestZeroAllocs fails if the hot paths allocate: the handshake, parsing
// (whole, split, fragmented, control frames), the writers, and
// permessage-deflate once its state exists.
func TestZeroAllocs(t *testing.T) {
	var (
		p     Parser
		dst   = make([]byte, 0, 1<<17)
		small = []byte("Hello, eddy: 32 bytes of payload")
		large = make([]byte, 16<<10)
	)
	echoSmall := cf(OpText, true, string(small))
	echoLarge := cf(OpBinary, true, string(large))
	fragmented := cf(OpText, false, "frag") + cf(OpPing, true, "p") + cf(OpContinuation, true, "ment")
	in := make([]byte, 0, len(echoLarge))
	feed := func(s string, cut int, want int) {
		t.Helper()
		in = append(in[:0], s...)
		got := 0
		for _, piece := range [][]byte{in[:cut], in[cut:]} {
			for len(piece) > 0 {
				n, m, err := p.Feed(piece)
				if err != nil {
					t.Fatal(err)
				}
				piece = piece[n:]
				if m.Op != 0 {
					got++
				}
			}
		}
		if got != want {
			t.Fatalf("%d messages, want %d", got, want)
		}
	}
	req := parseRequest(t, upgradeRequest("Origin: http://server.example.com\r\nSec-WebSocket-Protocol: chat\r\nSec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"))
	opts := &ServerOptions{Protocols: []string{"chat"}, Deflate: &DeflateOptions{}}
	var rp httpcodec.ResponseParser
	var resp httpcodec.Response

	params := DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}
	deflater := NewDeflater(params, RoleServer)
	clientDeflater := NewDeflater(params, RoleClient)
	inflating := Parser{Inflater: NewInflater(params, RoleServer)}
	chat := []byte(`{"type":"message","room":"general","text":"Hello, world!"}`)
	compressed := make([]byte, 0, 256)
	noTakeover := DeflateParams{ServerNoContextTakeover: true, ClientNoContextTakeover: true, ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}
	pooledClient := NewDeflater(noTakeover, RoleClient)
	pooledParser := Parser{Inflater: NewInflater(noTakeover, RoleServer)}

	tests := []struct {
		name string
		fn   func()
	}{
		{"parse small message", func() { feed(echoSmall, len(echoSmall), 1) }},
		{"parse 16 KiB message", func() { feed(echoLarge, len(echoLarge), 1) }},
		{"parse 16 KiB message in two pieces", func() { feed(echoLarge, 1000, 1) }},
		{"parse fragmented message with a ping", func() { feed(fragmented, 5, 2) }},
		{"parse error", func() {
			var q Parser
			if _, _, err := q.Feed([]byte("\x81\x00")); err != ErrUnmasked {
				t.Fatal(err)
			}
		}},
		{"append frames", func() {
			dst = AppendFrame(dst[:0], OpText, true, small)
			dst = AppendMaskedFrame(dst, OpBinary, true, large, testKey)
			dst = AppendClose(dst, StatusNormal, "bye")
		}},
		{"accept", func() {
			hs, err := Accept(req, opts)
			if err != nil {
				t.Fatal(err)
			}
			dst = hs.AppendResponse(dst[:0])
		}},
		{"check response", func() {
			if _, err := rp.Parse(dst, &resp, false); err != nil {
				t.Fatal(err)
			}
			if _, err := CheckResponse(&resp, []byte(sampleKey), &ClientOptions{Protocols: []string{"chat"}, Deflate: &DeflateOptions{}}); err != nil {
				t.Fatal(err)
			}
		}},
		{"deflate message", func() { dst = deflater.AppendFrame(dst[:0], OpText, chat) }},
		{"deflate and inflate without context takeover", func() {
			compressed = pooledClient.AppendMaskedFrame(compressed[:0], OpText, chat, testKey)
			if _, m, err := pooledParser.Feed(compressed); err != nil || len(m.Payload) != len(chat) {
				t.Fatal(err)
			}
		}},
		{"inflate message", func() {
			compressed = clientDeflater.AppendMaskedFrame(compressed[:0], OpText, chat, testKey)
			for b := compressed; len(b) > 0; {
				n, _, err := inflating.Feed(b)
				if err != nil {
					t.Fatal(err)
				}
				b = b[n:]
			}
		}},
	}
	for _, tt := range tests {
		tt.fn() // warm up: buffers and compressors exist from here on
		if avg := testing.AllocsPerRun(200, tt.fn); avg != 0 {
			t.Errorf("%s: %v allocations per run, want 0", tt.name, avg)
		}
	}
}

// TestZeroAllocsTables runs every valid case of the frame table (whole and
// cut in two) and every case of the handshake table without allocating,
// once the parser's buffer exists.
func TestZeroAllocsTables(t *testing.T) {
	buf := make([]byte, 0, 64<<10)
	for _, c := range frameCases {
		if c.err != nil || len(c.in) > 32<<10 {
			continue
		}
		for _, cut := range []int{len(c.in), len(c.in) / 2} {
			p := c.parser
			fn := func() {
				buf = append(buf[:0], c.in...)
				for _, piece := range [][]byte{buf[:cut], buf[cut:]} {
					for len(piece) > 0 {
						n, _, err := p.Feed(piece)
						if err != nil {
							t.Fatal(err)
						}
						piece = piece[n:]
					}
				}
				p.Reset()
			}
			fn()
			if avg := testing.AllocsPerRun(20, fn); avg != 0 {
				t.Errorf("%s cut at %d: %v allocations per run", c.name, cut, avg)
			}
		}
	}
	for _, c := range handshakeCases {
		r := parseRequest(t, c.in)
		if avg := testing.AllocsPerRun(20, func() { _, _ = Accept(r, c.opts) }); avg != 0 {
			t.Errorf("%s: %v allocations per Accept", c.name, avg)
		}
	}
}
