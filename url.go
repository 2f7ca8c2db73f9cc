package eddy

import (
	"bytes"
	"fmt"
	"net/url"
	"strings"

	"github.com/eddy-go/eddy/httpcodec"
	"github.com/eddy-go/eddy/internal/h1"
)

// URL builds the path of the route named name, filling its parameters from
// pairs of parameter names and values: app.URL("user", "id", "42") gives
// "/users/42" for a route "/users/{id}" named "user". Values are
// percent-encoded; a catch-all keeps its slashes. It fails for an unknown
// name, a missing, unknown or empty parameter, or a value its regular
// expression does not match. Safe for concurrent use after setup.
func (a *App) URL(name string, pairs ...string) (string, error) {
	r := a.top().names[name]
	if r == nil {
		return "", fmt.Errorf("eddy: no route named %q", name)
	}
	return r.URL(pairs...)
}

// URL builds the route's path from pairs of parameter names and values, as
// App.URL does.
func (r *Route) URL(pairs ...string) (string, error) {
	if len(pairs)%2 != 0 {
		return "", fmt.Errorf("eddy: URL for %s: odd number of name/value arguments", r.pattern)
	}
	used := 0
	var b strings.Builder
	for _, s := range r.segs {
		b.WriteByte('/')
		if s.kind == segStatic {
			b.WriteString(s.text)
			continue
		}
		v, ok := "", false
		for i := 0; i < len(pairs); i += 2 {
			if pairs[i] == s.text {
				v, ok = pairs[i+1], true
				break
			}
		}
		if !ok {
			return "", fmt.Errorf("eddy: URL for %s: missing parameter %q", r.pattern, s.text)
		}
		used++
		switch s.kind {
		case segParam:
			if v == "" {
				return "", fmt.Errorf("eddy: URL for %s: empty parameter %q", r.pattern, s.text)
			}
			b.WriteString(url.PathEscape(v))
		case segRegex:
			if !s.re.MatchString(v) {
				return "", fmt.Errorf("eddy: URL for %s: %q does not match {%s:%s}", r.pattern, v, s.text, s.src)
			}
			b.WriteString(url.PathEscape(v))
		case segRest:
			if !s.matchRest(v) {
				return "", fmt.Errorf("eddy: URL for %s: %q does not match {%s:%s}", r.pattern, v, s.text, s.src)
			}
			for i, part := range strings.Split(v, "/") {
				if i > 0 {
					b.WriteByte('/')
				}
				b.WriteString(url.PathEscape(part))
			}
		}
	}
	if used*2 != len(pairs) {
		return "", fmt.Errorf("eddy: URL for %s: unknown parameter among %q", r.pattern, pairs)
	}
	return b.String(), nil
}

// DotSegments is what the router does with a request path that has a "."
// or ".." segment, after percent-decoding (so "%2e%2e" and ".%2E" are dot
// segments too; "..%2F" is not, since %2F stays encoded and never splits a
// segment). Conforming clients remove dot segments before sending (RFC
// 3986 5.2.4), so they come from hand-made or hostile requests: a handler
// that joins a Param into a file path would climb out of its directory.
type DotSegments uint8

const (
	// DotSegmentsReject answers 400 and closes the connection. The default.
	DotSegmentsReject DotSegments = iota
	// DotSegmentsRemove rewrites the path with RFC 3986 remove_dot_segments
	// ("/a/b/../c" is routed as "/a/c"; ".." at the root stays at the
	// root) and routes that, with no redirect: Ctx.Path and the parameters
	// see the rewritten path, Ctx.RawPath the path as sent.
	DotSegmentsRemove
	// DotSegmentsAllow routes the path as it is: a "." or ".." segment is
	// matched as static text and reaches a parameter unchanged. Only for
	// handlers that check their parameters themselves.
	DotSegmentsAllow
)

// Answers for request targets the router cannot route. They close the
// connection: the target is not something a conforming client sends.
var (
	errBadPath     = &HTTPError{Status: 400, Message: "malformed percent-escape in path"}
	errCtlInPath   = &HTTPError{Status: 400, Message: "percent-encoded nul, cr or lf in path"}
	errDotSegment  = &HTTPError{Status: 400, Message: "dot segment in path"}
	errConnectForm = &HTTPError{Status: 501, Message: "CONNECT is not supported: eddy is not a forward proxy"}
)

