package main

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/eddytest"
	"github.com/eddy-go/eddy/ws"
)

// wsConn is a minimal blocking WebSocket client for the contract test.
type wsConn struct {
	t    *testing.T
	c    net.Conn
	br   *bufio.Reader
	p    ws.Parser
	in   []byte
	raw  int // bytes read from the connection
	resp *http.Response
}

func dialWS(t *testing.T, addr string, deflate bool) *wsConn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	key := ws.NewKey()
	var o ws.ClientOptions
	if deflate {
		o.Deflate = &ws.DeflateOptions{}
	}
	req := append([]byte("GET /ws HTTP/1.1\r\nHost: x\r\n"), ws.AppendRequestHeaders(nil, key[:], &o)...)
	if _, err := c.Write(append(req, "\r\n"...)); err != nil {
		t.Fatal(err)
	}
	k := &wsConn{t: t, c: c, br: bufio.NewReader(c)}
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	k.resp, err = http.ReadResponse(k.br, &http.Request{Method: "GET"})
	if err != nil || k.resp.StatusCode != 101 {
		t.Fatalf("handshake: %v %v", k.resp, err)
	}
	k.p.Role = ws.RoleClient
	k.p.MaxMessage = 64 << 20
	if strings.Contains(k.resp.Header.Get("Sec-WebSocket-Extensions"), "permessage-deflate") {
		k.p.Inflater = ws.NewInflater(ws.DeflateParams{}, ws.RoleClient) // the server accepted the plain offer
	}
	return k
}

func (k *wsConn) read() (ws.Message, error) {
	k.c.SetReadDeadline(time.Now().Add(20 * time.Second))
	buf := make([]byte, 256<<10)
	for {
		if len(k.in) > 0 {
			n, m, err := k.p.Feed(k.in)
			k.in = k.in[n:]
			if err != nil || m.Op != 0 {
				m.Payload = bytes.Clone(m.Payload)
				return m, err
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

// TestWSContract: GET /ws echoes text and binary messages as received, up
// to 16 MiB; a larger one is refused with 1009. With -ws-deflate the
// extension is offered and the echo comes back compressed.
func TestWSContract(t *testing.T) {
	for _, deflate := range []bool{false, true} {
		app := newApp(eddy.Config{Loops: 1}, deflate)
		addr := eddytest.New(t, app).App.Addr().String()
		k := dialWS(t, addr, true)
		if got := k.resp.Header.Get("Sec-WebSocket-Extensions"); (got != "") != deflate {
			t.Fatalf("deflate %v: Sec-WebSocket-Extensions %q", deflate, got)
		}
		big := make([]byte, wsMaxMessage)
		rand.Read(big)
		large := big
		if deflate {
			// Compressing 16 MiB of random bytes takes seconds under -race
			// on a loaded machine: 1 MiB shows the same path.
			large = big[:1<<20]
		}
		key := ws.NewMaskKey()
		for _, tc := range []struct {
			op   ws.Op
			data []byte
		}{
			{ws.OpText, []byte("ping")},
			{ws.OpBinary, bytes.Repeat([]byte("z"), 32)},
			{ws.OpBinary, bytes.Repeat([]byte("y"), 16<<10)},
			{ws.OpBinary, large},
		} {
			if _, err := k.c.Write(ws.AppendMaskedFrame(nil, tc.op, true, tc.data, key)); err != nil {
				t.Fatal(err)
			}
			before := k.raw
			m, err := k.read()
			if err != nil || m.Op != tc.op || !bytes.Equal(m.Payload, tc.data) {
				t.Fatalf("deflate %v: echo of %d bytes: op %v, %d bytes, %v", deflate, len(tc.data), m.Op, len(m.Payload), err)
			}
			if wire := k.raw - before; len(tc.data) == 16<<10 && (wire < len(tc.data)) != deflate {
				t.Errorf("deflate %v: a 16 KiB run of one byte took %d bytes on the wire", deflate, wire)
			}
		}
		k.c.Write(ws.AppendMaskedFrame(nil, ws.OpBinary, true, append(big, 'x'), key))
		m, err := k.read()
		if err != nil && err != io.EOF {
			t.Fatal(err)
		}
		if code, _, _ := ws.ParseClose(m.Payload); m.Op != ws.OpClose || code != ws.StatusMessageTooBig {
			t.Errorf("deflate %v: a message over 16 MiB got %v %d, want close 1009", deflate, m.Op, code)
		}
	}
}

// TestWSBroadcastRoom: a message to GET /wsb reaches every member.
func TestWSBroadcastRoom(t *testing.T) {
	app := newApp(eddy.Config{Loops: 2}, false)
	s := eddytest.New(t, app)
	members := make([]*eddytest.WSConn, 5)
	for i := range members {
		members[i] = s.DialWS(t, "/wsb")
	}
	// A member joins in OnOpen, which runs when its 101 is written: before
	// the client reads it, so before any message it sends.
	members[0].SendText(t, "hello")
	for i, m := range members {
		if msg := m.Read(t); msg.Text() != "hello" {
			t.Fatalf("member %d got %v %q", i, msg.Type, msg.Data)
		}
	}
}
