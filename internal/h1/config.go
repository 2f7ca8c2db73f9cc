package h1

import (
	"log/slog"
	"time"

	"github.com/eddy-go/eddy/httpcodec"
)

// Defaults for a zero Config field.
const (
	DefaultMaxBody        = 4 << 20
	DefaultPipelineDepth  = 16
	DefaultHeaderTimeout  = 10 * time.Second
	DefaultBodyTimeout    = 30 * time.Second
	DefaultIdleTimeout    = 75 * time.Second
	DefaultDrainIdleGrace = 500 * time.Millisecond
	DefaultMinBodyRate    = 240 // bytes per second, as Kestrel's MinRequestBodyDataRate
	DefaultBodyRateGrace  = 5 * time.Second
	DefaultBodyBudget     = 64 << 20 // per loop
	DefaultHandlerTimeout = 60 * time.Second
)

// streamBuffer bounds the bytes a streaming response may queue in its own
// slot while earlier responses are still pending; past it StreamWrite
// reports backpressure (on the loop) or blocks (in the pool).
const streamBuffer = 64 << 10

// directBody is the size from which a whole response's body is written
// straight from where it is (Conn.Writev with the head) instead of being
// appended to the loop's output buffer: above it the saved copy outweighs
// the second syscall a later response may cost.
const directBody = 64 << 10

// Config configures the engine. A zero field means the default; the zero
// Config is ready to use.
type Config struct {
	// Limits bounds request heads and chunked framing; zero fields mean
	// httpcodec's defaults (8 KiB request line, 32 KiB head, 100 fields).
	// Embedded, so its fields keep their names at this layer too.
	httpcodec.Limits
	// MaxBody bounds a request body; a Plan may override it per request.
	// A larger body is answered 413 and the connection closed. Default 4 MiB.
	MaxBody int64
	// PipelineDepth is how many requests of one connection may be in flight
	// (parsed and not yet written); parsing pauses at the limit. Default 16.
	PipelineDepth int
	// HeaderTimeout bounds the time from a request's first byte to the end
	// of its head; past it the engine answers 408 and closes. A client that
	// trickles a byte at a time still hits it. For the first request of a
	// connection the time runs from the accept, as in net/http and nginx: a
	// new connection that sends nothing at all within it (or within
	// IdleTimeout, if shorter) is closed silently (there is no request to
	// answer), one that sent part of a head gets 408. Default 10 s.
	HeaderTimeout time.Duration
	// BodyTimeout bounds the time between two arrivals of body bytes while a
	// body is being read; past it: 408 and close. Default 30 s.
	BodyTimeout time.Duration
	// IdleTimeout closes (silently) a keep-alive connection that has no
	// request in flight and receives nothing for this long. Default 75 s.
	IdleTimeout time.Duration
	// DrainIdleGrace is how long a keep-alive connection that is idle when
	// the server starts draining stays open. A request its client sent just
	// before (in flight on the wire, or about to be) is still answered, with
	// "Connection: close", and the connection closes after it; with no
	// request it closes (silently) when the grace passes. Busy connections
	// need no grace: their last response carries "Connection: close". The
	// drain as a whole stays bounded by its context. Negative: idle
	// connections close at once. Default 500 ms.
	DrainIdleGrace time.Duration
	// HandlerTimeout bounds the time from the end of a request to its
	// response (to the start of a streamed response: a stream that started
	// is never cut by it); past it the engine answers 503 in the request's
	// place, cancels Exchange.Context and closes the connection after the
	// responses before it. It bounds pool handlers and detached (deferred)
	// exchanges; a handler running on the loop cannot be interrupted, but
	// one that detached can. Default 60 s; negative means no limit.
	HandlerTimeout time.Duration
	// ServerName is the value of the Server header; "" writes none.
	ServerName string
	// Logger receives handler misuse reports; nil means slog.Default().
	Logger *slog.Logger
	// MinBodyRate is the slowest a request body may arrive, in bytes per
	// second, averaged over the whole body: once BodyRateGrace has passed
	// since the body started (for "Expect: 100-continue", since its first
	// byte), a body that has received fewer than MinBodyRate bytes for
	// every second past the grace is answered 408 and the connection
	// closed. It cuts a client that trickles a body (a byte a second
	// restarts BodyTimeout forever), including one that sends a burst and
	// then trickles. Default 240 B/s; negative: no minimum.
	MinBodyRate int64
	// BodyRateGrace is how long a body may arrive at any rate before
	// MinBodyRate applies. Default 5 s; negative: none.
	BodyRateGrace time.Duration
	// BodyBudget caps, per loop, the memory held by request bodies that are
	// still arriving (bodies that did not come whole with their head).
	// Body buffers grow with the bytes that arrive, never up front from
	// Content-Length. A body whose buffer would push its loop's total past
	// the budget is answered 503 and its connection closed (the client may
	// retry), rather than left waiting for memory that other slow bodies
	// hold; a body alone on its loop may always grow to its MaxBody, so a
	// MaxBody above the budget still works. Default 64 MiB; negative: no
	// cap.
	BodyBudget int64
	// Cause maps the engine's causes of an exchange's context cancellation
	// (ErrConnClosed, ErrHandlerTimeout) to the errors the application
	// shows its users, so Exchange.Context carries theirs with no second
	// context; nil keeps the engine's.
	Cause func(error) error
}

