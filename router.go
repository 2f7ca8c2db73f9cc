package eddy

import (
	"fmt"
	"strings"
)

// Group is a set of routes sharing a path prefix and middleware. Get one
// from App.Group or Group.Group. Its middleware wraps the routes registered
// on it and on its sub-groups, inside the middleware of the groups above it
// and of the app. Use may be called before or after the routes are added:
// middleware is composed when the app starts.
type Group struct {
	app    *App
	parent *Group
	prefix string // full prefix, parents' included
	mws    []Middleware
}

// Use appends middleware to the group (mw[0] outermost).
func (g *Group) Use(mw ...Middleware) {
	g.app.mustNotBeFrozen()
	for _, m := range mw {
		if m == nil {
			panic("eddy: nil middleware")
		}
	}
	g.mws = append(g.mws, mw...)
}

// Group returns a sub-group at prefix (which starts with '/' and does not
// end with one) with the given middleware.
func (g *Group) Group(prefix string, mw ...Middleware) *Group {
	g.app.mustNotBeFrozen()
	checkPrefix(prefix)
	sub := &Group{app: g.app, parent: g, prefix: g.prefix + prefix}
	sub.Use(mw...)
	return sub
}

func checkPrefix(prefix string) {
	if prefix != "" && (prefix[0] != '/' || strings.HasSuffix(prefix, "/")) {
		panic(fmt.Sprintf("eddy: prefix %q must start with '/' and not end with one", prefix))
	}
}

// Get adds a GET route; HEAD requests are served by it too unless a HEAD
// route exists for the same pattern.
func (g *Group) Get(pattern string, h Handler, opts ...RouteOption) *Route {
	return g.Handle("GET", pattern, h, opts...)
}

// Head adds a HEAD route.
func (g *Group) Head(pattern string, h Handler, opts ...RouteOption) *Route {
	return g.Handle("HEAD", pattern, h, opts...)
}

// Post adds a POST route.
func (g *Group) Post(pattern string, h Handler, opts ...RouteOption) *Route {
	return g.Handle("POST", pattern, h, opts...)
}

// Put adds a PUT route.
func (g *Group) Put(pattern string, h Handler, opts ...RouteOption) *Route {
	return g.Handle("PUT", pattern, h, opts...)
}

// Patch adds a PATCH route.
func (g *Group) Patch(pattern string, h Handler, opts ...RouteOption) *Route {
	return g.Handle("PATCH", pattern, h, opts...)
}

// Delete adds a DELETE route.
func (g *Group) Delete(pattern string, h Handler, opts ...RouteOption) *Route {
	return g.Handle("DELETE", pattern, h, opts...)
}

// Options adds an OPTIONS route, replacing the automatic answer (204 with
// Allow) for that pattern.
func (g *Group) Options(pattern string, h Handler, opts ...RouteOption) *Route {
	return g.Handle("OPTIONS", pattern, h, opts...)
}

// Any adds a route for every method that has no route of its own on the
// same pattern.
func (g *Group) Any(pattern string, h Handler, opts ...RouteOption) *Route {
	return g.Handle("", pattern, h, opts...)
}

