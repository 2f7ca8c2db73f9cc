package eddytest

import (
	"bufio"
	"bytes"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/ws"
)

// WSConn is a WebSocket client connection to the test server (aiohttp's
// ws_connect of the test client): blocking, one frame per call, for tests.
// Use it from one goroutine at a time.
type WSConn struct {
	// Response is the server's answer to the handshake (101).
	Response *Response

	c  net.Conn
	br *bufio.Reader
	p  ws.Parser
	in []byte
}

// DialWS opens a WebSocket to path ("/ws?room=1") with the given extra
// header lines ("Name: value", e.g. "Sec-WebSocket-Protocol: chat"),
// failing t if the server does not answer 101 with a valid
// Sec-WebSocket-Accept within 10 s. The connection is closed when the test
// ends.
func (s *Server) DialWS(t testing.TB, path string, header ...string) *WSConn {
	t.Helper()
	c, err := net.DialTimeout(s.Network, s.Address, timeout)
	if err != nil {
		t.Fatalf("eddytest: dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	key := ws.NewKey()
	req := []byte("GET " + path + " HTTP/1.1\r\nHost: " + s.Address + "\r\n")
	req = ws.AppendRequestHeaders(req, key[:], nil)
	for _, h := range header {
		req = append(append(req, strings.TrimSpace(h)...), "\r\n"...)
	}
	req = append(req, "\r\n"...)
	c.SetDeadline(time.Now().Add(timeout))
	defer c.SetDeadline(time.Time{})
	if _, err := c.Write(req); err != nil {
		t.Fatalf("eddytest: WebSocket handshake: %v", err)
	}
	w := &WSConn{c: c, br: bufio.NewReader(c)}
	resp, err := http.ReadResponse(w.br, &http.Request{Method: "GET"})
	if err != nil {
		t.Fatalf("eddytest: WebSocket handshake: %v", err)
	}
	resp.Body.Close()
	w.Response = &Response{Status: resp.StatusCode, Header: resp.Header}
	if resp.StatusCode != 101 {
		t.Fatalf("eddytest: WebSocket handshake answered %d, want 101", resp.StatusCode)
	}
	want := ws.AppendAcceptKey(nil, key[:])
	if resp.Header.Get("Sec-WebSocket-Accept") != string(want) {
		t.Fatalf("eddytest: WebSocket handshake: wrong Sec-WebSocket-Accept %q", resp.Header.Get("Sec-WebSocket-Accept"))
	}
	w.p.Role = ws.RoleClient
	w.p.MaxMessage = 64 << 20
	return w
}

// SendText sends a text message, failing t on a write error.
func (w *WSConn) SendText(t testing.TB, s string) { t.Helper(); w.send(t, ws.OpText, []byte(s)) }

// SendBytes sends a binary message, failing t on a write error.
func (w *WSConn) SendBytes(t testing.TB, b []byte) { t.Helper(); w.send(t, ws.OpBinary, b) }

// Close sends a close frame with code and reason; read the server's answer
// with Read.
func (w *WSConn) Close(t testing.TB, code int, reason string) {
	t.Helper()
	w.write(t, ws.AppendMaskedClose(nil, ws.StatusCode(code), reason, ws.NewMaskKey()))
}

func (w *WSConn) send(t testing.TB, op ws.Op, p []byte) {
	t.Helper()
	w.write(t, ws.AppendMaskedFrame(nil, op, true, p, ws.NewMaskKey()))
}

func (w *WSConn) write(t testing.TB, frame []byte) {
	t.Helper()
	w.c.SetWriteDeadline(time.Now().Add(timeout))
	if _, err := w.c.Write(frame); err != nil {
		t.Fatalf("eddytest: WebSocket write: %v", err)
	}
}

// Read returns the next message (text, binary, or a control frame: ping,
// pong, close with its payload), failing t if none arrives within 10 s, on
// a protocol error, or if the connection ends first.
func (w *WSConn) Read(t testing.TB) eddy.WSMessage {
	t.Helper()
	w.c.SetReadDeadline(time.Now().Add(timeout))
	defer w.c.SetReadDeadline(time.Time{})
	buf := make([]byte, 32<<10)
	for {
		if len(w.in) > 0 {
			n, m, err := w.p.Feed(w.in)
			w.in = w.in[n:]
			if err != nil {
				t.Fatalf("eddytest: WebSocket read: %v", err)
			}
			if m.Op != 0 {
				return eddy.WSMessage{Type: eddy.WSMessageType(m.Op), Data: bytes.Clone(m.Payload)}
			}
		}
		n, err := w.br.Read(buf)
		if err != nil {
			t.Fatalf("eddytest: WebSocket read: %v", err)
		}
		w.in = append(w.in, buf[:n]...)
	}
}

// CloseCode returns the code of a close message from Read.
func CloseCode(m eddy.WSMessage) int {
	code, _, _ := ws.ParseClose(m.Data)
	return int(code)
}