// Normalized returns c with every default filled in: the configuration the
// engine runs with (Limits as httpcodec resolves it).
func (c Config) Normalized() Config {
	c.Limits = c.Limits.Normalized()
	if c.MaxBody <= 0 {
		c.MaxBody = DefaultMaxBody
	}
	if c.PipelineDepth <= 0 {
		c.PipelineDepth = DefaultPipelineDepth
	}
	if c.HeaderTimeout <= 0 {
		c.HeaderTimeout = DefaultHeaderTimeout
	}
	if c.BodyTimeout <= 0 {
		c.BodyTimeout = DefaultBodyTimeout
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = DefaultIdleTimeout
	}
	if c.DrainIdleGrace == 0 {
		c.DrainIdleGrace = DefaultDrainIdleGrace
	}
	c.HandlerTimeout = defaultOrNone(c.HandlerTimeout, DefaultHandlerTimeout)
	if c.MinBodyRate == 0 {
		c.MinBodyRate = DefaultMinBodyRate
	}
	c.BodyRateGrace = defaultOrNone(c.BodyRateGrace, DefaultBodyRateGrace)
	if c.BodyBudget == 0 {
		c.BodyBudget = DefaultBodyBudget
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// defaultOrNone resolves a duration where 0 asks for the default and a
// negative value for none (0).
func defaultOrNone(d, def time.Duration) time.Duration {
	switch {
	case d == 0:
		return def
	case d < 0:
		return 0
	}
	return d
}

// Handler is the application side of the engine. Route and Serve are called
// on the loop, except Serve for a Plan with InPool, which is called on a
// goroutine of the loop's executor.
type Handler interface {
	// Route runs once a head is parsed, before the body is read. It may set
	// x.User (kept across reuses of x, see Exchange.User). It must not block
	// and must not keep views of x past the call.
	// Route may also finish x itself (Respond), typically with 404 or 405:
	// then the body is not read, Serve is not called, and the connection
	// closes after the response if a body was announced and has not fully
	// arrived.
	Route(x *Exchange) Plan
	// Serve runs the request; it finishes x exactly once (Respond,
	// StreamStart+StreamEnd, or Hijack), now or later, from any goroutine
	// (later only after Detach, which InPool implies). An on-loop Serve that
	// returns without finishing and without Detach is a bug: the engine
	// answers 500 and logs it.
	Serve(x *Exchange)
	// Release is called on the loop once x is finished and written (or
	// abandoned because the connection died or timed out, once the handler
	// has finished it); x may be recycled after it, with x.User as Release
	// left it.
	Release(x *Exchange)
}

// DirectServer is implemented by a Handler that serves the usual request
// in one call: a head without a body, whose Plan runs it on the loop,
// parsed from the input of one batch. The engine then calls ServeDirect in
// place of Serve, and of Release too when the request was answered at once
// (one interface call a request instead of two). Every other request goes
// through Serve and Release as usual.
type DirectServer interface {
	// ServeDirect does what Serve does for x, on the loop, except that it
	// recovers no panic: the engine recovers one for its whole batch of
	// input and hands it to Recover. Once x's handler returned (and its
	// result was dealt with), ServeDirect calls x.Settle; when Settle
	// reports true, x is out of the engine's hands: ServeDirect does what
	// Release does, now, and returns true. Otherwise it returns false and
	// the engine goes on as after Serve (Release follows later).
	ServeDirect(x *Exchange) (released bool)
	// Recover runs on the loop when ServeDirect(x) panicked with v (never
	// nil), before the engine goes on as after a Serve that returned: it
	// answers x as Serve answers a panic of its handler (the engine does
	// not). A panic anywhere else is not recovered.
	Recover(x *Exchange, v any)
}

// Failer is implemented by a Handler that renders the engine's own
// answers itself: 400, 414, 431, 501 and 505 for a malformed head, 408 for
// a head or body too slow, 413 for a body too large, 503 for a handler
// timeout or a full pool, 500 for an on-loop Serve that neither finished
// nor detached. Without it the engine answers with a short text body.
type Failer interface {
	// Fail runs on the loop when x's answer e is about to be written, and
	// returns the response to send instead of the engine's text: status,
	// header lines (the same rules as Respond's) and body, which the
	// engine copies before it returns; ok false means "answer with the
	// engine's text". The connection closes after the answer either way.
	// For a head that failed to parse, x.Request() is empty (no method, no
	// path, no headers) and Route was never called (no Release follows).
	// For a handler timeout the handler may still be running with x:
	// Fail must only read x's request, never finish x or touch x.User.
	Fail(x *Exchange, e *httpcodec.Error) (status int, header, body []byte, ok bool)
}

// Plan is where and how a request runs, chosen by Handler.Route.
type Plan struct {
	// HandlerTimeout overrides Config.HandlerTimeout for this request when
	// > 0.
	HandlerTimeout time.Duration
	// MaxBody overrides Config.MaxBody for this request when > 0; a larger
	// body is answered 413 and the connection closed.
	MaxBody int64
	// InPool runs Serve in the loop's executor, with the exchange detached
	// first. A full executor is answered 503.
	InPool bool
	// StreamBody runs Serve (in the pool: it implies InPool) as soon as the
	// head is routed, and streams the body to it while it arrives: the
	// handler reads it with Exchange.ReadBody, and Body is nil. A handler
	// that reads slowly slows the client down instead of growing memory
	// (see ReadBody). MaxBody, BodyTimeout and MinBodyRate hold as for a
	// buffered body; a body that fails them is answered by the engine and
	// ReadBody returns io.ErrUnexpectedEOF. A body that came whole with
	// its head is read from Body as usual (StreamsBody reports false).
	StreamBody bool
}
