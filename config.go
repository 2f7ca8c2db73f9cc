package eddy

import (
	"log/slog"
	"reflect"
	"time"

	"github.com/eddy-go/eddy/httpcodec"
	"github.com/eddy-go/eddy/internal/h1"
	"github.com/eddy-go/eddy/loop"
)

// Config configures an App. Every zero value means the default documented
// on its field, so eddy.Config{} is a safe production setup.
//
// The fields keep their names at every layer: the event loops take theirs
// (the fields of loop.Config: Network, Loops, ReusePort, MaxConns, the
// Pool*, water marks, MaxInbound, WriteTimeout, socket options,
// SlowCallback) under the same
// name, and so does the HTTP engine; each layer applies its own defaults,
// and "Default (the loop's)" or "(the engine's)" below says which one.
type Config struct {
	// Network is "tcp", "tcp4", "tcp6" or "unix" (then the address given
	// to Run/Start is a socket path). Default (the loop's): "tcp".
	Network string
	// Loops is the number of event loops. Default (the loop's): GOMAXPROCS.
	Loops int
	// ReusePort lets gnet own one SO_REUSEPORT listener per loop, for
	// benchmark runs. The default (false) is eddy's own listener, which
	// drains without refusing in-flight connects: it closes the listener
	// itself, so connections not yet accepted are refused, which proxies
	// retry, instead of being reset after their request was sent.
	ReusePort bool
	// MaxConns caps open connections (by not accepting); 0 = unlimited.
	MaxConns int

	// Socket options of accepted connections, as loop.Config has them.
	// ReadBufferSize is the most one read takes from a socket (0: 64 KiB).
	// SocketRecvBuffer and SocketSendBuffer set SO_RCVBUF and SO_SNDBUF (0:
	// the kernel's autotuning). TCPKeepAlive is the keep-alive idle time
	// and probe interval (0: 15 s; negative: off). TCPNagle turns Nagle's
	// algorithm on (TCP_NODELAY off).
	ReadBufferSize   int
	SocketRecvBuffer int
	SocketSendBuffer int
	TCPKeepAlive     time.Duration
	TCPNagle         bool

	// Placement is where handlers run unless a route says otherwise
	// (route option InPool or OnLoop); default OnLoop.
	Placement Placement
	// PoolWorkers is the number of pool goroutines (the InPool handlers'
	// and Ctx.Go's). Default (the loop's): 4*GOMAXPROCS, at least 8.
	PoolWorkers int
	// PoolQueue is the number of pool jobs that may wait for a worker;
	// past it, InPool requests get 503. Default (the loop's): 1024.
	PoolQueue int
	// PoolSpare bounds the spare pool goroutines started in place of
	// workers blocked on a slow client (an InPool handler streaming to a
	// client that does not read), so a few such clients cannot hold every
	// worker; negative = none. Default (the loop's): 4*PoolWorkers.
	PoolSpare int

	// MaxRequestLine is the longest request line (414 past it). Default
	// (the engine's): 8 KiB.
	MaxRequestLine int
	// MaxHeaderBytes is the largest request head (431 past it). Default
	// (the engine's): 32 KiB.
	MaxHeaderBytes int
	// MaxHeaders is the most header fields (431 past them). Default (the
	// engine's): 100.
	MaxHeaders int
	// MaxBody is the largest request body (413 past it); a route may
	// override it with the MaxBody option. Default (the engine's): 4 MiB.
	MaxBody int64
	// MaxFormFields is the most fields (urlencoded pairs or multipart parts)
	// a form may have; past it, Form returns a 413 error. Default 1000.
	MaxFormFields int
	// PipelineDepth is how many pipelined requests a connection may have in
	// flight. Default (the engine's): 16.
	PipelineDepth int
	// HighWater and LowWater are the outbound buffer marks (bytes) that
	// pause and resume a connection; LowWater is at most HighWater.
	// Default (the loop's): 64 KiB and 16 KiB.
	HighWater, LowWater int
	// MaxInbound is how many unconsumed inbound bytes a connection may
	// buffer before it is closed; at most 1 GiB. Default (the loop's):
	// 1 MiB. A connection the server paused (a full pipeline, a streamed
	// body whose handler is behind) is not cut at it: the server stops
	// reading its socket once 64 KiB (or MaxInbound, if lower) are
	// buffered, and TCP holds the client back.
	MaxInbound int

	// HeaderTimeout bounds reading a request head, from its first byte
	// (408 past it). The first head of a connection is timed from the
	// accept: a new connection that sends nothing within it (or within
	// IdleTimeout, if shorter) is closed without an answer. Default (the
	// engine's): 10 s.
	HeaderTimeout time.Duration
	// BodyTimeout bounds inactivity while reading a body (408 past it).
	// Default (the engine's): 30 s.
	BodyTimeout time.Duration
	// WriteTimeout closes a connection whose pending output makes no
	// progress for this long (a peer that stopped reading). Default (the
	// loop's): 30 s.
	WriteTimeout time.Duration
	// IdleTimeout closes a keep-alive connection idle this long. Default
	// (the engine's): 75 s.
	IdleTimeout time.Duration
	// HandlerTimeout answers 503 (through the ErrorHandler) for a response
	// not finished this long after its handler started, cancels
	// Ctx.Context and closes the connection after it. It bounds InPool
	// handlers and deferred responses (Defer, Go); a handler running on the
	// loop cannot be interrupted, and a streamed response that started is
	// never cut by it. Negative means no limit. Default (the engine's):
	// 60 s.
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
	// bounded by Shutdown's context. Negative: idle connections close at
	// once. Default (the engine's): 500 ms.
	DrainIdleGrace time.Duration
	// ReadinessPath, if set, is a GET route answering 200 "ok", and 503 from
	// the first moment of a shutdown. It bypasses middleware.
	ReadinessPath string
	// LivenessPath, if set, is a GET route answering 200 "ok", and 503 from
	// the first moment of a shutdown. It bypasses middleware.
	LivenessPath string

	// ServerName is the value of the Server header; "" (the default)
	// sends none.
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
	// (restarted by every byte) never does. Negative: no minimum. Default
	// (the engine's): 240 B/s, Kestrel's.
	MinBodyRate int64
	// BodyRateGrace is how long a body may arrive at any rate before
	// MinBodyRate applies; negative: none. Default (the engine's): 5 s.
	BodyRateGrace time.Duration
	// BodyBudget caps, per event loop, the memory held by request bodies
	// that are still arriving; their buffers grow with the bytes received,
	// never up front from Content-Length. A body that would take its loop
	// past it is answered 503 and its connection closed; a body alone on
	// its loop may always grow to its MaxBody. Negative: no cap. Default
	// (the engine's): 64 MiB.
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

	// ProxyProtocol makes the listener read a PROXY protocol header (v1
	// or v2, as HAProxy, AWS NLB and most load balancers send it) from
	// each connection before any request: Ctx.RemoteAddr then reports the
	// client the header names and Ctx.ProxyHeader the header (v2 TLVs
	// included). ProxyRequired closes a connection without a valid header;
	// ProxyOptional reads one when present (only while migrating: a client
	// reaching the server directly could name its own address). The zero
	// value, ProxyOff, reads none. Not with ReusePort.
	ProxyProtocol ProxyProtocol
	// ProxyTimeout bounds the wait for that header (0 means 5 s); a
	// connection still without one is closed.
	ProxyTimeout time.Duration
}

