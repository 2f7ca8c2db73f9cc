package client

import (
	"crypto/tls"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/eddy-go/eddy/loop"
)

// Config configures a Session. A zero field means the default written beside it.
type Config struct {
	// Server is the loop server whose loops carry the session's connections for
	// requests made from ordinary goroutines (Do, Get, ...). nil: the session starts
	// its own, with Loops loops, and stops it in Close. A server given here is not
	// stopped by Close. (A server of its own listens on an ephemeral loopback port,
	// which it refuses at once: the loop package serves dialed and accepted
	// connections alike.) Requests made with Session.Start run on the loop they are
	// given, whatever server it belongs to.
	Server *loop.Server
	// Loops is the number of loops of the session's own server; default 1.
	Loops int

	// BaseURL is joined with relative request URLs ("/get" or "get"), as aiohttp's
	// base_url. Empty: request URLs must be absolute.
	BaseURL string
	// Header holds default headers sent with every request unless the request sets
	// the same name.
	Header http.Header
	// Username and Password, when Username is not empty, send HTTP basic auth with
	// every request that has no Authorization header of its own (never across hosts
	// on a redirect: see Redirects).
	Username, Password string

	// Jar stores cookies from responses and sends them back; nil: no cookies. Use
	// net/http/cookiejar.New. Its methods are called off the loops (on a
	// goroutine per call, which the request waits for), so a jar that blocks
	// delays its own requests only; a session without a jar skips that step.
	Jar http.CookieJar

	Timeout Timeouts

	// IdleTimeout closes a keep-alive connection idle this long; default 15 s
	// (aiohttp's keepalive_timeout). A server closing idle connections sooner is
	// handled by the stale-connection retry.
	IdleTimeout time.Duration
	// MaxConns bounds the session's open connections across every host and loop;
	// default 100 (aiohttp's limit); negative: no limit.
	MaxConns int
	// MaxConnsPerHost bounds open connections to one host (scheme, host and port);
	// 0: no limit beyond MaxConns (aiohttp's limit_per_host). A request that finds
	// no idle connection and no free slot waits in a first-come, first-served
	// queue of its loop and host until a connection of that host is released or a
	// slot frees (a connection closes), bounded by the total timeout and its
	// context. A connection released while requests for its host wait on another
	// loop is closed, so that loop can dial one of its own.
	MaxConnsPerHost int

	// MaxRedirects bounds the redirects followed for one request; default 10;
	// negative: redirects are not followed (the 30x response is returned).
	MaxRedirects int
	// RaiseForStatus makes a response with status 400 or more an error
	// (*StatusError), after its body was closed: aiohttp's raise_for_status.
	RaiseForStatus bool
	// DisableCompression stops the session from asking for gzip (Accept-Encoding)
	// and from decompressing. By default a request without its own Accept-Encoding
	// asks for "gzip, deflate" and a gzip or deflate response is decompressed
	// transparently (Response.Uncompressed is then true, and Content-Encoding and
	// Content-Length are removed from its header).
	DisableCompression bool
	// Proxy returns the proxy for a request (nil URL: none), with net/http's
	// signature (only the request's URL is set). nil: no proxy;
	// http.ProxyFromEnvironment reads HTTP_PROXY, HTTPS_PROXY and NO_PROXY. Plain
	// http requests go to an http proxy in absolute form, with Proxy-Authorization
	// from the proxy URL's user info; https requests use the fallback transport,
	// which tunnels with CONNECT. It is called off the loops, as the Jar is.
	Proxy func(*http.Request) (*url.URL, error)

	// Middleware wraps Do (and so Get, Post, ...), first element outermost: the
	// place for retries, auth refresh, logging around every request. Requests made
	// with Start do not pass through it (it may block; Start runs on a loop).
	Middleware []Middleware

	// Trace receives the connection and request events of every request that has
	// no Trace of its own.
	Trace *Trace

	// MaxHeaderBytes bounds a response head; default 32 KiB, past which the
	// response fails with ErrBadResponse.
	MaxHeaderBytes int
	// MaxBodyBuffered bounds a body read whole: Response.Bytes (and Text, JSON),
	// the bodies given to Start's callback, and a decompressed body read whole;
	// default 16 MiB; past it ErrBodyTooLarge.
	MaxBodyBuffered int64
	// BodyWindow is how many body bytes the session holds for a reader that lags
	// (a streamed body not read as fast as it arrives) before it pauses reading the
	// connection; default 1 MiB.
	BodyWindow int
	// MaxLag bounds what a paused connection may still buffer: the loops cannot
	// stop reading a socket (the network library under them reads whatever the
	// kernel has), so while a body's reader lags, bytes pile up on the loop, and
	// past MaxLag the connection is aborted and the read fails with ErrBodyLag.
	// A reader must therefore not stall for long in the middle of a large body;
	// read it at the network's pace or read it whole. Default 16 MiB. It sets the
	// MaxInbound of the session's own loop server; with Config.Server, that
	// server's MaxInbound applies instead.
	MaxLag int

	// TLS configures https requests, which the loops cannot carry (they have no
	// TLS): they go through Go's net/http Transport with this configuration, the
	// session's cookies, redirects rules, headers and timeouts. nil: the defaults.
	TLS *tls.Config

	// Logger receives debug logs of every request (method, URL, status, reuse,
	// time); nil: slog.Default() (debug level is off there unless enabled).
	Logger *slog.Logger
}

