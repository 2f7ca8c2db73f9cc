package middleware

import (
	"bytes"
	"net"
	"net/netip"
	"strings"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/httpcodec"
)

// ProxyConfig configures Proxy.
type ProxyConfig struct {
	// TrustedProxies lists the proxies whose headers are believed, as
	// CIDRs ("10.0.0.0/8") or single addresses ("127.0.0.1", "::1"). A
	// request from any other peer is taken as it comes: its headers
	// cannot set the client's address, scheme or host. Required.
	TrustedProxies []string
	// Forwarded reads the standard Forwarded header (RFC 7239) instead of
	// X-Forwarded-For, X-Forwarded-Proto and X-Forwarded-Host.
	Forwarded bool
}

// ClientInfo is what Proxy learned of the client.
type ClientInfo struct {
	// Addr is the client's address: the first untrusted hop, or the peer.
	Addr netip.Addr
	// Proto is "http" or "https" as the client used it ("" if no trusted
	// proxy said).
	Proto string
	// Host is the host the client asked for ("" if no trusted proxy
	// said).
	Host string
}

var clientKey = eddy.NewKey[*ClientInfo]("middleware.client")

// Proxy returns middleware that finds the client behind trusted reverse
// proxies (aiohttp-remotes, chi's RealIP, done safely). It is off unless
// installed, and believes headers only from a peer in TrustedProxies.
// X-Forwarded-For is read with all its field lines joined in order and
// walked from the right: each address that is a trusted proxy is skipped,
// and the first that is not is the client (so a client cannot name
// itself: whatever it wrote is to the left of what the proxies
// appended). A malformed entry stops the walk at the last trusted hop.
// X-Forwarded-Proto and X-Forwarded-Host are taken (their last value, as
// the nearest proxy set it) only from a trusted peer. With Forwarded set,
// the RFC 7239 Forwarded header is walked the same way by its for=
// parameters, and proto= and host= come from the client's element.
//
// The client's address becomes Ctx.RemoteAddr (and the access log's %a);
// ClientOf returns all of it. It costs a few allocations per request from
// a trusted peer, none from another.
func Proxy(cfg ProxyConfig) eddy.Middleware {
	if len(cfg.TrustedProxies) == 0 {
		panic("middleware: Proxy without TrustedProxies")
	}
	var nets []netip.Prefix
	for _, s := range cfg.TrustedProxies {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			a, aerr := netip.ParseAddr(s)
			if aerr != nil {
				panic("middleware: Proxy: bad trusted proxy " + s)
			}
			p = netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen())
		}
		nets = append(nets, p.Masked())
	}
	t := &trust{nets: nets}
	return func(next eddy.Handler) eddy.Handler {
		return func(c *eddy.Ctx) error {
			peer := addrOf(c.PeerAddr())
			if !peer.IsValid() || !t.trusted(peer) {
				return next(c)
			}
			info := &ClientInfo{Addr: peer}
			if cfg.Forwarded {
				t.forwarded(c, info)
			} else {
				t.xff(c, info)
			}
			if info.Addr != peer {
				c.SetRemoteAddr(&net.TCPAddr{IP: info.Addr.AsSlice()})
			}
			clientKey.Set(c, info)
			return next(c)
		}
	}
}

// ClientOf returns what Proxy learned of the client; without Proxy, or
// for a request from an untrusted peer, the peer's address with no proto
// or host.
func ClientOf(c *eddy.Ctx) ClientInfo {
	if info, ok := clientKey.Get(c); ok {
		return *info
	}
	return ClientInfo{Addr: addrOf(c.PeerAddr())}
}

type trust struct{ nets []netip.Prefix }

