package middleware

import (
	"strconv"
	"strings"
	"time"

	"github.com/eddy-go/eddy"
)

// CORSConfig configures CORS. The zero value allows no origin.
type CORSConfig struct {
	// AllowOrigins lists the origins allowed ("https://app.example.com",
	// compared case-insensitively), or "*" for any. With
	// AllowCredentials, "*" answers the request's own origin (browsers
	// refuse a literal "*" with credentials).
	AllowOrigins []string
	// AllowOriginFunc, if set, decides for origins not in AllowOrigins.
	AllowOriginFunc func(origin string) bool
	// AllowMethods answered to a preflight. Default: GET, HEAD, POST,
	// PUT, PATCH, DELETE.
	AllowMethods []string
	// AllowHeaders answered to a preflight; empty reflects the headers
	// the preflight asks for.
	AllowHeaders []string
	// ExposeHeaders lets the browser's script read these response
	// headers (Access-Control-Expose-Headers).
	ExposeHeaders []string
	// AllowCredentials lets the browser send cookies and read the
	// response of a credentialed request.
	AllowCredentials bool
	// MaxAge lets the browser cache a preflight's answer (whole seconds;
	// zero sends none, so browsers use their default of 5 s).
	MaxAge time.Duration
}

// cors is one CORS policy.
type cors struct {
	any      bool
	origins  []string
	fn       func(string) bool
	methods  string
	headers  string
	expose   string
	creds    bool
	maxAge   string
	prepareF func(*eddy.Ctx)
}

// corsHeaders are the response headers a policy sets; each policy's hook
// removes them first, so the innermost policy (a route's) wins.
var corsHeaders = []string{
	"Access-Control-Allow-Origin", "Access-Control-Allow-Credentials",
	"Access-Control-Expose-Headers", "Access-Control-Allow-Methods",
	"Access-Control-Allow-Headers", "Access-Control-Max-Age",
}

// CORS returns middleware implementing Cross-Origin Resource Sharing
// (aiohttp-cors, chi's cors): a preflight (OPTIONS with Origin and
// Access-Control-Request-Method) from an allowed origin is answered 204
// with the allowed methods, headers and max age, without calling the
// handler; from another origin, 204 without CORS headers (the browser
// then refuses). An actual request from an allowed origin gets
// Access-Control-Allow-Origin (and Allow-Credentials, Expose-Headers) on
// its response, errors included. "Vary: Origin" is added whenever the
// answer depends on the origin.
//
// Per-route policies: install one app-wide with App.Use and another on a
// route with eddy.With; the route's wins, for actual requests and for
// preflights answered by an explicit OPTIONS route:
//
//	public := middleware.CORS(middleware.CORSConfig{AllowOrigins: []string{"*"}})
//	app.Get("/public", h, eddy.With(public))
//	app.Options("/public", middleware.Preflight, eddy.With(public))
func CORS(cfg CORSConfig) eddy.Middleware {
	p := &cors{fn: cfg.AllowOriginFunc, creds: cfg.AllowCredentials}
	for _, o := range cfg.AllowOrigins {
		if o == "*" {
			p.any = true
			continue
		}
		p.origins = append(p.origins, strings.TrimSuffix(o, "/"))
	}
	methods := cfg.AllowMethods
	if len(methods) == 0 {
		methods = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"}
	}
	p.methods = strings.Join(methods, ", ")
	p.headers = strings.Join(cfg.AllowHeaders, ", ")
	p.expose = strings.Join(cfg.ExposeHeaders, ", ")
	if cfg.MaxAge > 0 {
		p.maxAge = strconv.FormatInt(int64(cfg.MaxAge/time.Second), 10)
	}
	p.prepareF = p.prepare
	return p.middleware
}

// Preflight is a handler for an explicit OPTIONS route carrying a CORS
// policy (with eddy.With): the policy answers preflights itself; a plain
// OPTIONS request gets 204.
func Preflight(c *eddy.Ctx) error { return c.NoContent(204) }

func (p *cors) allowed(origin string) bool {
	if p.any {
		return true
	}
	for _, o := range p.origins {
		if strings.EqualFold(o, origin) {
			return true
		}
	}
	return p.fn != nil && p.fn(origin)
}

// allowOrigin is the Access-Control-Allow-Origin value for origin.
func (p *cors) allowOrigin(origin string) string {
	if p.any && !p.creds {
		return "*"
	}
	return origin
}

func (p *cors) middleware(next eddy.Handler) eddy.Handler {
	return func(c *eddy.Ctx) error {
		origin, ok := c.HeaderBytes("Origin")
		if !ok {
			return next(c)
		}
		_, preflight := c.HeaderBytes("Access-Control-Request-Method")
		if preflight && c.Method() == "OPTIONS" {
			if r := c.Route(); r != nil && r.Method() == "OPTIONS" && firstPolicy(c) {
				// An explicit OPTIONS route: the route answers, with the
				// policy it carries (an inner CORS).
				return next(c)
			}
			return p.preflight(c, string(origin))
		}
		c.OnPrepare(p.prepareF)
		return next(c)
	}
}

// firstPolicy reports whether no CORS middleware ran before this one for
// the request (and counts this one): the outermost policy leaves a
// preflight to an explicit OPTIONS route, whose own policy answers it.
func firstPolicy(c *eddy.Ctx) bool {
	n, _ := corsDepth.Get(c)
	corsDepth.Set(c, n+1)
	return n == 0
}

var corsDepth = eddy.NewKey[int]("middleware.cors.depth")

func (p *cors) preflight(c *eddy.Ctx, origin string) error {
	for _, h := range corsHeaders {
		c.DelHeader(h)
	}
	addVary(c, "Origin")
	if !p.allowed(origin) {
		return c.NoContent(204)
	}
	c.SetHeader("Access-Control-Allow-Origin", p.allowOrigin(origin))
	if p.creds {
		c.SetHeader("Access-Control-Allow-Credentials", "true")
	}
	c.SetHeader("Access-Control-Allow-Methods", p.methods)
	switch {
	case p.headers != "":
		c.SetHeader("Access-Control-Allow-Headers", p.headers)
	default:
		if h := c.Header("Access-Control-Request-Headers"); h != "" {
			c.SetHeader("Access-Control-Allow-Headers", h)
			addVary(c, "Access-Control-Request-Headers")
		}
	}
	if p.maxAge != "" {
		c.SetHeader("Access-Control-Max-Age", p.maxAge)
	}
	return c.NoContent(204)
}

// prepare sets the headers of an actual request's response.
func (p *cors) prepare(c *eddy.Ctx) {
	for _, h := range corsHeaders {
		c.DelHeader(h)
	}
	origin := c.Header("Origin")
	if !p.any || p.creds {
		addVary(c, "Origin")
	}
	if !p.allowed(origin) {
		return
	}
	c.SetHeader("Access-Control-Allow-Origin", p.allowOrigin(origin))
	if p.creds {
		c.SetHeader("Access-Control-Allow-Credentials", "true")
	}
	if p.expose != "" {
		c.SetHeader("Access-Control-Expose-Headers", p.expose)
	}
}
