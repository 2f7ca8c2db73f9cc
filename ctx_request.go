package eddy

import (
	"net"

	"github.com/eddy-go/eddy/httpcodec"
)

// Request returns the parsed request head, for what Ctx has no accessor
// for (all headers in order, the raw target, the HTTP version). Its views
// are valid until the handler returns; copy it to keep it.
func (c *Ctx) Request() *httpcodec.Request {
	if !c.enter() {
		return new(httpcodec.Request)
	}
	defer c.exit()
	return c.x.Request()
}

// Method returns the request method. For the standard methods it is a
// constant (no allocation); any other method is copied.
func (c *Ctx) Method() string {
	if !c.enter() {
		return ""
	}
	defer c.exit()
	if c.m.method < nMethods {
		return methodNames[c.m.method]
	}
	if c.method == "" {
		c.method, c.used = string(c.x.Request().Method()), true
	}
	return c.method
}

// Path returns a copy of the request path as matched by the router: with
// percent-escapes decoded except %2F.
func (c *Ctx) Path() string {
	if !c.enter() {
		return ""
	}
	defer c.exit()
	return string(c.pathBytes())
}

// PathBytes returns the path as matched by the router.
// Borrowed: valid until the handler returns; copy it to keep it.
func (c *Ctx) PathBytes() []byte {
	if !c.enter() {
		return nil
	}
	defer c.exit()
	return c.pathBytes()
}

// pathBytes is PathBytes without the stale check.
func (c *Ctx) pathBytes() []byte {
	return unsafeBytes(c.m.path)
}

// RawPath returns a copy of the path as sent, not decoded.
func (c *Ctx) RawPath() string {
	if !c.enter() {
		return ""
	}
	defer c.exit()
	return string(c.x.Request().Path())
}

// RawPathBytes returns the path as sent, not decoded.
// Borrowed: valid until the handler returns; copy it to keep it.
func (c *Ctx) RawPathBytes() []byte {
	if !c.enter() {
		return nil
	}
	defer c.exit()
	return c.x.Request().Path()
}

// Param returns a copy of the path parameter name ("" if the route has no
// such parameter).
func (c *Ctx) Param(name string) string {
	if !c.enter() {
		return ""
	}
	defer c.exit()
	return string(c.paramBytes(name))
}

// ParamBytes returns the path parameter name, nil if the route has none.
// Borrowed: valid until the handler returns; copy it to keep it.
func (c *Ctx) ParamBytes(name string) []byte {
	if !c.enter() {
		return nil
	}
	defer c.exit()
	return c.paramBytes(name)
}

// paramBytes is ParamBytes without the stale check.
func (c *Ctx) paramBytes(name string) []byte {
	r := c.route
	if r == nil {
		return nil
	}
	i := r.paramIndex(name)
	if i < 0 {
		return nil
	}
	p := c.m.params[i]
	return unsafeBytes(c.m.path[p[0]:p[1]])
}

// RawQuery returns a copy of the query string without '?', not decoded;
// "" if none.
func (c *Ctx) RawQuery() string {
	if !c.enter() {
		return ""
	}
	defer c.exit()
	return string(c.x.Request().RawQuery())
}

// RawQueryBytes returns the query string without '?', not decoded; empty
// if none.
// Borrowed: valid until the handler returns; copy it to keep it.
func (c *Ctx) RawQueryBytes() []byte {
	if !c.enter() {
		return nil
	}
	defer c.exit()
	return c.x.Request().RawQuery()
}

// Query returns a copy of the first value of the query parameter name,
// decoded, "" if absent; QueryBytes tells an absent parameter from an empty
// one ("?a" and "?a=" give a present, empty a).
func (c *Ctx) Query(name string) string {
	if !c.enter() {
		return ""
	}
	defer c.exit()
	v, _ := c.queryBytes(name)
	return string(v)
}

// QueryBytes returns the first decoded value of the query parameter name
// and whether it is present. The query is parsed on the first call only,
// into storage the Ctx reuses: no allocation once warm.
// Borrowed: valid until the handler returns; copy it to keep it.
func (c *Ctx) QueryBytes(name string) ([]byte, bool) {
	if !c.enter() {
		return nil, false
	}
	defer c.exit()
	return c.queryBytes(name)
}

