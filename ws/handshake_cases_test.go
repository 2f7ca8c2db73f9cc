package ws

// The RFC 6455 1.3 example key and its accept value.
const (
	sampleKey    = "dGhlIHNhbXBsZSBub25jZQ=="
	sampleAccept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
)

// upgradeRequest is a browser's opening handshake plus extra fields.
func upgradeRequest(extra string) string {
	return "GET /chat HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: " + sampleKey + "\r\nSec-WebSocket-Version: 13\r\n" + extra + "\r\n"
}

// handshakeCase is one row of the server handshake table, which feeds the
// unit test, the fuzz seeds, the benchmark and the allocation test.
type handshakeCase struct {
	name     string
	in       string // the request head
	opts     *ServerOptions
	err      *HandshakeError
	protocol string
	ext      string // the Sec-WebSocket-Extensions answer, "" for none
	params   DeflateParams
}

var (
	deflateDefault = &ServerOptions{Deflate: &DeflateOptions{}}
	chatProtocols  = &ServerOptions{Protocols: []string{"chat.v2", "chat"}}
	p15            = DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}
)

var handshakeCases = []handshakeCase{
	{name: "rfc example", in: upgradeRequest("Origin: http://server.example.com\r\n")},
	{name: "no origin", in: upgradeRequest("")},
	{name: "tokens in lists, any case", in: "GET / HTTP/1.1\r\nHost: a\r\nUpgrade: h2c, WebSocket\r\nConnection: keep-alive, UPGRADE\r\n" +
		"Sec-WebSocket-Key: " + sampleKey + "\r\nSec-WebSocket-Version: 13\r\n\r\n"},
	{name: "connection on two lines", in: "GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: keep-alive\r\nConnection: upgrade\r\n" +
		"Sec-WebSocket-Key: " + sampleKey + "\r\nSec-WebSocket-Version: 13\r\n\r\n"},
	{name: "http 1.0", in: "GET / HTTP/1.0\r\nHost: a\r\nUpgrade: websocket\r\nConnection: upgrade\r\n" +
		"Sec-WebSocket-Key: " + sampleKey + "\r\nSec-WebSocket-Version: 13\r\n\r\n", err: ErrNotHTTP11},
	{name: "post", in: "POST / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: upgrade\r\n" +
		"Sec-WebSocket-Key: " + sampleKey + "\r\nSec-WebSocket-Version: 13\r\nContent-Length: 0\r\n\r\n", err: ErrNotGet},
	{name: "get with a body", in: upgradeRequest("Content-Length: 5\r\n"), err: ErrBody},
	{name: "get with a chunked body", in: upgradeRequest("Transfer-Encoding: chunked\r\n"), err: ErrBody},
	{name: "get with an empty body", in: upgradeRequest("Content-Length: 0\r\n")},
	{name: "post without upgrade", in: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n\r\n", err: ErrNoUpgrade},
	{name: "http 1.0 without connection upgrade", in: "GET / HTTP/1.0\r\nUpgrade: websocket\r\n\r\n", err: ErrNoConnection},
	{name: "no upgrade", in: "GET / HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\nSec-WebSocket-Key: " + sampleKey + "\r\nSec-WebSocket-Version: 13\r\n\r\n", err: ErrNoUpgrade},
	{name: "upgrade h2c", in: "GET / HTTP/1.1\r\nHost: a\r\nUpgrade: h2c\r\nConnection: upgrade\r\nSec-WebSocket-Key: " + sampleKey + "\r\nSec-WebSocket-Version: 13\r\n\r\n", err: ErrNoUpgrade},
	{name: "upgrade websocket2", in: "GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket2\r\nConnection: upgrade\r\nSec-WebSocket-Key: " + sampleKey + "\r\nSec-WebSocket-Version: 13\r\n\r\n", err: ErrNoUpgrade},
	{name: "connection keep-alive only", in: "GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: keep-alive\r\nSec-WebSocket-Key: " + sampleKey + "\r\nSec-WebSocket-Version: 13\r\n\r\n", err: ErrNoConnection},
	{name: "connection upgrades", in: "GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: upgrades\r\nSec-WebSocket-Key: " + sampleKey + "\r\nSec-WebSocket-Version: 13\r\n\r\n", err: ErrNoConnection},
	{name: "no key", in: "GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n", err: ErrBadKey},
	{name: "short key", in: "GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", err: ErrBadKey},
	{name: "key not base64", in: "GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZ!==\r\nSec-WebSocket-Version: 13\r\n\r\n", err: ErrBadKey},
	{name: "key of 17 bytes", in: "GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZXg=\r\nSec-WebSocket-Version: 13\r\n\r\n", err: ErrBadKey},
	{name: "two keys", in: upgradeRequest("Sec-WebSocket-Key: " + sampleKey + "\r\n"), err: ErrBadKey},
	{name: "no version", in: "GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: upgrade\r\nSec-WebSocket-Key: " + sampleKey + "\r\n\r\n", err: ErrBadVersion},
	{name: "version 8", in: "GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: upgrade\r\nSec-WebSocket-Key: " + sampleKey + "\r\nSec-WebSocket-Version: 8\r\n\r\n", err: ErrBadVersion},
	{name: "two versions", in: upgradeRequest("Sec-WebSocket-Version: 8\r\n"), err: ErrBadVersion},
	{name: "cross origin", in: upgradeRequest("Origin: http://evil.example\r\n"), err: ErrOrigin},
	{name: "origin with port", in: "GET / HTTP/1.1\r\nHost: a.example:8080\r\nUpgrade: websocket\r\nConnection: upgrade\r\nSec-WebSocket-Key: " + sampleKey +
		"\r\nSec-WebSocket-Version: 13\r\nOrigin: https://A.example:8080\r\n\r\n"},
	{name: "origin null", in: upgradeRequest("Origin: null\r\n"), err: ErrOrigin},
	{name: "two origins", in: upgradeRequest("Origin: http://server.example.com\r\nOrigin: http://server.example.com\r\n"), err: ErrOrigin},
	{name: "any origin", in: upgradeRequest("Origin: http://evil.example\r\n"), opts: &ServerOptions{CheckOrigin: AnyOrigin}},
	{name: "origin hook refuses", in: upgradeRequest(""), opts: &ServerOptions{CheckOrigin: func(o, h []byte) bool { return false }}},
	{name: "origin hook refuses present origin", in: upgradeRequest("Origin: http://server.example.com\r\n"),
		opts: &ServerOptions{CheckOrigin: func(o, h []byte) bool { return false }}, err: ErrOrigin},

	// Subprotocols: the server's preference wins.
	{name: "protocol server preference", in: upgradeRequest("Sec-WebSocket-Protocol: chat, chat.v2\r\n"), opts: chatProtocols, protocol: "chat.v2"},
	{name: "protocol on two lines", in: upgradeRequest("Sec-WebSocket-Protocol: x\r\nSec-WebSocket-Protocol: chat\r\n"), opts: chatProtocols, protocol: "chat"},
	{name: "protocol case-sensitive", in: upgradeRequest("Sec-WebSocket-Protocol: CHAT\r\n"), opts: chatProtocols},
	{name: "protocol none in common", in: upgradeRequest("Sec-WebSocket-Protocol: soap\r\n"), opts: chatProtocols},
	{name: "protocol not asked", in: upgradeRequest(""), opts: chatProtocols},

	// Autobahn 12 and 13: permessage-deflate negotiation.
	{name: "deflate not enabled", in: upgradeRequest("Sec-WebSocket-Extensions: permessage-deflate\r\n")},
	{name: "deflate plain", in: upgradeRequest("Sec-WebSocket-Extensions: permessage-deflate\r\n"), opts: deflateDefault,
		ext: "permessage-deflate", params: p15},
	{name: "deflate client_max_window_bits no value", in: upgradeRequest("Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"), opts: deflateDefault,
		ext: "permessage-deflate", params: p15},
	{name: "deflate server_no_context_takeover", in: upgradeRequest("Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover\r\n"), opts: deflateDefault,
		ext: "permessage-deflate; server_no_context_takeover", params: DeflateParams{ServerNoContextTakeover: true, ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}},
	{name: "deflate client_no_context_takeover", in: upgradeRequest("Sec-WebSocket-Extensions: permessage-deflate; client_no_context_takeover\r\n"), opts: deflateDefault,
		ext: "permessage-deflate; client_no_context_takeover", params: DeflateParams{ClientNoContextTakeover: true, ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}},
	{name: "deflate server_max_window_bits 9", in: upgradeRequest("Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=9\r\n"), opts: deflateDefault,
		ext: "permessage-deflate; server_max_window_bits=9", params: DeflateParams{ServerMaxWindowBits: 9, ClientMaxWindowBits: 15}},
	{name: "deflate server_max_window_bits 8", in: upgradeRequest("Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=8\r\n"), opts: deflateDefault,
		ext: "permessage-deflate; server_max_window_bits=8", params: DeflateParams{ServerMaxWindowBits: 8, ClientMaxWindowBits: 15}},
	{name: "deflate server_max_window_bits 15 is answered", in: upgradeRequest("Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=15\r\n"), opts: deflateDefault,
		ext: "permessage-deflate; server_max_window_bits=15", params: p15},
	{name: "deflate client_max_window_bits 10", in: upgradeRequest("Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=10\r\n"), opts: deflateDefault,
		ext: "permessage-deflate; client_max_window_bits=10", params: DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 10}},
	{name: "deflate quoted value", in: upgradeRequest("Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=\"12\"\r\n"), opts: deflateDefault,
		ext: "permessage-deflate; client_max_window_bits=12", params: DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 12}},
	{name: "deflate every parameter", in: upgradeRequest("Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10; client_max_window_bits=11\r\n"),
		opts: deflateDefault, ext: "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10; client_max_window_bits=11",
		params: DeflateParams{true, true, 10, 11}},
	{name: "deflate server options", in: upgradeRequest("Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"),
		opts:   &ServerOptions{Deflate: &DeflateOptions{ServerNoContextTakeover: true, ClientNoContextTakeover: true, ServerMaxWindowBits: 12, ClientMaxWindowBits: 9}},
		ext:    "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=12; client_max_window_bits=9",
		params: DeflateParams{true, true, 12, 9}},
	{name: "deflate server option smaller than offer", in: upgradeRequest("Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=13\r\n"),
		opts: &ServerOptions{Deflate: &DeflateOptions{ServerMaxWindowBits: 10}},
		ext:  "permessage-deflate; server_max_window_bits=10", params: DeflateParams{ServerMaxWindowBits: 10, ClientMaxWindowBits: 15}},
	{name: "deflate client bits not offered", in: upgradeRequest("Sec-WebSocket-Extensions: permessage-deflate\r\n"),
		opts: &ServerOptions{Deflate: &DeflateOptions{ClientMaxWindowBits: 9}}, ext: "permessage-deflate", params: p15},
	{name: "deflate first acceptable of several", in: upgradeRequest("Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=7, permessage-deflate; client_no_context_takeover, permessage-deflate\r\n"),
		opts: deflateDefault, ext: "permessage-deflate; client_no_context_takeover", params: DeflateParams{ClientNoContextTakeover: true, ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}},
	{name: "deflate offers on two lines", in: upgradeRequest("Sec-WebSocket-Extensions: x-webkit-deflate-frame\r\nSec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=12\r\n"),
		opts: deflateDefault, ext: "permessage-deflate; server_max_window_bits=12", params: DeflateParams{ServerMaxWindowBits: 12, ClientMaxWindowBits: 15}},
	{name: "deflate unknown parameter declined", in: upgradeRequest("Sec-WebSocket-Extensions: permessage-deflate; foo=1\r\n"), opts: deflateDefault},
	{name: "deflate duplicate parameter declined", in: upgradeRequest("Sec-WebSocket-Extensions: permessage-deflate; client_no_context_takeover; client_no_context_takeover\r\n"), opts: deflateDefault},
	{name: "deflate duplicate client bits declined", in: upgradeRequest("Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits; client_max_window_bits=10\r\n"), opts: deflateDefault},
	{name: "deflate server bits without value declined", in: upgradeRequest("Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits\r\n"), opts: deflateDefault},
	{name: "deflate bits 16 declined", in: upgradeRequest("Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=16\r\n"), opts: deflateDefault},
	{name: "deflate bits 08 declined", in: upgradeRequest("Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=08\r\n"), opts: deflateDefault},
	{name: "deflate no_context_takeover with value declined", in: upgradeRequest("Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover=1\r\n"), opts: deflateDefault},
	{name: "deflate name case-sensitive", in: upgradeRequest("Sec-WebSocket-Extensions: Permessage-Deflate\r\n"), opts: deflateDefault},
}
