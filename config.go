package eddy

import (
	"log/slog"
	"time"

	"github.com/eddy-go/eddy/internal/h1"
)

// Config configures an App. Every zero value means the default documented
// on its field, so eddy.Config{} is a safe production setup.
type Config struct {
	// Network is "tcp" (the default), "tcp4", "tcp6" or "unix" (then the
	// address given to Run/Start is a socket path).
	Network string
	// Loops is the number of event loops; default GOMAXPROCS.
	Loops int
	// ReusePort lets gnet own one SO_REUSEPORT listener per loop, for
	// benchmark runs. The default (false) is eddy's own listener, which
	// drains without refusing in-flight connects: it closes the listener
	// itself, so connections not yet accepted are refused, which proxies
	// retry, instead of being reset after their request was sent.
	ReusePort bool
	// MaxConns caps open connections (by not accepting); 0 = unlimited.
	MaxConns int

	// Placement is where handlers run unless a route says otherwise
	// (route option InPool or OnLoop); default OnLoop.
	Placement Placement
	// PoolWorkers is the number of pool goroutines; default 4*GOMAXPROCS.
	PoolWorkers int
	// PoolQueue is the number of pool jobs that may wait for a worker;
	// default 1024. Past it, InPool requests get 503.
	PoolQueue int
	// PoolSpare bounds the spare pool goroutines started in place of
	// workers blocked on a slow client (an InPool handler streaming to a
	// client that does not read), so a few such clients cannot hold every
	// worker; default 4*PoolWorkers; negative = none.
	PoolSpare int

	// MaxRequestLine is the longest request line; default 8 KiB (414).
	MaxRequestLine int
	// MaxHeaderBytes is the largest request head; default 32 KiB (431).
	MaxHeaderBytes int
	// MaxHeaders is the most header fields; default 100 (431).
	MaxHeaders int
	// MaxBody is the largest request body; default 4 MiB (413). A route may
	// override it with the MaxBody option.
	MaxBody int64
	// MaxFormFields is the most fields (urlencoded pairs or multipart parts)
	// a form may have; default 1000. Past it, Form returns a 413 error.
	MaxFormFields int
	// PipelineDepth is how many pipelined requests a connection may have in
	// flight; default 16.
	PipelineDepth int
	// HighWater and LowWater are the outbound buffer marks (bytes) that
	// pause and resume a connection; default 64 KiB and 16 KiB.
	HighWater, LowWater int
	// MaxInbound is how many unconsumed inbound bytes a connection may
	// buffer before it is closed; default 1 MiB.
	MaxInbound int

	// HeaderTimeout bounds reading a request head, from its first byte;
	// default 10 s (408). The first head of a connection is timed from the
	// accept: a new connection that sends nothing within it (or within
	// IdleTimeout, if shorter) is closed without an answer.
	HeaderTimeout time.Duration
	// BodyTimeout bounds inactivity while reading a body; default 30 s (408).
	BodyTimeout time.Duration
	// WriteTimeout closes a connection whose pending output makes no
	// progress for this long (a peer that stopped reading); default 30 s.
	WriteTimeout time.Duration
	// IdleTimeout closes a keep-alive connection idle this long; default 75 s.
	IdleTimeout time.Duration
	// HandlerTimeout answers 503 (through the ErrorHandler) for a response
	// not finished this long after its handler started, cancels
	// Ctx.Context and closes the connection after it. It bounds InPool
	// handlers and deferred responses (Defer, Go); a handler running on the
	// loop cannot be interrupted, and a streamed response that started is
	// never cut by it. Default 60 s; negative means no limit.
	HandlerTimeout time.Duration

	// ShutdownTimeout bounds a graceful shutdown started by a signal in Run
	// (Shutdown uses its ctx); default 25 s, below Kubernetes' 30 s grace.
	ShutdownTimeout time.Duration
	// DrainDelay is how long a shutdown keeps serving (readiness answering
	// 503) before it closes the listener, so load balancers stop sending
	// new requests first. Default: 1 s when ReadinessPath is set, else none;
	// a negative value means none.
	DrainDelay time.Duration
	// DrainIdleGrace is how long a keep-alive connection that is idle when
	// the drain starts stays open, so a request its client sent just
	// before (in flight on the wire) is still answered, with Connection:
	// close, instead of being lost to the close; with no request it closes
	// when the grace passes. Busy connections need none. The drain stays
	// bounded by Shutdown's context. Default 500 ms; negative: idle
	// connections close at once.
	DrainIdleGrace time.Duration
	// ReadinessPath, if set, is a GET route answering 200 "ok", and 503 from
	// the first moment of a shutdown. It bypasses middleware.
	ReadinessPath string
	// LivenessPath, if set, is a GET route answering 200 "ok", and 503 from
	// the first moment of a shutdown. It bypasses middleware.
	LivenessPath string

	// ServerName is the value of the Server header; default none.
	ServerName string
	// Logger receives server errors, handler panics and the errors of
	// requests answered with 5xx; default slog.Default().
	Logger *slog.Logger
	// ErrorHandler turns a handler's error, and the server's own errors
	// (400, 408, 413, 414, 431, 501, 505, 503), into a response; default
	// DefaultErrorHandler.
	ErrorHandler ErrorHandler
	// SlowCallback, if set, logs every loop callback (a handler on the loop,
	// a timer) that runs longer, naming the route (asyncio's debug mode).
	SlowCallback time.Duration

	// MinBodyRate is the slowest a request body may arrive, in bytes per
	// second averaged over the whole body, once BodyRateGrace has passed
	// since it started; a slower body is answered 408 and its connection
	// closed. It cuts clients that trickle a body, which BodyTimeout alone
	// (restarted by every byte) never does. Default 240 B/s (Kestrel's);
	// negative: no minimum.
	MinBodyRate int64
	// BodyRateGrace is how long a body may arrive at any rate before
	// MinBodyRate applies; default 5 s, negative: none.
	BodyRateGrace time.Duration
	// BodyBudget caps, per event loop, the memory held by request bodies
	// that are still arriving; their buffers grow with the bytes received,
	// never up front from Content-Length. A body that would take its loop
	// past it is answered 503 and its connection closed; a body alone on
	// its loop may always grow to its MaxBody. Default 64 MiB; negative: no
	// cap.
	BodyBudget int64
	// DropUnderscoreHeaders drops request header fields whose name contains
	// an underscore, as nginx does by default: handlers never see them
	// (Ctx.Header, HeaderBytes, Cookie). Either way names are compared
	// byte for byte apart from ASCII case, so X_Forwarded_For never
	// answers for X-Forwarded-For; dropping protects applications behind
	// gateways that map '-' to '_' (CGI-style) and back. Default false:
	// kept.
	DropUnderscoreHeaders bool
	// DotSegments is what the router does with a path that has a "." or
	// ".." segment after percent-decoding ("/a/../b", "/a/%2e%2e/b"): by
	// default (DotSegmentsReject) it answers 400 and closes the
	// connection; DotSegmentsRemove routes the path with the dot segments
	// removed (RFC 3986 5.2.4, no redirect); DotSegmentsAllow routes it
	// as is.
	DotSegments DotSegments
}

