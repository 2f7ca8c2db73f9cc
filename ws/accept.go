package ws

import (
	"bytes"

	"github.com/eddy-go/eddy/httpcodec"
)

// ServerOptions configure Accept. The zero value accepts a same-origin
// request without subprotocol or extension.
type ServerOptions struct {
	// Protocols are the subprotocols the server speaks, in its order of
	// preference: the first one the client also offers is selected.
	Protocols []string
	// CheckOrigin decides whether a request with an Origin header field is
	// allowed (origin is its value, host the request's Host). nil allows
	// a request without Origin and one whose Origin names the Host (same
	// origin, the browser's defence against cross-site WebSocket
	// hijacking); AnyOrigin allows every origin.
	CheckOrigin func(origin, host []byte) bool
	// Deflate enables permessage-deflate; nil leaves it off.
	Deflate *DeflateOptions
}

// AnyOrigin is a ServerOptions.CheckOrigin that allows every origin.
func AnyOrigin(origin, host []byte) bool { return true }

// sameOrigin reports whether origin ("scheme://host[:port]") names host,
// ignoring ASCII case.
func sameOrigin(origin, host []byte) bool {
	i := bytes.Index(origin, []byte("://"))
	if i < 0 {
		return false
	}
	return bytes.EqualFold(origin[i+3:], host)
}

// Accept validates the opening handshake in r, a request already parsed
// by httpcodec. First, whether it asks for a WebSocket at all:
// "Upgrade: websocket" and "Connection: upgrade" as tokens of their lists
// (else ErrNoUpgrade or ErrNoConnection, and a server may answer it as an
// ordinary request). Then method GET on HTTP/1.1 without a body, one
// "Sec-WebSocket-Version: 13" (else ErrBadVersion: answer 426 with
// "Sec-WebSocket-Version: 13"), one Sec-WebSocket-Key that is the base64
// form of 16 bytes, and the origin check. It then selects a subprotocol and, when o.Deflate is
// set, the first permessage-deflate offer that parses (malformed offers
// are declined, not errors). o may be nil.
//
// Accept allocates nothing; the Handshake holds no reference to r.
func Accept(r *httpcodec.Request, o *ServerOptions) (Handshake, *HandshakeError) {
	var hs Handshake
	if o == nil {
		o = &ServerOptions{}
	}
	var (
		upgrade, connection bool
		key, origin         []byte
		keys, versions      int
		versionOK           bool
		origins             int
	)
	for i := 0; i < r.NumHeaders(); i++ {
		name, value := r.HeaderAt(i)
		switch {
		case equalFold(name, "upgrade"):
			upgrade = upgrade || hasToken(value, "websocket")
		case equalFold(name, "connection"):
			connection = connection || hasToken(value, "upgrade")
		case equalFold(name, "sec-websocket-key"):
			keys++
			key = value
		case equalFold(name, "sec-websocket-version"):
			versions++
			versionOK = string(value) == "13"
		case equalFold(name, "origin"):
			origins++
			origin = value
		}
	}
	// Whether the request asks for a WebSocket at all comes first: a
	// server may answer a request that does not as an ordinary one.
	switch {
	case !upgrade:
		return hs, ErrNoUpgrade
	case !connection:
		return hs, ErrNoConnection
	case string(r.Method()) != "GET":
		return hs, ErrNotGet
	case r.Minor() < 1:
		return hs, ErrNotHTTP11
	case r.HasBody():
		// What follows the head would be both body and frames.
		return hs, ErrBody
	case versions != 1 || !versionOK:
		return hs, ErrBadVersion
	case keys != 1 || !validKey(key):
		return hs, ErrBadKey
	case origins > 1:
		return hs, ErrOrigin
	}
	if origins == 1 {
		check := o.CheckOrigin
		if check == nil {
			check = sameOrigin
		}
		if !check(origin, r.Host()) {
			return hs, ErrOrigin
		}
	}
	AppendAcceptKey(hs.accept[:0], key)
	hs.Protocol = selectProtocol(r, o.Protocols)
	if o.Deflate != nil {
		negotiateDeflate(r, o.Deflate, &hs)
	}
	return hs, nil
}

// selectProtocol returns the first of protocols that a
// Sec-WebSocket-Protocol field of h lists.
func selectProtocol(h headers, protocols []string) string {
	for _, p := range protocols {
		for i := 0; i < h.NumHeaders(); i++ {
			name, value := h.HeaderAt(i)
			if equalFold(name, "sec-websocket-protocol") && hasExactToken(value, p) {
				return p
			}
		}
	}
	return ""
}

// negotiateDeflate accepts the first valid permessage-deflate offer of h's
// Sec-WebSocket-Extensions fields, in order.
func negotiateDeflate(h headers, opts *DeflateOptions, hs *Handshake) {
	for i := 0; i < h.NumHeaders(); i++ {
		name, list := h.HeaderAt(i)
		if !equalFold(name, "sec-websocket-extensions") {
			continue
		}
		for len(list) > 0 {
			var ext []byte
			ext, list = nextItem(list)
			isDeflate, offer, ok := parseExtension(ext)
			if !isDeflate || !ok {
				continue
			}
			p, out := respond(offer, opts, hs.ext[:0])
			hs.Deflate, hs.DeflateParams, hs.extN = true, p, uint8(len(out))
			return
		}
	}
}
