package eddy

import (
	"fmt"
	"regexp"
	"strings"
)

// maxParams is the most dynamic segments a pattern may have; the matched
// offsets live in a fixed array in Ctx, so matching never allocates.
const maxParams = 8

type segKind uint8

const (
	segStatic segKind = iota // "users"
	segParam                 // "{id}": one non-empty segment
	segRegex                 // "{id:[0-9]+}" before the last segment: one segment
	segRest                  // "{x:re}" as the last segment: the rest of the path, slashes included
)

// segment is one '/'-separated piece of a parsed pattern.
type segment struct {
	kind segKind
	text string // static text, or the parameter name
	src  string // regular expression source as written (segRegex, segRest)
	re   *regexp.Regexp
}

// parsePattern splits an aiohttp-style pattern into segments. A segment is
// either static text or one whole parameter: "{name}" matches one non-empty
// segment; "{name:regex}" matches one segment fully, or, as the last segment,
// the whole rest of the path (slashes included), so "{tail:.*}" is a
// catch-all. Errors are returned, for the caller to panic with.
func parsePattern(p string) ([]segment, error) {
	if p == "" || p[0] != '/' {
		return nil, fmt.Errorf("eddy: pattern %q must start with '/'", p)
	}
	parts := strings.Split(p[1:], "/")
	segs := make([]segment, 0, len(parts))
	names := 0
	for i, part := range parts {
		last := i == len(parts)-1
		if !strings.ContainsAny(part, "{}") {
			segs = append(segs, segment{kind: segStatic, text: part})
			continue
		}
		if len(part) < 3 || part[0] != '{' || part[len(part)-1] != '}' {
			return nil, fmt.Errorf("eddy: pattern %q: segment %q must be static text or one whole {param}", p, part)
		}
		inner := part[1 : len(part)-1]
		name, src, hasRe := strings.Cut(inner, ":")
		if !validParamName(name) {
			return nil, fmt.Errorf("eddy: pattern %q: invalid parameter name %q", p, name)
		}
		for _, s := range segs {
			if s.kind != segStatic && s.text == name {
				return nil, fmt.Errorf("eddy: pattern %q: parameter %q appears twice", p, name)
			}
		}
		names++
		if names > maxParams {
			return nil, fmt.Errorf("eddy: pattern %q has more than %d parameters", p, maxParams)
		}
		if !hasRe {
			segs = append(segs, segment{kind: segParam, text: name})
			continue
		}
		if src == "" {
			return nil, fmt.Errorf("eddy: pattern %q: empty regular expression for %q", p, name)
		}
		kind := segRegex
		if last {
			kind = segRest
		}
		s := segment{kind: kind, text: name, src: src}
		if !(kind == segRest && (src == ".*" || src == ".+")) {
			re, err := regexp.Compile("^(?:" + src + ")$")
			if err != nil {
				return nil, fmt.Errorf("eddy: pattern %q: parameter %q: %v", p, name, err)
			}
			s.re = re
		}
		segs = append(segs, s)
	}
	return segs, nil
}

func validParamName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || i > 0 && '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// node is one position in the route tree. Children are tried in priority
// order, most specific first: static text, then regexes (one-segment, then
// last-segment ones matching the rest; in registration order), then
// {param}, then the catch-alls {x:.*} and {x:.+}. Matching backtracks,
// so "/users/new" and "/users/{id}/edit" coexist.
type node struct {
	statics  []*node // small fan-out: a linear scan beats a map
	byLabel  map[string]*node
	label    string
	param    *node
	regexes  []*node
	rests    []*node
	seg      segment // for dynamic nodes: kind, src, re
	endpoint *endpoint
}

// staticFanout is the number of static children past which a node indexes
// them by a map (a map lookup with string(b) does not allocate).
const staticFanout = 8

// insert walks or grows the tree along segs and returns the leaf.
func (n *node) insert(segs []segment) *node {
	cur := n
	for _, s := range segs {
		cur = cur.child(s)
	}
	return cur
}

func (n *node) child(s segment) *node {
	switch s.kind {
	case segStatic:
		if n.byLabel != nil {
			if c := n.byLabel[s.text]; c != nil {
				return c
			}
		} else {
			for _, c := range n.statics {
				if c.label == s.text {
					return c
				}
			}
		}
		c := &node{label: s.text}
		n.statics = append(n.statics, c)
		if len(n.statics) > staticFanout {
			if n.byLabel == nil {
				n.byLabel = make(map[string]*node, len(n.statics))
			}
			for _, sc := range n.statics {
				n.byLabel[sc.label] = sc
			}
		}
		return c
	case segParam:
		if n.param == nil {
			n.param = &node{seg: segment{kind: segParam}}
		}
		return n.param
	case segRegex:
		for _, c := range n.regexes {
			if c.seg.src == s.src {
				return c
			}
		}
		c := &node{seg: segment{kind: segRegex, src: s.src, re: s.re}}
		n.regexes = append(n.regexes, c)
		return c
	default:
		for _, c := range n.rests {
			if c.seg.src == s.src {
				return c
			}
		}
		c := &node{seg: segment{kind: segRest, src: s.src, re: s.re}}
		n.rests = append(n.rests, c)
		return c
	}
}