func (t *trust) trusted(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range t.nets {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// addrOf returns the IP of a net.Addr, unmapped; invalid if none.
func addrOf(a net.Addr) netip.Addr {
	switch v := a.(type) {
	case *net.TCPAddr:
		return v.AddrPort().Addr().Unmap()
	case nil:
		return netip.Addr{}
	}
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr().Unmap()
}

// joined returns the values of every field line named name, joined with
// commas in order (RFC 9110 5.3).
func joined(c *eddy.Ctx, name string) []byte {
	r := c.Request()
	var out []byte
	for i, n := 0, r.NumHeaders(); i < n; i++ {
		k, v := r.HeaderAt(i)
		if httpcodec.EqualFold(k, name) {
			if out != nil {
				out = append(out, ',')
			}
			out = append(out, v...)
		}
	}
	return out
}

// lastValue returns the last comma-separated value of the joined field
// lines named name, trimmed; "" when absent.
func lastValue(c *eddy.Ctx, name string) string {
	v := joined(c, name)
	if i := bytes.LastIndexByte(v, ','); i >= 0 {
		v = v[i+1:]
	}
	return string(bytes.TrimSpace(v))
}

// xff walks X-Forwarded-For from the right.
func (t *trust) xff(c *eddy.Ctx, info *ClientInfo) {
	v := joined(c, "X-Forwarded-For")
	for len(v) > 0 {
		var item []byte
		if i := bytes.LastIndexByte(v, ','); i >= 0 {
			item, v = v[i+1:], v[:i]
		} else {
			item, v = v, nil
		}
		a, ok := parseHop(string(bytes.TrimSpace(item)))
		if !ok {
			break // malformed: the last trusted hop stands
		}
		info.Addr = a
		if !t.trusted(a) {
			break
		}
	}
	if p := strings.ToLower(lastValue(c, "X-Forwarded-Proto")); p == "http" || p == "https" {
		info.Proto = p
	}
	if h := lastValue(c, "X-Forwarded-Host"); validHost(h) {
		info.Host = h
	}
}

// forwarded walks the Forwarded header's elements from the right.
func (t *trust) forwarded(c *eddy.Ctx, info *ClientInfo) {
	v := string(joined(c, "Forwarded"))
	elems := splitQuoted(v, ',')
	for i := len(elems) - 1; i >= 0; i-- {
		var forv, proto, host string
		for _, pair := range splitQuoted(elems[i], ';') {
			k, val, ok := strings.Cut(strings.TrimSpace(pair), "=")
			if !ok {
				continue
			}
			val = unquote(strings.TrimSpace(val))
			switch strings.ToLower(strings.TrimSpace(k)) {
			case "for":
				forv = val
			case "proto":
				proto = strings.ToLower(val)
			case "host":
				host = val
			}
		}
		a, ok := parseNode(forv)
		if !ok {
			return // unknown, obfuscated or malformed: the last trusted hop stands
		}
		info.Addr = a
		info.Proto, info.Host = "", ""
		if proto == "http" || proto == "https" {
			info.Proto = proto
		}
		if validHost(host) {
			info.Host = host
		}
		if !t.trusted(a) {
			return
		}
	}
}

// parseHop parses an X-Forwarded-For entry: an IP, possibly with a port
// ("1.2.3.4:80", "[::1]:80").
func parseHop(s string) (netip.Addr, bool) {
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap(), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap(), true
	}
	return netip.Addr{}, false
}

// parseNode parses an RFC 7239 node: "192.0.2.1", "192.0.2.1:80",
// "[2001:db8::1]", "[2001:db8::1]:80".
func parseNode(s string) (netip.Addr, bool) {
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return netip.Addr{}, false
		}
		a, err := netip.ParseAddr(s[1:end])
		if err != nil || !a.Is6() {
			return netip.Addr{}, false
		}
		return a.Unmap(), true
	}
	return parseHop(s)
}

// splitQuoted splits s at sep outside double quotes.
func splitQuoted(s string, sep byte) []string {
	var out []string
	quoted, start := false, 0
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\' && quoted:
			i++
		case s[i] == '"':
			quoted = !quoted
		case s[i] == sep && !quoted:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

func unquote(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = s[1 : len(s)-1]
		if strings.IndexByte(s, '\\') >= 0 {
			var b strings.Builder
			for i := 0; i < len(s); i++ {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				b.WriteByte(s[i])
			}
			s = b.String()
		}
	}
	return s
}

// validHost accepts a host[:port] made of the characters a Host header
// may hold.
func validHost(h string) bool {
	if h == "" || len(h) > 255 {
		return false
	}
	for i := 0; i < len(h); i++ {
		ch := h[i]
		switch {
		case ch >= 'a' && ch <= 'z', ch >= 'A' && ch <= 'Z', ch >= '0' && ch <= '9':
		case strings.IndexByte("-._~:[]!$&'()*+,;=%", ch) >= 0:
		default:
			return false
		}
	}
	return true
}
