package eddy

import (
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/eddy-go/eddy/internal/h1"
	"github.com/eddy-go/eddy/loop"
)

// App is an application: routes, middleware, lifecycle hooks and state,
// served by one event loop per core (aiohttp's web.Application). Build it
// on one goroutine, then Run it (or Start it, for embedding and tests).
// It freezes when it starts: adding a route, middleware or hook afterwards
// panics.
type App struct {
	cfg     Config
	log     *slog.Logger
	root    Group
	tree    node
	statics staticIndex // whole static paths, built at freeze (see matcher.lookup)

	endpoints []*endpoint
	routes    []*Route
	names     map[string]*Route
	hooks     lifecycle
	state     map[*keyID]any
	mountedIn *App

	notFound    *Route // automatic 404
	badPath     *Route // automatic 400/501 for a target the router cannot route (routePath)
	optionsStar *Route // OPTIONS *
	failRoute   *Route // the server's own answers (handler.Fail): returns c's failErr

	errorHandler ErrorHandler

	events sseSet // open event streams, ended when the app drains

	frozen   atomic.Bool
	serving  atomic.Bool // accepting: app state is read-only
	draining atomic.Bool // readiness and liveness answer 503

	// Server state, set by Start.
	mu        sync.Mutex
	srv       *loop.Server
	engine    handler
	teardowns []Hook
	stopping  atomic.Bool
	done      chan struct{} // closed once stopped and cleaned up
	doneErr   error         // why, if not a requested shutdown
}

// New returns an App configured by cfg (zero fields mean the documented
// defaults).
func New(cfg Config) *App {
	cfg = cfg.withDefaults()
	a := &App{cfg: cfg, log: cfg.Logger, errorHandler: cfg.ErrorHandler}
	a.root = Group{app: a}
	a.engine.a = a
	return a
}

// Config returns the app's configuration with every default filled in: each
// zero field holds the value the app runs with, whichever layer applies it
// (a negative value that means "none" is returned as given).
func (a *App) Config() Config { return a.cfg.resolved() }

// Logger returns the app's logger (Config.Logger or slog.Default()).
func (a *App) Logger() *slog.Logger { return a.log }

// Routes returns every registered route, in registration order.
func (a *App) Routes() []*Route { return append([]*Route(nil), a.routes...) }

// Use adds app-wide middleware (mw[0] outermost). It wraps every route,
// including the automatic 404, 405 and OPTIONS answers.
func (a *App) Use(mw ...Middleware) { a.root.Use(mw...) }

// Group returns a group of routes under prefix with its own middleware.
func (a *App) Group(prefix string, mw ...Middleware) *Group { return a.root.Group(prefix, mw...) }

// Mount adds the routes, middleware, hooks and state of sub under prefix
// (aiohttp's add_subapp); see Group.Mount.
func (a *App) Mount(prefix string, sub *App) { a.root.Mount(prefix, sub) }

// Get adds a GET route (also serving HEAD); see Group.Handle for patterns.
func (a *App) Get(pattern string, h Handler, opts ...RouteOption) *Route {
	return a.root.Handle("GET", pattern, h, opts...)
}

// Head adds a HEAD route.
func (a *App) Head(pattern string, h Handler, opts ...RouteOption) *Route {
	return a.root.Handle("HEAD", pattern, h, opts...)
}

// Post adds a POST route.
func (a *App) Post(pattern string, h Handler, opts ...RouteOption) *Route {
	return a.root.Handle("POST", pattern, h, opts...)
}

// Put adds a PUT route.
func (a *App) Put(pattern string, h Handler, opts ...RouteOption) *Route {
	return a.root.Handle("PUT", pattern, h, opts...)
}

// Patch adds a PATCH route.
func (a *App) Patch(pattern string, h Handler, opts ...RouteOption) *Route {
	return a.root.Handle("PATCH", pattern, h, opts...)
}

// Delete adds a DELETE route.
func (a *App) Delete(pattern string, h Handler, opts ...RouteOption) *Route {
	return a.root.Handle("DELETE", pattern, h, opts...)
}

// Options adds an OPTIONS route (replacing the automatic answer).
func (a *App) Options(pattern string, h Handler, opts ...RouteOption) *Route {
	return a.root.Handle("OPTIONS", pattern, h, opts...)
}

// Any adds a route for every method without a route of its own.
func (a *App) Any(pattern string, h Handler, opts ...RouteOption) *Route {
	return a.root.Handle("", pattern, h, opts...)
}

// Handle adds a route for any method token; see Group.Handle.
func (a *App) Handle(method, pattern string, h Handler, opts ...RouteOption) *Route {
	return a.root.Handle(method, pattern, h, opts...)
}

func (a *App) mustNotBeFrozen() {
	if a.frozen.Load() {
		panic("eddy: the app is frozen (started or mounted): add routes, middleware and hooks before Start")
	}
}

// freeze adds the probe routes, composes every route's middleware and
// builds the automatic answers. It runs once, at Start.
func (a *App) freeze() {
	if a.frozen.Load() {
		return
	}
	for _, p := range []string{a.cfg.ReadinessPath, a.cfg.LivenessPath} {
		if p != "" {
			a.addProbe(p)
		}
	}
	a.frozen.Store(true)
	paths := make(map[string]*endpoint)
	a.tree.staticPaths("", paths)
	a.statics = newStaticIndex(paths)
	for _, r := range a.routes {
		a.compose(r)
	}
	for _, ep := range a.endpoints {
		ep.allow = ep.allowHeader()
		allow := ep.allow
		ep.options = a.autoRoute(func(c *Ctx) error {
			c.SetHeader("Allow", allow)
			return c.NoContent(204)
		})
		ep.notAllowed = a.autoRoute(func(c *Ctx) error {
			c.SetHeader("Allow", allow)
			return ErrMethodNotAllowed
		})
	}
	a.notFound = a.autoRoute(func(*Ctx) error { return ErrNotFound })
	a.badPath = a.autoRoute(answerPathErr)
	a.failRoute = a.autoRoute(func(c *Ctx) error { return c.failErr })
	a.optionsStar = a.autoRoute(func(c *Ctx) error {
		c.SetHeader("Allow", anyAllow) // every standard method but CONNECT, always 501
		return c.NoContent(204)
	})
}

// addProbe registers a readiness or liveness route: 200 "ok", 503 once a
// shutdown started. It bypasses middleware (no group).
func (a *App) addProbe(pattern string) {
	segs, err := parsePattern(pattern)
	if err != nil {
		panic(err.Error())
	}
	r := &Route{method: "GET", pattern: pattern, segs: segs, app: a, handler: func(c *Ctx) error {
		if a.draining.Load() {
			return c.Status(503).Text("draining")
		}
		return c.Text("ok")
	}}
	a.addRoute(r)
}

// autoRoute makes an automatic answer wrapped by the app's middleware.
func (a *App) autoRoute(h Handler) *Route {
	r := &Route{handler: h, group: &a.root, app: a, auto: true}
	a.compose(r)
	return r
}

// compose builds r's served handler and engine plan.
func (a *App) compose(r *Route) {
	r.serve = chain(r.handler, middlewareOf(r)...)
	place := r.place
	if place == 0 {
		place = a.cfg.Placement
	}
	r.plan = h1.Plan{MaxBody: r.maxBody, InPool: place == InPool || r.streamBody, StreamBody: r.streamBody, HandlerTimeout: r.timeout}
}
