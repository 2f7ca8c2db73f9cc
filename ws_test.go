package eddy_test

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/eddytest"
	"github.com/eddy-go/eddy/ws"
)

// wsKey is the sample nonce of RFC 6455 1.3; wsAccept is its answer.
const (
	wsKey    = "dGhlIHNhbXBsZSBub25jZQ=="
	wsAccept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
)

// wsHandshake is a valid opening handshake for path, ending in the empty
// line; extra header lines ("Name: value\r\n") go before it.
func wsHandshake(path, extra string) string {
	return "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n" +
		"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " + wsKey + "\r\n" + extra + "\r\n"
}

// wsClient is a test client speaking raw frames over a real connection.
type wsClient struct {
	t    testing.TB
	c    net.Conn
	br   *bufio.Reader
	p    ws.Parser
	in   []byte // bytes read and not yet fed
	raw  int    // bytes read from the connection
	resp *http.Response
}

// dialWS connects to s, sends the handshake for path (with extra header
// lines) followed by after in the same write, and reads the 101.
func dialWS(t testing.TB, s *eddytest.Server, path, extra string, after []byte) *wsClient {
	t.Helper()
	c, err := net.Dial("tcp", s.App.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return startWS(t, c, path, extra, after)
}

func startWS(t testing.TB, c net.Conn, path, extra string, after []byte) *wsClient {
	t.Helper()
	k := &wsClient{t: t, c: c, br: bufio.NewReader(c)}
	k.p.Role = ws.RoleClient
	k.p.MaxMessage = 64 << 20
	if _, err := c.Write(append([]byte(wsHandshake(path, extra)), after...)); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	r, err := http.ReadResponse(k.br, &http.Request{Method: "GET"})
	if err != nil {
		t.Fatalf("reading the handshake answer: %v", err)
	}
	k.resp = r
	if r.StatusCode != 101 {
		b, _ := io.ReadAll(r.Body)
		t.Fatalf("handshake answered %d %q", r.StatusCode, b)
	}
	if got := r.Header.Get("Sec-WebSocket-Accept"); got != wsAccept {
		t.Fatalf("Sec-WebSocket-Accept %q, want %q", got, wsAccept)
	}
	return k
}

var testMask = [4]byte{0x37, 0xfa, 0x21, 0x3d}

// frame returns a masked client frame.
func frame(op ws.Op, fin bool, payload []byte) []byte {
	return ws.AppendMaskedFrame(nil, op, fin, payload, testMask)
}

func (k *wsClient) write(b []byte) {
	k.t.Helper()
	if _, err := k.c.Write(b); err != nil {
		k.t.Fatalf("write: %v", err)
	}
}

func (k *wsClient) send(op ws.Op, payload string) { k.write(frame(op, true, []byte(payload))) }

// read returns the next message or control frame (a copy), failing t on
// a protocol error, a timeout, or EOF.
func (k *wsClient) read() ws.Message {
	k.t.Helper()
	m, err := k.tryRead(10 * time.Second)
	if err != nil {
		k.t.Fatalf("reading a frame: %v", err)
	}
	return m
}

func (k *wsClient) tryRead(d time.Duration) (ws.Message, error) {
	k.c.SetReadDeadline(time.Now().Add(d))
	buf := make([]byte, 64<<10)
	for {
		if len(k.in) > 0 {
			n, m, err := k.p.Feed(k.in)
			k.in = k.in[n:]
			if err != nil {
				return ws.Message{}, err
			}
			if m.Op != 0 {
				m.Payload = bytes.Clone(m.Payload)
				return m, nil
			}
		}
		n, err := k.br.Read(buf)
		if err != nil {
			return ws.Message{}, err
		}
		k.raw += n
		k.in = append(k.in, buf[:n]...)
	}
}

// expectClose reads until the server's close frame and returns its code.
func (k *wsClient) expectClose() (ws.StatusCode, string) {
	k.t.Helper()
	for {
		m := k.read()
		if m.Op == ws.OpClose {
			code, reason, err := ws.ParseClose(m.Payload)
			if err != nil {
				k.t.Fatalf("close frame: %v", err)
			}
			return code, string(reason)
		}
	}
}

// expectEOF reads until the server closes the connection.
func (k *wsClient) expectEOF() {
	k.t.Helper()
	for {
		_, err := k.tryRead(10 * time.Second)
		if err == nil {
			continue
		}
		if errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || strings.Contains(err.Error(), "reset") {
			return
		}
		k.t.Fatalf("waiting for the server to close: %v", err)
	}
}

// echoCallbacks echoes every message; "close" closes with 1000.
func echoCallbacks() eddy.WSCallbacks {
	return eddy.WSCallbacks{OnMessage: func(w *eddy.WebSocket, m eddy.WSMessage) {
		if m.Type == eddy.WSText && string(m.Data) == "close" {
			w.Close(1000, "bye")
			return
		}
		w.Send(m.Type, m.Data)
	}}
}

func TestWSHandshakeRefused(t *testing.T) {
	app := eddy.New(eddy.Config{})
	app.WebSocket("/ws", echoCallbacks())
	s := eddytest.New(t, app)
	up := "Connection: Upgrade\r\nUpgrade: websocket\r\n"
	tests := []struct {
		name, req  string
		status     int
		hdr, value string
	}{
		{"plain GET", "GET /ws HTTP/1.1\r\nHost: x\r\n\r\n", 426, "Upgrade", "websocket"},
		{"version 8", "GET /ws HTTP/1.1\r\nHost: x\r\n" + up + "Sec-WebSocket-Version: 8\r\nSec-WebSocket-Key: " + wsKey + "\r\n\r\n", 426, "Sec-WebSocket-Version", "13"},
		{"no version", "GET /ws HTTP/1.1\r\nHost: x\r\n" + up + "Sec-WebSocket-Key: " + wsKey + "\r\n\r\n", 426, "Sec-WebSocket-Version", "13"},
		{"bad key", "GET /ws HTTP/1.1\r\nHost: x\r\n" + up + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: c2hvcnQ=\r\n\r\n", 400, "", ""},
		{"no key", "GET /ws HTTP/1.1\r\nHost: x\r\n" + up + "Sec-WebSocket-Version: 13\r\n\r\n", 400, "", ""},
		{"cross origin", "GET /ws HTTP/1.1\r\nHost: x\r\n" + up + "Origin: http://evil.example\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " + wsKey + "\r\n\r\n", 403, "", ""},
		{"HEAD", "HEAD /ws HTTP/1.1\r\nHost: x\r\n" + up + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " + wsKey + "\r\n\r\n", 400, "", ""},
		{"POST", "POST /ws HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n" + up + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " + wsKey + "\r\n\r\n", 405, "", ""},
		{"HTTP/1.0", "GET /ws HTTP/1.0\r\nHost: x\r\n" + up + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " + wsKey + "\r\n\r\n", 400, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := net.Dial("tcp", s.App.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			io.WriteString(c, tc.req)
			method := "GET"
			if strings.HasPrefix(tc.req, "HEAD") {
				method = "HEAD"
			}
			r := readResponses(t, c, 1, method)[0]
			if r.StatusCode != tc.status {
				t.Fatalf("status %d, want %d (%q)", r.StatusCode, tc.status, body(r))
			}
			if tc.hdr != "" && r.Header.Get(tc.hdr) != tc.value {
				t.Errorf("%s: %q, want %q", tc.hdr, r.Header.Get(tc.hdr), tc.value)
			}
			if r.StatusCode != 101 && !r.Close && !strings.HasPrefix(tc.req, "GET /ws HTTP/1.0") {
				// A refused handshake is an ordinary answer: the connection goes on.
				io.WriteString(c, "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n")
				if r := readResponses(t, c, 1, "GET")[0]; r.StatusCode != 404 {
					t.Errorf("after the refusal: %d", r.StatusCode)
				}
			}
		})
	}
}

// TestWSSubprotocol: the server's preference among the client's offers,
// also past the 254th served protocol (kept aside, not as an index).
func TestWSSubprotocol(t *testing.T) {
	many := make([]string, 300)
	for i := range many {
		many[i] = "p" + strconv.Itoa(i)
	}
	cases := []struct {
		name   string
		served []string
		offer  string
		want   string
	}{
		{"preference", []string{"v2.chat", "v1.chat"}, "v1.chat, v2.chat", "v2.chat"},
		{"second", []string{"v2.chat", "v1.chat"}, "v1.chat", "v1.chat"},
		{"none", []string{"v2.chat"}, "v3.chat", ""},
		{"first of many", many, "p0", "p0"},
		{"254th", many, "p253", "p253"},
		{"past the 254th", many, "p280, p299", "p280"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			app := eddy.New(eddy.Config{})
			got := make(chan string, 1)
			app.WebSocket("/ws", eddy.WSCallbacks{OnOpen: func(w *eddy.WebSocket) { got <- w.Protocol() }},
				eddy.WSConfig{Protocols: tc.served})
			s := eddytest.New(t, app)
			k := dialWS(t, s, "/ws", "Sec-WebSocket-Protocol: "+tc.offer+"\r\n", nil)
			if p := k.resp.Header.Get("Sec-WebSocket-Protocol"); p != tc.want {
				t.Errorf("answered protocol %q, want %q", p, tc.want)
			}
			if p := <-got; p != tc.want {
				t.Errorf("Protocol() = %q, want %q", p, tc.want)
			}
		})
	}
}

// TestWSMiddlewareRefuses: the route's middleware runs before the upgrade
// and may answer instead.
func TestWSMiddlewareRefuses(t *testing.T) {
	app := eddy.New(eddy.Config{})
	auth := func(next eddy.Handler) eddy.Handler {
		return func(c *eddy.Ctx) error {
			if c.Query("token") != "ok" {
				return eddy.NewHTTPError(401, "no token")
			}
			return next(c)
		}
	}
	app.WebSocket("/ws", echoCallbacks(), eddy.With(auth))
	s := eddytest.New(t, app)
	c := s.Dial(t)
	c.Send(t, wsHandshake("/ws", ""))
	if r := c.ReadResponse(t, "GET"); r.Status != 401 {
		t.Fatalf("status %d, want 401", r.Status)
	}
	k := dialWS(t, s, "/ws?token=ok", "", nil)
	k.send(ws.OpText, "hi")
	if m := k.read(); string(m.Payload) != "hi" {
		t.Errorf("echo %q", m.Payload)
	}
}

// TestWSParams: the route's path parameters, kept beside the handshake's
// head, answer as Ctx.Param did at the upgrade, whatever their lengths.
func TestWSParams(t *testing.T) {
	long := strings.Repeat("L", 300) // a length that takes two uvarint bytes
	cases := []struct {
		path             string
		room, user, rest string
	}{
		{"/r/7/ann/x", "7", "ann", "x"},
		{"/r/x%20y/b%2Fc/a/b", "x y", "b%2Fc", "a/b"},
		{"/r/" + long + "/u/" + long, long, "u", long},
	}
	for _, tc := range cases {
		t.Run(tc.path[:min(len(tc.path), 20)], func(t *testing.T) {
			app := eddy.New(eddy.Config{})
			got := make(chan [4]string, 1)
			app.WebSocket("/r/{room}/{user}/{rest:.*}", eddy.WSCallbacks{OnOpen: func(w *eddy.WebSocket) {
				got <- [4]string{w.Param("room"), w.Param("user"), w.Param("rest"), w.Param("missing")}
			}})
			s := eddytest.New(t, app)
			dialWS(t, s, tc.path, "", nil)
			if g, want := <-got, [4]string{tc.room, tc.user, tc.rest, ""}; g != want {
				t.Errorf("params %q, want %q", g, want)
			}
		})
	}
}