// Timeouts are aiohttp's ClientTimeout in Go: 0 means the default beside each
// field, negative means no limit.
type Timeouts struct {
	// Total bounds a whole request: waiting for a connection, connecting, every
	// redirect, and reading the body to its end; default 5 min (aiohttp's).
	Total time.Duration
	// Connect bounds a dial, DNS included; default 30 s (aiohttp's sock_connect).
	Connect time.Duration
	// ReadGap bounds the time between two reads from the server while a response
	// is awaited or read (aiohttp's sock_read); default none. It does not run while
	// the body's reader lags (the connection is paused then).
	ReadGap time.Duration
	// ResponseHeader bounds the time from the end of the request's writing to the
	// end of the response head (net/http's ResponseHeaderTimeout); default none.
	ResponseHeader time.Duration
}

const (
	defaultTotal           = 5 * time.Minute
	defaultConnect         = 30 * time.Second
	defaultIdle            = 15 * time.Second
	defaultMaxConns        = 100
	defaultMaxRedirects    = 10
	defaultMaxHeaderBytes  = 32 << 10
	defaultMaxBodyBuffered = 16 << 20
	defaultBodyWindow      = 1 << 20
	defaultMaxLag          = 16 << 20
)

// normalized returns cfg with its defaults applied (negative limits become 0, "none").
func (cfg Config) normalized() Config {
	if cfg.Loops <= 0 {
		cfg.Loops = 1
	}
	cfg.Timeout.Total = dflt(cfg.Timeout.Total, defaultTotal)
	cfg.Timeout.Connect = dflt(cfg.Timeout.Connect, defaultConnect)
	cfg.Timeout.ReadGap = dflt(cfg.Timeout.ReadGap, 0)
	cfg.Timeout.ResponseHeader = dflt(cfg.Timeout.ResponseHeader, 0)
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = defaultIdle
	}
	switch {
	case cfg.MaxConns == 0:
		cfg.MaxConns = defaultMaxConns
	case cfg.MaxConns < 0:
		cfg.MaxConns = 0
	}
	cfg.MaxConnsPerHost = max(cfg.MaxConnsPerHost, 0)
	if cfg.MaxRedirects == 0 {
		cfg.MaxRedirects = defaultMaxRedirects
	}
	if cfg.MaxHeaderBytes <= 0 {
		cfg.MaxHeaderBytes = defaultMaxHeaderBytes
	}
	if cfg.MaxBodyBuffered <= 0 {
		cfg.MaxBodyBuffered = defaultMaxBodyBuffered
	}
	if cfg.MaxLag <= 0 {
		cfg.MaxLag = defaultMaxLag
	}
	if cfg.BodyWindow <= 0 {
		cfg.BodyWindow = defaultBodyWindow
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return cfg
}

// dflt maps 0 to def and a negative d to 0 (no limit).
func dflt(d, def time.Duration) time.Duration {
	switch {
	case d == 0:
		return def
	case d < 0:
		return 0
	}
	return d
}
