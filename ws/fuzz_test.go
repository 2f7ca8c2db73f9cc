package ws

import (
	"bytes"
	"testing"
	"unicode/utf8"

	"github.com/eddy-go/eddy/httpcodec"
)

// The fuzz targets never may panic, and check invariants that hold for any
// input: the result does not depend on how the input is split, limits
// hold, what is delivered is valid, the parser agrees with a reference
// built on gobwas/ws (refParse lists the deliberate differences), and what
// one end writes the other end accepts. Seeds are the case tables.

// parseAll feeds in as pieces cut at k and returns the messages and error.
func parseAll(t *testing.T, cfg Parser, in []byte, k int) ([]msg, error) {
	p := cfg
	var got []msg
	for _, piece := range [][]byte{bytes.Clone(in[:k]), bytes.Clone(in[k:])} {
		for len(piece) > 0 {
			n, m, err := p.Feed(piece)
			if n < 0 || n > len(piece) {
				t.Fatalf("n = %d of %d", n, len(piece))
			}
			if err != nil {
				return got, err
			}
			if m.Op == 0 && n != len(piece) {
				t.Fatalf("need more with %d of %d consumed", n, len(piece))
			}
			piece = piece[n:]
			if m.Op == 0 {
				break
			}
			if m.Op.IsControl() && len(m.Payload) > MaxControlPayload {
				t.Fatalf("control frame of %d bytes", len(m.Payload))
			}
			if !m.Op.IsControl() && len(m.Payload) > cfg.MaxMessage {
				t.Fatalf("message of %d bytes, limit %d", len(m.Payload), cfg.MaxMessage)
			}
			if m.Op == OpText && !utf8.Valid(m.Payload) {
				t.Fatal("text message is not utf-8")
			}
			if m.Op == OpClose {
				if _, _, err := ParseClose(m.Payload); err != nil {
					t.Fatalf("close frame delivered with %v", err)
				}
			}
			got = append(got, msg{m.Op, string(m.Payload)})
		}
	}
	return got, nil
}

func FuzzParser(f *testing.F) {
	for _, c := range frameCases {
		if len(c.in) < 4096 {
			f.Add([]byte(c.in), uint16(len(c.in)/2), byte(c.parser.Role))
		}
	}
	for _, c := range deflateCases[:3] {
		f.Add([]byte(deflateStream(c.params, RoleClient, c.msgs[:6])), uint16(7), byte(4))
	}
	f.Fuzz(func(t *testing.T, in []byte, split uint16, mode byte) {
		cfg := Parser{Role: Role(mode & 1), MaxMessage: 1 << 16}
		if mode&2 != 0 {
			cfg.MaxMessage = 100
		}
		if mode&4 != 0 {
			p := DeflateParams{ServerNoContextTakeover: mode&8 != 0, ClientNoContextTakeover: mode&16 != 0}
			cfg.Inflater = NewInflater(p, cfg.Role)
		}
		whole, errWhole := parseAll(t, cfg, in, len(in))
		if cfg.Inflater != nil {
			cfg.Inflater = NewInflater(DeflateParams{ServerNoContextTakeover: mode&8 != 0, ClientNoContextTakeover: mode&16 != 0}, cfg.Role)
		}
		k := int(split) % (len(in) + 1)
		cut, errCut := parseAll(t, cfg, in, k)
		if errWhole != errCut || len(whole) != len(cut) {
			t.Fatalf("cut at %d: %d messages, %v; whole: %d, %v", k, len(cut), errCut, len(whole), errWhole)
		}
		for i := range whole {
			if whole[i] != cut[i] {
				t.Fatalf("cut at %d: message %d differs", k, i)
			}
		}
		if cfg.Inflater == nil {
			// The same result as gobwas/ws's header checks plus the
			// rules listed on refParse.
			agree(t, in, cfg.Role, cfg.MaxMessage)
		}
	})
}

func FuzzHandshake(f *testing.F) {
	for _, c := range handshakeCases {
		f.Add([]byte(c.in))
	}
	opts := &ServerOptions{Protocols: []string{"chat.v2", "chat"}, Deflate: &DeflateOptions{}, CheckOrigin: AnyOrigin}
	for _, c := range responseCases {
		f.Add([]byte("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" + c.head + "\r\n"))
	}
	offer := &ClientOptions{Protocols: []string{"chat"}, Deflate: &DeflateOptions{ServerMaxWindowBits: 12}}
	f.Fuzz(func(t *testing.T, in []byte) {
		// As a server's answer: the client never panics, and accepts only
		// what it offered.
		var sp0 httpcodec.ResponseParser
		var resp0 httpcodec.Response
		if n, err := sp0.Parse(in, &resp0, false); err == nil && n > 0 {
			hs, err := CheckResponse(&resp0, []byte(sampleKey), offer)
			if err == nil && (hs.Protocol != "" && hs.Protocol != "chat" || hs.Deflate && hs.DeflateParams.ServerMaxWindowBits > 12) {
				t.Fatalf("client accepted %+v", hs)
			}
		}
		var rp httpcodec.RequestParser
		var r httpcodec.Request
		if n, err := rp.Parse(in, &r); err != nil || n == 0 {
			return
		}
		hs, herr := Accept(&r, opts)
		if herr != nil {
			if herr.Status != 400 && herr.Status != 403 && herr.Status != 426 {
				t.Fatalf("status %d", herr.Status)
			}
			return
		}
		// The answer is one our client accepts, with the same result.
		answer := hs.AppendResponse(nil)
		var sp httpcodec.ResponseParser
		var resp httpcodec.Response
		if _, err := sp.Parse(answer, &resp, false); err != nil {
			t.Fatalf("answer %q: %v", answer, err)
		}
		co := &ClientOptions{}
		if hs.Protocol != "" {
			co.Protocols = []string{hs.Protocol}
		}
		if hs.Deflate {
			co.Deflate = &DeflateOptions{}
		}
		chs, cerr := CheckResponse(&resp, r.Header("Sec-WebSocket-Key"), co)
		if cerr != nil || chs.Protocol != hs.Protocol || chs.Deflate != hs.Deflate ||
			chs.DeflateParams.ServerMaxWindowBits != hs.DeflateParams.ServerMaxWindowBits {
			t.Fatalf("client: %v for %q", cerr, answer)
		}
	})
}

func FuzzDeflate(f *testing.F) {
	for _, c := range deflateCases {
		for _, m := range c.msgs[:7] {
			f.Add([]byte(m), byte(c.params.ServerMaxWindowBits), c.params.ServerNoContextTakeover)
		}
	}
	f.Fuzz(func(t *testing.T, in []byte, bits byte, noTakeover bool) {
		p := DeflateParams{ServerNoContextTakeover: noTakeover, ServerMaxWindowBits: 8 + int(bits%8), ClientMaxWindowBits: 15}
		// Any bytes as compressed data: an error or at most the limit.
		raw := NewInflater(p, RoleClient)
		if out, err := raw.inflate(in, 1<<16, bits&8 != 0); err == nil && len(out) > 1<<16 {
			t.Fatalf("%d bytes past the limit", len(out))
		}
		// Compressed and decompressed twice (context carries over).
		d := NewDeflater(p, RoleServer)
		pr := Parser{Role: RoleClient, Inflater: NewInflater(p, RoleClient)}
		for range 2 {
			frame := d.AppendFrame(nil, OpBinary, in)
			_, m, err := pr.Feed(frame)
			if err != nil || m.Op != OpBinary || !bytes.Equal(m.Payload, in) {
				t.Fatalf("round trip: %v, %d bytes of %d", err, len(m.Payload), len(in))
			}
		}
	})
}