func (n *node) staticChild(label string) *node {
	if n.byLabel != nil {
		return n.byLabel[label]
	}
	for _, c := range n.statics {
		if c.label == label {
			return c
		}
	}
	return nil
}

// staticPaths indexes every endpoint reached through static segments only
// by its whole path ("/users/new"), for the exact-match shortcut of
// matcher.lookup (staticIndex). Built once, at freeze.
func (n *node) staticPaths(prefix string, into map[string]*endpoint) {
	for _, c := range n.statics {
		p := prefix + "/" + c.label
		if c.endpoint != nil {
			into[p] = c.endpoint
		}
		c.staticPaths(p, into)
	}
}

// matchRest reports whether the rest of a path (from just after a '/')
// matches a segRest node.
func (s *segment) matchRest(rest string) bool {
	switch {
	case s.re != nil:
		return s.re.MatchString(rest)
	case s.src == ".+":
		return rest != ""
	default: // ".*"
		return true
	}
}

// matcher carries one lookup: the path, the method index, the parameter
// offsets found so far, and the first endpoint whose path matched (for 405
// and automatic OPTIONS). It lives inside Ctx, so a lookup allocates nothing.
type matcher struct {
	path   string
	method methodIndex
	custom string // the method, when method == mOther
	params [maxParams][2]int32
	first  *endpoint // first endpoint matching the path, any method
	firstP [maxParams][2]int32
	// pathErr is the answer when routePath rejects the target; read only
	// by the route it returns, in the same request.
	pathErr *HTTPError
}

// lookup matches path (which starts with '/') from the root. It returns the
// route for the method, or nil; m.first then tells 404 (nil) from 405.
//
// A path that is exactly a static pattern is found with one probe of
// statics (nil: walk the tree only). The tree tries static children first,
// so its walk would reach the same endpoint first; when that endpoint has
// no route for the method the walk runs anyway (a parameter route may take
// the method).
func (m *matcher) lookup(root *node, statics *staticIndex) *Route {
	m.first = nil
	if ep := statics.get(m.path); ep != nil {
		if r := m.found(ep, 0); r != nil {
			return r
		}
		m.first = nil
	}
	if len(m.path) == 0 || m.path[0] != '/' {
		return nil
	}
	return m.match(root, 0, 0)
}

// match continues from n, which consumed the path up to i (i is the index of
// a '/' or len(path)); depth is the number of parameters recorded.
func (m *matcher) match(n *node, i, depth int) *Route {
	path := m.path
	if i == len(path) {
		return m.found(n.endpoint, depth)
	}
	s := i + 1
	e := s
	for e < len(path) && path[e] != '/' {
		e++
	}
	seg := path[s:e]
	if c := n.staticChild(seg); c != nil {
		if r := m.match(c, e, depth); r != nil {
			return r
		}
	}
	for _, c := range n.regexes {
		if c.seg.re.MatchString(seg) {
			m.params[depth] = [2]int32{int32(s), int32(e)}
			if r := m.match(c, e, depth+1); r != nil {
				return r
			}
		}
	}
	if r := m.matchRests(n, s, depth, true); r != nil {
		return r
	}
	if c := n.param; c != nil && seg != "" {
		m.params[depth] = [2]int32{int32(s), int32(e)}
		if r := m.match(c, e, depth+1); r != nil {
			return r
		}
	}
	return m.matchRests(n, s, depth, false)
}

// matchRests tries n's rest nodes on the path from s: those with a regular
// expression (specific: before {param}) or the catch-alls ".*" and ".+".
func (m *matcher) matchRests(n *node, s, depth int, specific bool) *Route {
	for _, c := range n.rests {
		if (c.seg.re != nil) == specific && c.seg.matchRest(m.path[s:]) {
			m.params[depth] = [2]int32{int32(s), int32(len(m.path))}
			if r := m.found(c.endpoint, depth+1); r != nil {
				return r
			}
		}
	}
	return nil
}

// found returns ep's route for the method, remembering the first endpoint
// that matched the path at all.
func (m *matcher) found(ep *endpoint, depth int) *Route {
	if ep == nil {
		return nil
	}
	r := ep.route(m.method, m.custom)
	if m.first == nil {
		m.first = ep
		if r == nil {
			// Kept for the 405 or OPTIONS answer; a match returns at once
			// and never reads it, so it skips this 64-byte copy.
			m.firstP = m.params
		}
	}
	return r
}
