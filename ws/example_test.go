package ws_test

import (
	"fmt"

	"github.com/eddy-go/eddy/httpcodec"
	"github.com/eddy-go/eddy/ws"
)

// A server's side of a connection, without I/O: accept the handshake, then
// parse what arrives and answer with frames.
func Example() {
	head := "GET /ws HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
	var rp httpcodec.RequestParser
	var req httpcodec.Request
	if _, err := rp.Parse([]byte(head), &req); err != nil {
		panic(err)
	}
	hs, herr := ws.Accept(&req, nil)
	if herr != nil {
		fmt.Printf("%s", herr.AppendResponse(nil))
		return
	}
	fmt.Printf("%q\n", hs.AppendResponse(nil))

	// What a client sends: a text message in two fragments with a ping
	// between them, then a close. Bytes arrive in any pieces.
	key := [4]byte{1, 2, 3, 4}
	in := ws.AppendMaskedFrame(nil, ws.OpText, false, []byte("Hel"), key)
	in = ws.AppendMaskedFrame(in, ws.OpPing, true, []byte("?"), key)
	in = ws.AppendMaskedFrame(in, ws.OpContinuation, true, []byte("lo"), key)
	in = ws.AppendMaskedClose(in, ws.StatusNormal, "bye", key)

	var p ws.Parser // a server's parser with the default limits
	var out []byte
	for len(in) > 0 {
		n, m, err := p.Feed(in)
		in = in[n:]
		if err != nil {
			e := err.(*ws.Error) // every parser error is an *ws.Error
			out = ws.AppendClose(out, e.Code, "")
			break
		}
		switch m.Op {
		case 0: // need more bytes
		case ws.OpText, ws.OpBinary:
			fmt.Printf("%v %q\n", m.Op, m.Payload)
			out = ws.AppendFrame(out, m.Op, true, m.Payload) // echo
		case ws.OpPing:
			out = ws.AppendFrame(out, ws.OpPong, true, m.Payload)
		case ws.OpClose:
			code, reason, _ := ws.ParseClose(m.Payload)
			fmt.Println("close", code, string(reason))
			out = ws.AppendClose(out, code, "")
		}
	}
	fmt.Printf("%q\n", out)
	// Output:
	// "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"
	// text "Hello"
	// close 1000 bye
	// "\x8a\x01?\x81\x05Hello\x88\x02\x03\xe8"
}