// Handle adds a route for method (any method token, case-sensitive; "" is
// Any) and pattern, in aiohttp's syntax:
//
//	/users              static
//	/users/{id}         one non-empty segment, as parameter "id"
//	/users/{id:[0-9]+}  one segment matching the regular expression (whole)
//	/files/{path:.*}    as the last segment: the rest of the path, slashes
//	                    included (a catch-all); any regex works there
//
// A segment is static text or one whole parameter. Static segments win over
// regexes, regexes over plain parameters, parameters over the catch-alls
// {x:.*} and {x:.+}; among regexes the first registered wins; matching
// backtracks, and a path whose route lacks the method goes on to the next
// candidate before answering 405.
//
// Patterns are matched against the path with percent-escapes decoded,
// except %2F, which stays encoded so it never splits a segment; so a
// parameter holds decoded text, which may contain any byte but '/', NUL,
// CR and LF. A path with a percent-encoded NUL, CR or LF, or a malformed
// escape, is answered 400. A "." or ".." segment (also spelt "%2e",
// "%2E.", ...) never reaches a parameter by default: Config.DotSegments
// rejects it with 400 (the default), removes it before routing, or lets
// it through. A CONNECT request (target host:port, no path) matches no
// route and is answered 501.
//
// Methods are case-sensitive (RFC 9110 9.1): "get" is not GET and would
// never match a browser's request, so Handle panics on a lower- or
// mixed-case spelling of a standard method (GET, HEAD, POST, PUT, PATCH,
// DELETE, OPTIONS, CONNECT, TRACE); any other token is a custom method,
// taken as is.
//
// Handle panics (at setup, with the "eddy: " prefix) on a bad pattern, a nil
// handler, a method that is not a token or misspells a standard one, a
// CONNECT route, a duplicate route or name, or when the app has started.
func (g *Group) Handle(method, pattern string, h Handler, opts ...RouteOption) *Route {
	a := g.app
	a.mustNotBeFrozen()
	if h == nil {
		panic("eddy: nil handler for " + method + " " + pattern)
	}
	checkMethod(method)
	full := g.prefix + pattern
	segs, err := parsePattern(full)
	if err != nil {
		panic(err.Error())
	}
	r := &Route{method: method, pattern: full, segs: segs, handler: h, group: g, app: a}
	for _, s := range segs {
		if s.kind != segStatic {
			r.params = append(r.params, s.text)
		}
	}
	for _, o := range opts {
		if o == nil {
			panic("eddy: nil route option")
		}
		o.applyRoute(r)
	}
	a.addRoute(r)
	return r
}

// Mount adds every route of sub under prefix, as aiohttp's add_subapp:
// sub's middleware wraps its routes inside this group's, and sub's
// lifecycle hooks join this app's at this point of the order. sub's Config
// is not used. sub is frozen by Mount: adding to it afterwards panics.
func (g *Group) Mount(prefix string, sub *App) {
	a := g.app
	a.mustNotBeFrozen()
	checkPrefix(prefix)
	if sub == nil || sub == a || sub.mountedIn != nil {
		panic("eddy: Mount needs an app that is not this one and not mounted elsewhere")
	}
	sub.mustNotBeFrozen()
	sub.frozen.Store(true)
	sub.mountedIn = a
	at := &Group{app: a, parent: g, prefix: g.prefix + prefix}
	// Re-parent sub's root group: its routes now compose this group's
	// middleware outside sub's own.
	sub.root.parent = at
	for _, r := range sub.routes {
		full := at.prefix + r.pattern
		segs, err := parsePattern(full)
		if err != nil {
			panic(err.Error())
		}
		nr := *r
		nr.pattern, nr.segs, nr.app = full, segs, a
		a.addRoute(&nr)
	}
	a.hooks.steps = append(a.hooks.steps, sub.hooks.steps...)
	a.hooks.cleanups = append(a.hooks.cleanups, sub.hooks.cleanups...)
	a.hooks.shutdowns = append(a.hooks.shutdowns, sub.hooks.shutdowns...)
	for k, v := range sub.state {
		if _, dup := a.state[k]; dup {
			panic("eddy: Mount: the app and the sub-app both set the same state key")
		}
		a.setState(k, v)
	}
}

// addRoute inserts r into the tree and the name index.
func (a *App) addRoute(r *Route) {
	leaf := a.tree.insert(r.segs)
	if leaf.endpoint == nil {
		leaf.endpoint = &endpoint{}
		a.endpoints = append(a.endpoints, leaf.endpoint)
	}
	leaf.endpoint.add(r)
	if r.name != "" {
		if a.names == nil {
			a.names = make(map[string]*Route)
		}
		if old := a.names[r.name]; old != nil {
			panic(fmt.Sprintf("eddy: route name %q used twice (%s and %s)", r.name, old.pattern, r.pattern))
		}
		a.names[r.name] = r
	}
	a.routes = append(a.routes, r)
}

// middlewareOf returns the middleware lists wrapping r, outermost first.
func middlewareOf(r *Route) [][]Middleware {
	var lists [][]Middleware
	for g := r.group; g != nil; g = g.parent {
		lists = append(lists, g.mws)
	}
	for i, j := 0, len(lists)-1; i < j; i, j = i+1, j-1 {
		lists[i], lists[j] = lists[j], lists[i]
	}
	return append(lists, r.mws)
}
