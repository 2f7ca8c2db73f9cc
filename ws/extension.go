package ws

import "strconv"

// DeflateOptions configure permessage-deflate (RFC 7692), which is off
// unless ServerOptions.Deflate or ClientOptions.Deflate is set. Window bits
// are 8 to 15; 0 means 15 (a 32 KiB window).
//
// For a server: ServerNoContextTakeover makes the server compress every
// message on its own (it saves the server a compressor per connection),
// ClientNoContextTakeover asks the client to do the same (it saves the
// server a 32 KiB window per connection), and the window bits bound the
// server's own window and, when the client allows it, the client's.
// For a client the same fields are what it offers.
type DeflateOptions struct {
	ServerNoContextTakeover bool
	ClientNoContextTakeover bool
	ServerMaxWindowBits     int
	ClientMaxWindowBits     int
}

// bits returns b as window bits: 15 when out of 8..15.
func bits(b int) int {
	if b < 8 || b > 15 {
		return 15
	}
	return b
}

const extName = "permessage-deflate"

// maxExtResponse bounds the rendered extension answer: the name and all
// four parameters with two-digit values take 126 bytes.
const maxExtResponse = 128

// deflateOffer is one parsed permessage-deflate offer or response.
type deflateOffer struct {
	serverNoCtx, clientNoCtx bool
	serverBits               int // 0: absent
	clientBits               int // 0: absent, -1: present without a value
}

// parseExtension splits one extension ("name; p; q=v") into its name and,
// for permessage-deflate, its parameters. ok is false for a malformed
// permessage-deflate element (unknown, repeated or invalid parameter).
func parseExtension(ext []byte) (isDeflate bool, o deflateOffer, ok bool) {
	name, rest := nextParam(ext)
	if string(name) != extName {
		return false, o, true
	}
	seen := 0
	for len(rest) > 0 {
		var p []byte
		p, rest = nextParam(rest)
		key, val, hasVal := cutParam(p)
		var bit int
		switch string(key) {
		case "server_no_context_takeover":
			bit = 1
			o.serverNoCtx = true
			if hasVal {
				return true, o, false
			}
		case "client_no_context_takeover":
			bit = 2
			o.clientNoCtx = true
			if hasVal {
				return true, o, false
			}
		case "server_max_window_bits":
			bit = 4
			if o.serverBits = windowBits(val); !hasVal || o.serverBits == 0 {
				return true, o, false
			}
		case "client_max_window_bits":
			bit = 8
			o.clientBits = -1
			if hasVal {
				if o.clientBits = windowBits(val); o.clientBits == 0 {
					return true, o, false
				}
			}
		default:
			return true, o, false
		}
		if seen&bit != 0 {
			return true, o, false
		}
		seen |= bit
	}
	return true, o, true
}

// nextParam splits at the first ';' outside quotes, trimming both sides.
func nextParam(b []byte) (first, rest []byte) {
	quoted := false
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case c == '"':
			quoted = !quoted
		case c == '\\' && quoted:
			i++
		case c == ';' && !quoted:
			return trimOWS(b[:i]), b[i+1:]
		}
	}
	return trimOWS(b), nil
}

// cutParam splits "key=value" (the value possibly quoted) into its parts.
func cutParam(p []byte) (key, val []byte, hasVal bool) {
	for i, c := range p {
		if c == '=' {
			val = trimOWS(p[i+1:])
			if len(val) >= 2 && val[0] == '"' && val[len(val)-1] == '"' {
				val = val[1 : len(val)-1]
			}
			return trimOWS(p[:i]), val, true
		}
	}
	return p, nil, false
}

// windowBits parses a window bits value, 8 to 15 without leading zeros;
// 0 means invalid.
func windowBits(v []byte) int {
	switch {
	case len(v) == 1 && (v[0] == '8' || v[0] == '9'):
		return int(v[0] - '0')
	case len(v) == 2 && v[0] == '1' && v[1] >= '0' && v[1] <= '5':
		return 10 + int(v[1]-'0')
	}
	return 0
}

// respond decides the server's answer to an offer under opts; it always
// accepts (every parameter has a value the server can honour) and returns
// the negotiated parameters and the rendered answer.
func respond(o deflateOffer, opts *DeflateOptions, dst []byte) (DeflateParams, []byte) {
	p := DeflateParams{
		ServerNoContextTakeover: o.serverNoCtx || opts.ServerNoContextTakeover,
		ClientNoContextTakeover: o.clientNoCtx || opts.ClientNoContextTakeover,
		ServerMaxWindowBits:     bits(opts.ServerMaxWindowBits),
		ClientMaxWindowBits:     15,
	}
	if o.serverBits > 0 && o.serverBits < p.ServerMaxWindowBits {
		p.ServerMaxWindowBits = o.serverBits
	}
	// The server may bound the client's window only if the client said it
	// can be bounded (client_max_window_bits in the offer).
	writeClientBits := false
	if o.clientBits != 0 {
		p.ClientMaxWindowBits = bits(opts.ClientMaxWindowBits)
		if o.clientBits > 0 && o.clientBits < p.ClientMaxWindowBits {
			p.ClientMaxWindowBits = o.clientBits
		}
		writeClientBits = p.ClientMaxWindowBits < 15 || o.clientBits > 0
	}
	dst = append(dst, extName...)
	if p.ServerNoContextTakeover {
		dst = append(dst, "; server_no_context_takeover"...)
	}
	if p.ClientNoContextTakeover {
		dst = append(dst, "; client_no_context_takeover"...)
	}
	// An offer's server_max_window_bits is accepted only by answering it.
	if o.serverBits > 0 || p.ServerMaxWindowBits < 15 {
		dst = append(dst, "; server_max_window_bits="...)
		dst = strconv.AppendInt(dst, int64(p.ServerMaxWindowBits), 10)
	}
	if writeClientBits {
		dst = append(dst, "; client_max_window_bits="...)
		dst = strconv.AppendInt(dst, int64(p.ClientMaxWindowBits), 10)
	}
	return p, dst
}

// appendOffer appends a client's permessage-deflate offer under opts.
// It always offers client_max_window_bits, since the client's compressor
// honours any window the server asks for.
func appendOffer(dst []byte, opts *DeflateOptions) []byte {
	dst = append(dst, extName...)
	if opts.ServerNoContextTakeover {
		dst = append(dst, "; server_no_context_takeover"...)
	}
	if opts.ClientNoContextTakeover {
		dst = append(dst, "; client_no_context_takeover"...)
	}
	if b := bits(opts.ServerMaxWindowBits); b < 15 {
		dst = append(dst, "; server_max_window_bits="...)
		dst = strconv.AppendInt(dst, int64(b), 10)
	}
	dst = append(dst, "; client_max_window_bits"...)
	if b := bits(opts.ClientMaxWindowBits); b < 15 {
		dst = append(dst, '=')
		dst = strconv.AppendInt(dst, int64(b), 10)
	}
	return dst
}