const (
	defaultMaxBody         = h1.DefaultMaxBody // one source of truth: the engine enforces it
	defaultMaxFormFields   = 1000
	defaultShutdownTimeout = 25 * time.Second
	defaultDrainDelay      = time.Second
)

// withDefaults returns c with the defaults the root package itself uses
// filled in; the engine's own defaults are applied by internal/h1 and loop.
func (c Config) withDefaults() Config {
	if c.Network == "" {
		c.Network = "tcp"
	}
	if c.Placement == 0 {
		c.Placement = OnLoop
	}
	if c.MaxBody <= 0 {
		c.MaxBody = defaultMaxBody
	}
	if c.MaxFormFields <= 0 {
		c.MaxFormFields = defaultMaxFormFields
	}
	if c.HandlerTimeout == 0 {
		c.HandlerTimeout = h1.DefaultHandlerTimeout
	}
	if c.ShutdownTimeout <= 0 {
		c.ShutdownTimeout = defaultShutdownTimeout
	}
	switch {
	case c.DrainDelay < 0:
		c.DrainDelay = 0
	case c.DrainDelay == 0 && c.ReadinessPath != "":
		c.DrainDelay = defaultDrainDelay
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.ErrorHandler == nil {
		c.ErrorHandler = DefaultErrorHandler
	}
	return c
}
