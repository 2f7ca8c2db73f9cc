package ws

import (
	"bufio"
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/eddy-go/eddy/httpcodec"
	gws "github.com/gobwas/ws"
)

// Each benchmark runs eddy's codec (impl=eddy) beside gobwas/ws used the
// usual way, over a blocking reader (impl=gobwas), in the same run; compare
// them with
//
//	go test -run='^$' -bench=. -benchmem -count=8 ./ws/ | tee /tmp/ws.txt
//	benchstat -col /impl /tmp/ws.txt

// parseWorkloads are client frames a server reads.
var parseWorkloads = []struct {
	name  string
	in    string
	count int // messages
}{
	{"small", cf(OpText, true, strings.Repeat("x", 32)), 1},
	{"16KiB", cf(OpBinary, true, strings.Repeat("0123456789abcdef", 1024)), 1},
	{"batch16", strings.Repeat(cf(OpText, true, strings.Repeat("x", 32)), 16), 16},
	{"fragmented", cf(OpText, false, strings.Repeat("a", 100)) + cf(OpPing, true, "p") + cf(OpContinuation, false, strings.Repeat("b", 100)) +
		cf(OpContinuation, true, strings.Repeat("c", 100)), 2},
}

func BenchmarkParse(b *testing.B) {
	for _, w := range parseWorkloads {
		in := []byte(w.in)
		scratch := make([]byte, len(in))
		b.Run(w.name+"/impl=eddy", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(in)))
			var p Parser
			for b.Loop() {
				copy(scratch, in) // Feed unmasks in place
				got := 0
				for rest := scratch; len(rest) > 0; {
					n, m, err := p.Feed(rest)
					if err != nil {
						b.Fatal(err)
					}
					rest = rest[n:]
					if m.Op != 0 {
						got++
					}
				}
				if got != w.count {
					b.Fatal("count")
				}
			}
		})
		b.Run(w.name+"/impl=gobwas", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(in)))
			rd := bytes.NewReader(in)
			payload := make([]byte, 0, 64<<10)
			for b.Loop() {
				rd.Reset(in)
				got := 0
				state := gws.StateServerSide
				for rd.Len() > 0 {
					h, err := gws.ReadHeader(rd)
					if err != nil {
						b.Fatal(err)
					}
					if err := gws.CheckHeader(h, state); err != nil {
						b.Fatal(err)
					}
					if !h.OpCode.IsControl() {
						if h.Fin {
							state = state.Clear(gws.StateFragmented)
						} else {
							state = state.Set(gws.StateFragmented)
						}
					}
					start := len(payload)
					if h.OpCode.IsControl() || h.OpCode != gws.OpContinuation {
						start = 0
					}
					payload = payload[:start+int(h.Length)]
					if _, err := io.ReadFull(rd, payload[start:]); err != nil {
						b.Fatal(err)
					}
					gws.Cipher(payload[start:], h.Mask, 0)
					if h.Fin {
						got++
					}
				}
				if got != w.count {
					b.Fatal("count")
				}
			}
		})
	}
}

func BenchmarkWrite(b *testing.B) {
	for _, w := range []struct {
		name    string
		payload []byte
	}{
		{"small", bytes.Repeat([]byte("x"), 32)},
		{"16KiB", bytes.Repeat([]byte("0123456789abcdef"), 1024)},
	} {
		b.Run(w.name+"/impl=eddy", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(w.payload)))
			dst := make([]byte, 0, 32<<10)
			for b.Loop() {
				dst = AppendFrame(dst[:0], OpBinary, true, w.payload)
			}
		})
		b.Run(w.name+"/impl=gobwas", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(w.payload)))
			var buf bytes.Buffer
			buf.Grow(32 << 10)
			for b.Loop() {
				buf.Reset()
				if err := gws.WriteFrame(&buf, gws.NewBinaryFrame(w.payload)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkHandshake accepts a browser's opening handshake and writes the
// 101. gobwas reads the request itself, so its figure includes parsing the
// head; eddy's includes httpcodec's parse for the same reason.
func BenchmarkHandshake(b *testing.B) {
	reqText := upgradeRequest("Origin: http://server.example.com\r\nSec-WebSocket-Protocol: chat\r\n" +
		"User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n")
	in := []byte(reqText)
	b.Run("impl=eddy", func(b *testing.B) {
		b.ReportAllocs()
		opts := &ServerOptions{Protocols: []string{"chat"}}
		dst := make([]byte, 0, 512)
		var rp httpcodec.RequestParser
		var r httpcodec.Request
		for b.Loop() {
			if _, err := rp.Parse(in, &r); err != nil {
				b.Fatal(err)
			}
			hs, err := Accept(&r, opts)
			if err != nil {
				b.Fatal(err)
			}
			dst = hs.AppendResponse(dst[:0])
		}
	})
	b.Run("impl=gobwas", func(b *testing.B) {
		b.ReportAllocs()
		u := gws.Upgrader{Protocol: func(p []byte) bool { return string(p) == "chat" }}
		rd := bytes.NewReader(in)
		var out bytes.Buffer
		rw := struct {
			io.Reader
			io.Writer
		}{bufio.NewReader(rd), &out}
		for b.Loop() {
			rd.Reset(in)
			rw.Reader.(*bufio.Reader).Reset(rd)
			out.Reset()
			if _, err := u.Upgrade(rw); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkDeflate(b *testing.B) {
	params := DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}
	for _, c := range []struct {
		name string
		msg  []byte
	}{
		{"chat", []byte(deflateMessages[0])},
		{"12KiB", []byte(deflateMessages[6])},
	} {
		b.Run(c.name+"/compress", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(c.msg)))
			d := NewDeflater(params, RoleServer)
			dst := make([]byte, 0, 32<<10)
			for b.Loop() {
				dst = d.AppendFrame(dst[:0], OpText, c.msg)
			}
		})
		b.Run(c.name+"/decompress", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(c.msg)))
			d := NewDeflater(params, RoleClient)
			p := Parser{Inflater: NewInflater(params, RoleServer)}
			frame := make([]byte, 0, 32<<10)
			for b.Loop() {
				frame = d.AppendMaskedFrame(frame[:0], OpText, c.msg, testKey)
				if _, m, err := p.Feed(frame); err != nil || len(m.Payload) != len(c.msg) {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkParseTable parses every valid case of the frame table once per
// iteration: a mix of every frame kind, size class and fragmentation.
func BenchmarkParseTable(b *testing.B) {
	var in []byte
	var size int64
	for _, c := range frameCases {
		if c.err == nil && c.parser.Role == RoleServer && !hasClose(c.want) && c.parser.MaxMessage == 0 {
			in = append(in, c.in...)
			size += int64(len(c.in))
		}
	}
	scratch := make([]byte, len(in))
	b.ReportAllocs()
	b.SetBytes(size)
	var p Parser
	for b.Loop() {
		copy(scratch, in)
		for rest := scratch; len(rest) > 0; {
			n, _, err := p.Feed(rest)
			if err != nil {
				b.Fatal(err)
			}
			rest = rest[n:]
		}
	}
}

// BenchmarkAcceptTable runs Accept on every case of the handshake table.
func BenchmarkAcceptTable(b *testing.B) {
	var reqs []*httpcodec.Request
	for _, c := range handshakeCases {
		reqs = append(reqs, parseRequest(b, c.in))
	}
	b.ReportAllocs()
	for b.Loop() {
		for i, c := range handshakeCases {
			_, _ = Accept(reqs[i], c.opts)
		}
	}
}
