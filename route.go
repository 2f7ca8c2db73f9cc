package eddy

import (
	"sort"
	"strings"
	"time"

	"github.com/eddy-go/eddy/internal/h1"
)

// Route is one registered route. Its accessors may be used at any time;
// a Route cannot be changed after registration (use RouteOptions).
type Route struct {
	method  string // "" for Any
	pattern string // full pattern, group prefixes included
	name    string
	segs    []segment
	params  []string // parameter names, in path order
	handler Handler  // as registered
	serve   Handler  // composed with middleware at freeze
	group   *Group
	timeout time.Duration // HandlerTimeout; 0: the app's
	mws     []Middleware
	place   Placement
	maxBody int64
	// streamBody: the handler reads the body as it arrives (StreamBody)
	streamBody bool
	app        *App // the app that owns the tree the route is in
	auto       bool // an automatic answer (404, 405, OPTIONS), not registered
	plan       h1.Plan
}

// Method returns the route's method, or "*" for a route added with Any.
func (r *Route) Method() string {
	if r.method == "" {
		return "*"
	}
	return r.method
}

// Pattern returns the full pattern, group and mount prefixes included.
func (r *Route) Pattern() string { return r.pattern }

// Name returns the route's name ("" if it has none).
func (r *Route) Name() string { return r.name }

// Params returns the parameter names in path order.
func (r *Route) Params() []string { return append([]string(nil), r.params...) }

// paramIndex returns the index of a parameter name, or -1.
func (r *Route) paramIndex(name string) int {
	for i, p := range r.params {
		if p == name {
			return i
		}
	}
	return -1
}

// RouteOption changes how one route is served: InPool, OnLoop, MaxBody,
// HandlerTimeout, StreamBody, Name, With.
type RouteOption interface{ applyRoute(r *Route) }

// Placement says where a route's handler runs: on the connection's event
// loop, or in the bounded worker pool for code that blocks.
type Placement uint8

const (
	// OnLoop runs the handler on the connection's event loop: the fastest
	// place, for handlers that never block. The default.
	OnLoop Placement = iota + 1
	// InPool runs the handler in the bounded worker pool, after the request
	// is copied out of loop memory: for database calls, file I/O, sleeps,
	// heavy CPU and anything else that blocks. Responses are still written
	// in request order.
	InPool
)

func (p Placement) applyRoute(r *Route) { r.place = p }

// String returns "OnLoop" or "InPool".
func (p Placement) String() string {
	switch p {
	case OnLoop:
		return "OnLoop"
	case InPool:
		return "InPool"
	}
	return "Placement(default)"
}

type maxBodyOption int64

func (o maxBodyOption) applyRoute(r *Route) { r.maxBody = int64(o) }

// MaxBody sets the largest request body the route accepts (413 past it),
// overriding Config.MaxBody. n must be positive.
func MaxBody(n int64) RouteOption {
	if n <= 0 {
		panic("eddy: MaxBody must be positive")
	}
	return maxBodyOption(n)
}

type nameOption string

func (o nameOption) applyRoute(r *Route) { r.name = string(o) }

// Name names the route, for URL reversing with App.URL.
func Name(name string) RouteOption {
	if name == "" {
		panic("eddy: empty route name")
	}
	return nameOption(name)
}

type withOption []Middleware

func (o withOption) applyRoute(r *Route) { r.mws = append(r.mws, o...) }

// With adds middleware to one route, inside the app's and groups'
// middleware (mw[0] outermost).
func With(mw ...Middleware) RouteOption {
	for _, m := range mw {
		if m == nil {
			panic("eddy: nil middleware")
		}
	}
	return withOption(mw)
}

// endpoint holds the routes of one path pattern, by method.
type endpoint struct {
	std   [nMethods]*Route
	other map[string]*Route
	any   *Route

	// Built at freeze.
	allow      string
	options    *Route // automatic OPTIONS answer
	notAllowed *Route // automatic 405
}

// route returns the route for a method: HEAD falls back to GET, and Any
// catches every method without a route of its own.
func (ep *endpoint) route(m methodIndex, custom string) *Route {
	if m < nMethods {
		if r := ep.std[m]; r != nil {
			return r
		}
		if m == mHead {
			if r := ep.std[mGet]; r != nil {
				return r
			}
		}
	} else if r := ep.other[custom]; r != nil {
		return r
	}
	return ep.any
}

// add stores r, panicking on a duplicate.
func (ep *endpoint) add(r *Route) {
	var slot **Route
	switch m := methodOf([]byte(r.method)); {
	case r.method == "":
		slot = &ep.any
	case m < nMethods:
		slot = &ep.std[m]
	default:
		if ep.other == nil {
			ep.other = make(map[string]*Route)
		}
		if ep.other[r.method] != nil {
			panic("eddy: route " + r.method + " " + r.pattern + " registered twice")
		}
		ep.other[r.method] = r
		return
	}
	if *slot != nil {
		panic("eddy: route " + r.Method() + " " + r.pattern + " registered twice (as " + (*slot).pattern + ")")
	}
	*slot = r
}

// anyAllow is the Allow of an endpoint with an Any route and of OPTIONS *:
// every standard method but CONNECT, which no route can match (its target
// is not a path).
const anyAllow = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, TRACE"

// allowHeader lists the methods the endpoint answers, for Allow.
func (ep *endpoint) allowHeader() string {
	if ep.any != nil {
		return anyAllow
	}
	var ms []string
	for i, r := range ep.std {
		if r != nil {
			ms = append(ms, methodNames[i])
		}
	}
	for m := range ep.other {
		ms = append(ms, m)
	}
	if ep.std[mGet] != nil && ep.std[mHead] == nil {
		ms = append(ms, "HEAD")
	}
	if ep.std[mOptions] == nil {
		ms = append(ms, "OPTIONS")
	}
	sort.Strings(ms)
	return strings.Join(ms, ", ")
}