// The root package's own defaults; the others are applied by the layer that
// owns the field (loop.Config, the HTTP engine), once.
const (
	defaultMaxFormFields   = 1000
	defaultShutdownTimeout = 25 * time.Second
	defaultDrainDelay      = time.Second
)

// withDefaults returns c with the defaults of the fields the root package
// itself owns filled in (and Logger, which every layer shares); the fields
// it hands to the loops and the engine keep their zero values, which those
// layers resolve.
func (c Config) withDefaults() Config {
	if c.Placement == 0 {
		c.Placement = OnLoop
	}
	if c.MaxFormFields <= 0 {
		c.MaxFormFields = defaultMaxFormFields
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

// layers returns the configurations of the event loops (listening on addr)
// and of the HTTP engine that c describes: every field that is not the
// root's own goes, under its own name, to the layer that owns it.
// TestConfigReachesLayers fails on a field that reaches no layer.
func (c Config) layers(addr string) (loop.Config, h1.Config) {
	lc := loop.Config{
		Network:          c.Network,
		Addr:             addr,
		Loops:            c.Loops,
		ReusePort:        c.ReusePort,
		MaxConns:         c.MaxConns,
		ReadBufferSize:   c.ReadBufferSize,
		SocketRecvBuffer: c.SocketRecvBuffer,
		SocketSendBuffer: c.SocketSendBuffer,
		TCPKeepAlive:     c.TCPKeepAlive,
		TCPNagle:         c.TCPNagle,
		HighWater:        c.HighWater,
		LowWater:         c.LowWater,
		MaxInbound:       c.MaxInbound,
		WriteTimeout:     c.WriteTimeout,
		PoolWorkers:      c.PoolWorkers,
		PoolQueue:        c.PoolQueue,
		PoolSpare:        c.PoolSpare,
		SlowCallback:     c.SlowCallback,
		Logger:           c.Logger,

		ProxyProtocol: c.ProxyProtocol,
		ProxyTimeout:  c.ProxyTimeout,
	}
	hc := h1.Config{
		Limits: httpcodec.Limits{
			MaxRequestLine:        c.MaxRequestLine,
			MaxHeaderBytes:        c.MaxHeaderBytes,
			MaxHeaders:            c.MaxHeaders,
			DropUnderscoreHeaders: c.DropUnderscoreHeaders,
		},
		MaxBody:        c.MaxBody,
		PipelineDepth:  c.PipelineDepth,
		HeaderTimeout:  c.HeaderTimeout,
		BodyTimeout:    c.BodyTimeout,
		IdleTimeout:    c.IdleTimeout,
		DrainIdleGrace: c.DrainIdleGrace,
		HandlerTimeout: c.HandlerTimeout,
		ServerName:     c.ServerName,
		Logger:         c.Logger,
		Cause:          engineCause,
		MinBodyRate:    c.MinBodyRate,
		BodyRateGrace:  c.BodyRateGrace,
		BodyBudget:     c.BodyBudget,
	}
	return lc, hc
}

// resolved returns c (as withDefaults left it) with every zero field that
// the loops or the engine own set to that layer's default, read from the
// layer's normalized configuration under the same name: what App.Config
// reports. Cold path (reflection).
func (c Config) resolved() Config {
	lc, hc := c.layers("")
	layers := []reflect.Value{reflect.ValueOf(lc.Normalized()), reflect.ValueOf(hc.Normalized())}
	v := reflect.ValueOf(&c).Elem()
	for i := range v.NumField() {
		f := v.Field(i)
		if !f.IsZero() {
			continue
		}
		for _, l := range layers {
			if lf := l.FieldByName(v.Type().Field(i).Name); lf.IsValid() {
				f.Set(lf)
				break
			}
		}
	}
	return c
}