// routePath sets c.m.path to the path the router matches: the request's
// path with percent-escapes decoded except %2F, and dot segments handled
// as Config.DotSegments says. It returns the automatic route answering a
// target that cannot be routed (with c.m.pathErr set and the connection
// set to close), or nil. Paths without '%' or "/." cost one search for
// "/." and no copy. Loop-only (called from Route).
func (a *App) routePath(c *ctxState, x *h1.Exchange) *Route {
	req := x.Request()
	if req.Form() == httpcodec.AuthorityForm {
		// CONNECT host:port (the only method the parser lets use this
		// form) has no path to route: no route can match it.
		return a.rejectPath(c, x, errConnectForm)
	}
	raw := req.Path()
	if req.PlainPath() {
		// The usual path: nothing to decode, no dot segment possible (the
		// parser saw neither '%' nor '.' in it).
		c.m.path = unsafeString(raw)
		return nil
	}
	if bytes.IndexByte(raw, '%') >= 0 {
		var ok bool
		c.pathBuf, ok = appendPathUnescape(c.pathBuf[:0], raw)
		c.decoded, c.used = true, true
		c.m.path = unsafeString(c.pathBuf)
		if !ok {
			return a.rejectPath(c, x, errBadPath)
		}
		// The parser rejects raw controls, so these came from escapes.
		if bytes.ContainsAny(c.pathBuf, "\x00\r\n") {
			return a.rejectPath(c, x, errCtlInPath)
		}
	} else {
		c.m.path = unsafeString(raw)
	}
	if a.cfg.DotSegments != DotSegmentsAllow && hasDotSegment(c.m.path) {
		if a.cfg.DotSegments == DotSegmentsReject {
			return a.rejectPath(c, x, errDotSegment)
		}
		if !c.decoded {
			c.pathBuf = append(c.pathBuf[:0], raw...)
			c.decoded, c.used = true, true
		}
		c.pathBuf = removeDotSegments(c.pathBuf)
		c.m.path = unsafeString(c.pathBuf)
	}
	return nil
}

// answerPathErr is the handler of the route rejectPath returns. The 501
// for CONNECT is written directly, not returned: a returned 5xx is logged
// as a server error, and scanners probe with CONNECT all day.
func answerPathErr(c *Ctx) error {
	if e := c.m.pathErr; e.Status >= 500 {
		return c.Status(e.Status).Text(e.Message)
	}
	return c.m.pathErr
}

func (a *App) rejectPath(c *ctxState, x *h1.Exchange, err *HTTPError) *Route {
	c.m.pathErr = err
	x.CloseAfter()
	return a.badPath
}

// hasDotSegment reports whether the path p has a "." or ".." segment. Most
// paths have no dot at all: one IndexByte answers for them (a substring
// search per request cost about 120 instructions).
func hasDotSegment(p string) bool {
	if strings.IndexByte(p, '.') < 0 {
		return false
	}
	for {
		i := strings.Index(p, "/.")
		if i < 0 {
			return false
		}
		p = p[i+2:]
		if p == "" || p[0] == '/' || p[0] == '.' && (len(p) == 1 || p[1] == '/') {
			return true
		}
	}
}

// removeDotSegments applies RFC 3986 5.2.4 to p, which starts with '/', in
// place, and returns the result (never empty). Empty segments are kept.
func removeDotSegments(p []byte) []byte {
	out := p[:0] // out never grows past the segment being read
	for i := 0; i < len(p); {
		j := i + 1
		for j < len(p) && p[j] != '/' {
			j++
		}
		seg := p[i+1 : j]
		switch {
		case len(seg) == 1 && seg[0] == '.':
			if j == len(p) {
				out = append(out, '/')
			}
		case len(seg) == 2 && seg[0] == '.' && seg[1] == '.':
			out = out[:max(bytes.LastIndexByte(out, '/'), 0)]
			if j == len(p) {
				out = append(out, '/')
			}
		default:
			out = append(out, p[i:j]...)
		}
		i = j
	}
	if len(out) == 0 {
		out = append(out, '/')
	}
	return out
}

// appendUnescape appends s to dst with percent-escapes decoded (and '+' as
// a space when plus is set). An invalid escape is copied as is.
func appendUnescape(dst, s []byte, plus bool) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			dst = append(dst, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
		case c == '+' && plus:
			dst = append(dst, ' ')
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// appendPathUnescape decodes percent-escapes of a path, except %2F (a
// slash), which stays encoded so that it cannot split a segment. An invalid
// escape makes ok false.
func appendPathUnescape(dst, s []byte) (_ []byte, ok bool) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '%' {
			dst = append(dst, c)
			continue
		}
		if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
			return dst, false
		}
		b := unhex(s[i+1])<<4 | unhex(s[i+2])
		if b == '/' {
			dst = append(dst, s[i:i+3]...)
		} else {
			dst = append(dst, b)
		}
		i += 2
	}
	return dst, true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}
