package ws

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/eddy-go/eddy/httpcodec"
)

func TestNewKey(t *testing.T) {
	a, b := NewKey(), NewKey()
	if a == b || !validKey(a[:]) || !validKey(b[:]) {
		t.Fatalf("keys %q %q", a, b)
	}
	raw, err := base64.StdEncoding.DecodeString(string(a[:]))
	if err != nil || len(raw) != 16 {
		t.Fatalf("key decodes to %d bytes: %v", len(raw), err)
	}
}

// TestClientServerHandshake builds a client request with
// AppendRequestHeaders, accepts it with Accept, and checks the answer with
// CheckResponse: both ends agree on every negotiation.
func TestClientServerHandshake(t *testing.T) {
	tests := []struct {
		name   string
		client *ClientOptions
		server *ServerOptions
		proto  string
		params DeflateParams
		defl   bool
	}{
		{name: "plain"},
		{name: "protocols", client: &ClientOptions{Protocols: []string{"b", "a"}}, server: &ServerOptions{Protocols: []string{"a", "b"}}, proto: "a"},
		{name: "deflate", client: &ClientOptions{Deflate: &DeflateOptions{}}, server: deflateDefault, defl: true, params: p15},
		{name: "deflate offered, server off", client: &ClientOptions{Deflate: &DeflateOptions{}}},
		{name: "deflate every option", client: &ClientOptions{Deflate: &DeflateOptions{ServerNoContextTakeover: true, ClientNoContextTakeover: true,
			ServerMaxWindowBits: 10, ClientMaxWindowBits: 12}}, server: deflateDefault, defl: true, params: DeflateParams{true, true, 10, 12}},
		{name: "deflate server limits client", client: &ClientOptions{Deflate: &DeflateOptions{}},
			server: &ServerOptions{Deflate: &DeflateOptions{ClientMaxWindowBits: 9, ServerNoContextTakeover: true}}, defl: true,
			params: DeflateParams{ServerNoContextTakeover: true, ServerMaxWindowBits: 15, ClientMaxWindowBits: 9}},
	}
	for _, tt := range tests {
		key := NewKey()
		req := "GET /ws HTTP/1.1\r\nHost: h\r\n" + string(AppendRequestHeaders(nil, key[:], tt.client)) + "\r\n"
		hs, herr := Accept(parseRequest(t, req), tt.server)
		if herr != nil {
			t.Fatalf("%s: Accept: %v", tt.name, herr)
		}
		answer := hs.AppendResponse(nil)
		var p httpcodec.ResponseParser
		var r httpcodec.Response
		if _, err := p.Parse(answer, &r, false); err != nil {
			t.Fatal(err)
		}
		chs, cerr := CheckResponse(&r, key[:], tt.client)
		if cerr != nil {
			t.Fatalf("%s: CheckResponse: %v", tt.name, cerr)
		}
		if hs.Protocol != tt.proto || chs.Protocol != tt.proto || hs.Deflate != tt.defl || chs.Deflate != tt.defl ||
			hs.DeflateParams != tt.params || chs.DeflateParams != tt.params {
			t.Fatalf("%s: server %q %v %+v, client %q %v %+v, want %q %v %+v", tt.name, hs.Protocol, hs.Deflate, hs.DeflateParams,
				chs.Protocol, chs.Deflate, chs.DeflateParams, tt.proto, tt.defl, tt.params)
		}
	}
}

// responseCases are server answers a client must refuse (or accept).
var responseCases = []struct {
	name string
	head string // fields after the status line and Upgrade/Connection
	opts *ClientOptions
	err  *HandshakeError
}{
	{name: "ok", head: "Sec-WebSocket-Accept: " + sampleAccept + "\r\n"},
	{name: "wrong accept", head: "Sec-WebSocket-Accept: " + strings.Replace(sampleAccept, "s", "t", 1) + "\r\n", err: ErrBadAccept},
	{name: "two accepts", head: "Sec-WebSocket-Accept: " + sampleAccept + "\r\nSec-WebSocket-Accept: " + sampleAccept + "\r\n", err: ErrBadAccept},
	{name: "no accept", err: ErrBadAccept},
	{name: "protocol not offered", head: "Sec-WebSocket-Accept: " + sampleAccept + "\r\nSec-WebSocket-Protocol: chat\r\n", err: ErrBadProtocol},
	{name: "protocol offered", head: "Sec-WebSocket-Accept: " + sampleAccept + "\r\nSec-WebSocket-Protocol: chat\r\n", opts: &ClientOptions{Protocols: []string{"chat"}}},
	{name: "two protocols", head: "Sec-WebSocket-Accept: " + sampleAccept + "\r\nSec-WebSocket-Protocol: chat\r\nSec-WebSocket-Protocol: chat\r\n",
		opts: &ClientOptions{Protocols: []string{"chat"}}, err: ErrBadProtocol},
	{name: "deflate not offered", head: "Sec-WebSocket-Accept: " + sampleAccept + "\r\nSec-WebSocket-Extensions: permessage-deflate\r\n", err: ErrBadExtension},
	{name: "unknown extension", head: "Sec-WebSocket-Accept: " + sampleAccept + "\r\nSec-WebSocket-Extensions: x-foo\r\n", opts: &ClientOptions{Deflate: &DeflateOptions{}}, err: ErrBadExtension},
	{name: "deflate twice", head: "Sec-WebSocket-Accept: " + sampleAccept + "\r\nSec-WebSocket-Extensions: permessage-deflate, permessage-deflate\r\n",
		opts: &ClientOptions{Deflate: &DeflateOptions{}}, err: ErrBadExtension},
	{name: "deflate client bits without value", head: "Sec-WebSocket-Accept: " + sampleAccept + "\r\nSec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n",
		opts: &ClientOptions{Deflate: &DeflateOptions{}}, err: ErrBadExtension},
	{name: "deflate server context takeover refused", head: "Sec-WebSocket-Accept: " + sampleAccept + "\r\nSec-WebSocket-Extensions: permessage-deflate\r\n",
		opts: &ClientOptions{Deflate: &DeflateOptions{ServerNoContextTakeover: true}}, err: ErrBadExtension},
	{name: "deflate server window too large", head: "Sec-WebSocket-Accept: " + sampleAccept + "\r\nSec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=12\r\n",
		opts: &ClientOptions{Deflate: &DeflateOptions{ServerMaxWindowBits: 10}}, err: ErrBadExtension},
}

func TestCheckResponse(t *testing.T) {
	for _, c := range responseCases {
		for _, status := range []string{"101 Switching Protocols", "200 OK"} {
			resp := "HTTP/1.1 " + status + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" + c.head + "\r\n"
			var p httpcodec.ResponseParser
			var r httpcodec.Response
			if _, err := p.Parse([]byte(resp), &r, false); err != nil {
				t.Fatal(err)
			}
			_, err := CheckResponse(&r, []byte(sampleKey), c.opts)
			want := c.err
			if status != "101 Switching Protocols" {
				want = ErrBadStatus
			}
			if err != want {
				t.Errorf("%s (%s): err = %v, want %v", c.name, status, err, want)
			}
		}
	}
	// No Upgrade field.
	var p httpcodec.ResponseParser
	var r httpcodec.Response
	resp := "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " + sampleAccept + "\r\n\r\n"
	if _, err := p.Parse([]byte(resp), &r, false); err != nil {
		t.Fatal(err)
	}
	if _, err := CheckResponse(&r, []byte(sampleKey), nil); err != ErrBadUpgrade {
		t.Fatalf("no upgrade: %v", err)
	}
}