// queryBytes is QueryBytes without the stale check.
func (c *Ctx) queryBytes(name string) ([]byte, bool) {
	return c.queryArgs().get(name)
}

// QueryValues returns copies of every value of the query parameter name.
func (c *Ctx) QueryValues(name string) []string {
	if !c.enter() {
		return nil
	}
	defer c.exit()
	return c.queryArgs().values(name)
}

func (c *Ctx) queryArgs() *args {
	if !c.queryDone {
		c.queryDone, c.used = true, true
		// A query longer than the request line cannot exist, so the field
		// count needs no limit beyond the line's own.
		_ = c.query.parseURLEncoded(c.x.Request().RawQuery(), int(^uint(0)>>1))
	}
	return &c.query
}

// Header returns a copy of the first value of the request header name
// (case-insensitive), "" if absent; HeaderBytes tells an absent header from
// an empty one.
func (c *Ctx) Header(name string) string {
	if !c.enter() {
		return ""
	}
	defer c.exit()
	return string(c.x.Request().Header(name))
}

// HeaderBytes returns the first value of the request header name
// (case-insensitive) and whether the request has the header (its value may
// be empty).
// Borrowed: valid until the handler returns; copy it to keep it.
func (c *Ctx) HeaderBytes(name string) ([]byte, bool) {
	if !c.enter() {
		return nil, false
	}
	defer c.exit()
	v := c.x.Request().Header(name)
	return v, v != nil
}

// Host returns a copy of the Host header.
func (c *Ctx) Host() string {
	if !c.enter() {
		return ""
	}
	defer c.exit()
	return string(c.x.Request().Host())
}

// Cookie returns a copy of the value of the request cookie name, "" if
// absent; CookieBytes tells an absent cookie from an empty one.
func (c *Ctx) Cookie(name string) string {
	if !c.enter() {
		return ""
	}
	defer c.exit()
	v, _ := c.cookieBytes(name)
	return string(v)
}

// CookieBytes returns the value of the request cookie name (without
// surrounding quotes) and whether it was sent.
// Borrowed: valid until the handler returns; copy it to keep it.
func (c *Ctx) CookieBytes(name string) ([]byte, bool) {
	if !c.enter() {
		return nil, false
	}
	defer c.exit()
	return c.cookieBytes(name)
}

// cookieBytes is CookieBytes without the stale check.
func (c *Ctx) cookieBytes(name string) ([]byte, bool) {
	r := c.x.Request()
	for i, n := 0, r.NumHeaders(); i < n; i++ {
		k, v := r.HeaderAt(i)
		if httpcodec.EqualFold(k, "Cookie") {
			if val, ok := findCookie(v, name); ok {
				return val, true
			}
		}
	}
	return nil, false
}

// RemoteAddr returns the address of the peer (the proxy, behind one), or
// the client's address as set by SetRemoteAddr.
func (c *Ctx) RemoteAddr() net.Addr {
	if !c.enter() {
		return nil
	}
	defer c.exit()
	if c.remote != nil {
		return c.remote
	}
	return c.x.RemoteAddr()
}

// PeerAddr returns the address of the connection's peer, whatever
// SetRemoteAddr set (with Config.ProxyProtocol, the client the PROXY
// header names: the balancer that sent it is not reported).
func (c *Ctx) PeerAddr() net.Addr {
	if !c.enter() {
		return nil
	}
	defer c.exit()
	return c.x.RemoteAddr()
}

// SetRemoteAddr makes RemoteAddr (and the access log's %a) return addr
// for the rest of the request: middleware that learned the client's
// address from a trusted proxy's headers sets it. PeerAddr still returns
// the connection's peer.
func (c *Ctx) SetRemoteAddr(addr net.Addr) {
	if !c.enter() {
		return
	}
	defer c.exit()
	c.remote, c.used = addr, true
}

// IsHead reports whether the request is HEAD (the response body, if any,
// is not sent).
func (c *Ctx) IsHead() bool {
	if !c.enter() {
		return false
	}
	defer c.exit()
	return c.m.method == mHead
}
