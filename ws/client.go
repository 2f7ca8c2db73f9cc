package ws

import (
	"crypto/rand"
	"encoding/base64"

	"github.com/eddy-go/eddy/httpcodec"
)

// ClientOptions configure a client's opening handshake.
type ClientOptions struct {
	// Protocols are the subprotocols offered, in order of preference.
	Protocols []string
	// Deflate offers permessage-deflate; nil offers nothing.
	Deflate *DeflateOptions
}

// NewKey returns a fresh Sec-WebSocket-Key: the base64 form of 16 random
// bytes from crypto/rand.
func NewKey() [24]byte {
	var raw [16]byte
	_, _ = rand.Read(raw[:])
	var key [24]byte
	base64.StdEncoding.Encode(key[:], raw[:])
	return key
}

// AppendRequestHeaders appends the header fields of a client's opening
// handshake to dst, each ending in CRLF: Upgrade, Connection,
// Sec-WebSocket-Key (key, from NewKey), Sec-WebSocket-Version and, when o
// asks, Sec-WebSocket-Protocol and Sec-WebSocket-Extensions. The caller
// writes the request line ("GET /path HTTP/1.1"), Host, any other field and
// the empty line. o may be nil.
func AppendRequestHeaders(dst, key []byte, o *ClientOptions) []byte {
	dst = append(dst, "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: "...)
	dst = append(dst, key...)
	dst = append(dst, "\r\nSec-WebSocket-Version: 13\r\n"...)
	if o == nil {
		return dst
	}
	if len(o.Protocols) > 0 {
		dst = append(dst, "Sec-WebSocket-Protocol: "...)
		for i, p := range o.Protocols {
			if i > 0 {
				dst = append(dst, ", "...)
			}
			dst = append(dst, p...)
		}
		dst = append(dst, "\r\n"...)
	}
	if o.Deflate != nil {
		dst = append(dst, "Sec-WebSocket-Extensions: "...)
		dst = appendOffer(dst, o.Deflate)
		dst = append(dst, "\r\n"...)
	}
	return dst
}

// CheckResponse validates the server's answer r (parsed by httpcodec) to
// a request made with key and o: status 101, "Upgrade: websocket",
// "Connection: upgrade", the right Sec-WebSocket-Accept, a subprotocol
// only from those offered, and permessage-deflate only if offered and with
// parameters the offer allows. o may be nil.
func CheckResponse(r *httpcodec.Response, key []byte, o *ClientOptions) (Handshake, *HandshakeError) {
	var hs Handshake
	if o == nil {
		o = &ClientOptions{}
	}
	if r.Status() != 101 {
		return hs, ErrBadStatus
	}
	var (
		upgrade, connection bool
		accepts, protocols  int
		accept, protocol    []byte
	)
	deflates := 0
	for i := 0; i < r.NumHeaders(); i++ {
		name, value := r.HeaderAt(i)
		switch {
		case equalFold(name, "upgrade"):
			upgrade = upgrade || hasToken(value, "websocket")
		case equalFold(name, "connection"):
			connection = connection || hasToken(value, "upgrade")
		case equalFold(name, "sec-websocket-accept"):
			accepts++
			accept = value
		case equalFold(name, "sec-websocket-protocol"):
			protocols++
			protocol = value
		case equalFold(name, "sec-websocket-extensions"):
			for list := value; len(list) > 0; {
				var ext []byte
				ext, list = nextItem(list)
				if len(ext) == 0 {
					continue
				}
				isDeflate, resp, ok := parseExtension(ext)
				deflates++
				if !isDeflate || !ok || o.Deflate == nil || deflates > 1 {
					return hs, ErrBadExtension
				}
				p, ok := checkDeflateResponse(resp, o.Deflate)
				if !ok {
					return hs, ErrBadExtension
				}
				hs.Deflate, hs.DeflateParams = true, p
			}
		}
	}
	if !upgrade || !connection {
		return hs, ErrBadUpgrade
	}
	var want [28]byte
	AppendAcceptKey(want[:0], key)
	if accepts != 1 || string(accept) != string(want[:]) {
		return hs, ErrBadAccept
	}
	if protocols > 1 {
		return hs, ErrBadProtocol
	}
	if protocols == 1 {
		for _, p := range o.Protocols {
			if string(protocol) == p {
				hs.Protocol = p
			}
		}
		if hs.Protocol == "" {
			return hs, ErrBadProtocol
		}
	}
	return hs, nil
}

// checkDeflateResponse validates a server's permessage-deflate answer
// against the client's offer (RFC 7692 7.1).
func checkDeflateResponse(r deflateOffer, offer *DeflateOptions) (DeflateParams, bool) {
	p := DeflateParams{
		ServerNoContextTakeover: r.serverNoCtx,
		ClientNoContextTakeover: r.clientNoCtx || offer.ClientNoContextTakeover,
		ServerMaxWindowBits:     15,
		ClientMaxWindowBits:     15,
	}
	if offer.ServerNoContextTakeover && !r.serverNoCtx {
		return p, false
	}
	if r.serverBits > 0 {
		p.ServerMaxWindowBits = r.serverBits
	}
	if want := bits(offer.ServerMaxWindowBits); want < 15 && (r.serverBits == 0 || r.serverBits > want) {
		return p, false
	}
	switch {
	case r.clientBits < 0:
		return p, false // a response's client_max_window_bits needs a value
	case r.clientBits > 0:
		p.ClientMaxWindowBits = r.clientBits
	}
	if want := bits(offer.ClientMaxWindowBits); want < p.ClientMaxWindowBits {
		p.ClientMaxWindowBits = want
	}
	return p, true
}
