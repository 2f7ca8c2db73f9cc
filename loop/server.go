package loop

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/panjf2000/gnet/v2"
)

// Config configures a Server. A zero field means the default written beside it.
type Config struct {
	Network string // "tcp", "tcp4", "tcp6" or "unix"; default "tcp"
	// Addr is "127.0.0.1:0" (port 0 works; Addr reports the bound port) or a socket
	// path. Empty, the server starts without a listener and serves only the
	// connections given to ServeConn (socket activation, socketpairs, tests).
	Addr string

	Loops int // event loops; default GOMAXPROCS

	// ReusePort lets gnet own the listening sockets, one SO_REUSEPORT listener per loop.
	// It is for benchmark runs: a drain cannot stop gnet's listeners before the engine
	// stops, MaxConns is enforced by closing new connections instead of not accepting,
	// and an accept error (EMFILE) stops the engine (reported by Wait). By default the
	// server owns one listener, accepts, and hands each connection to a loop.
	ReusePort bool

	MaxConns int // accepted connections at once; 0 = unlimited; enforced by not accepting

	HighWater int // outbound bytes that pause writing (WriteFlow); default 64 KiB
	LowWater  int // outbound bytes that resume writing; default 16 KiB, at most HighWater

	// MaxInbound caps the unconsumed inbound bytes buffered per connection (while a
	// protocol waits for more, or while reading is paused); past it the connection is
	// aborted with ErrInboundOverflow. Default 1 MiB; at most 1 GiB (larger values are
	// lowered to it, which keeps the per-connection count in 32 bits).
	MaxInbound int

	// WriteTimeout aborts a connection (ErrWriteStall) whose pending output makes no
	// progress for this long: a peer that stopped reading. Default 30 s.
	WriteTimeout time.Duration
	// CloseLinger bounds Shutdown's lingering close: once the output is all sent and
	// the write side shut (SHUT_WR), the wait for the peer's EOF (so that closing does
	// not reset a peer still reading) ends after this long. The flush before it, as
	// Close's, is bounded by WriteTimeout like any write: a peer that pauses gets every
	// byte, one that stopped reading is cut (ErrLinger). Default 2 s.
	CloseLinger time.Duration

	// PoolWorkers is the number of goroutines in the executor's pool (RunInExecutor);
	// default 4*GOMAXPROCS, at least 8.
	PoolWorkers int
	// PoolQueue is how many jobs may wait for a busy pool; past it RunInExecutor returns
	// ErrExecutorFull. Default 1024.
	PoolQueue int
	// PoolSpare bounds the spare workers the pool starts in place of workers blocked in
	// BlockingWait (a pool handler waiting for a client that does not read), so a few
	// slow clients cannot hold every worker; default 4*PoolWorkers; negative = none.
	PoolSpare int

	// Socket options of accepted connections. ReadBufferSize is gnet's per-loop read
	// buffer: the most one read takes from a socket (a power of two; default 64 KiB).
	// SocketRecvBuffer and SocketSendBuffer set SO_RCVBUF and SO_SNDBUF (0 = the
	// kernel's autotuned default). TCPKeepAlive is the keep-alive idle time and probe
	// interval (0 = 15 s, Go's default; negative = off). TCPNagle turns Nagle's algorithm
	// on (by default TCP_NODELAY is set: replies leave at once).
	ReadBufferSize   int
	SocketRecvBuffer int
	SocketSendBuffer int
	TCPKeepAlive     time.Duration
	TCPNagle         bool

	// SlowCallback enables the debug watchdog: any loop callback running longer than this
	// is logged (asyncio's slow_callback_duration). 0 = off (and free).
	SlowCallback time.Duration

	Logger *slog.Logger // nil = slog.Default(); gnet's own logger is routed into it

	// ProxyProtocol makes the listener read a PROXY protocol header (v1 or v2)
	// from each accepted connection, on a goroutine of its own, before a loop
	// sees it; RemoteAddr then reports the client the header names, and
	// Conn.ProxyHeader returns the header. A bad header, or a missing one
	// with ProxyRequired, closes the connection. Default ProxyOff; not
	// available with ReusePort.
	ProxyProtocol ProxyProtocol
	// ProxyTimeout bounds the wait for the header; 0 means 5 s (applied
	// where the header is read).
	ProxyTimeout time.Duration
}

const (
	defaultHighWater    = 64 << 10
	defaultLowWater     = 16 << 10
	defaultMaxInbound   = 1 << 20
	maxMaxInbound       = 1 << 30
	defaultWriteTimeout = 30 * time.Second
	defaultCloseLinger  = 2 * time.Second
	defaultQueue        = 1024
)

// Normalized returns cfg with every zero field set to the default documented beside
// it, LowWater lowered to HighWater, MaxInbound to 1 GiB and a negative PoolSpare to 0:
// the configuration a Server built from cfg runs with. It validates nothing (New does).
func (cfg Config) Normalized() Config {
	if cfg.Network == "" {
		cfg.Network = "tcp"
	}
	if cfg.Loops <= 0 {
		cfg.Loops = runtime.GOMAXPROCS(0)
	}
	if cfg.HighWater <= 0 {
		cfg.HighWater = defaultHighWater
	}
	if cfg.LowWater <= 0 {
		cfg.LowWater = defaultLowWater
	}
	if cfg.LowWater > cfg.HighWater {
		cfg.LowWater = cfg.HighWater
	}
	if cfg.MaxInbound <= 0 {
		cfg.MaxInbound = defaultMaxInbound
	}
	cfg.MaxInbound = min(cfg.MaxInbound, maxMaxInbound)
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = defaultWriteTimeout
	}
	if cfg.CloseLinger <= 0 {
		cfg.CloseLinger = defaultCloseLinger
	}
	if cfg.PoolWorkers <= 0 {
		cfg.PoolWorkers = max(8, 4*runtime.GOMAXPROCS(0))
	}
	if cfg.PoolQueue <= 0 {
		cfg.PoolQueue = defaultQueue
	}
	if cfg.PoolSpare == 0 {
		cfg.PoolSpare = 4 * cfg.PoolWorkers
	}
	cfg.PoolSpare = max(cfg.PoolSpare, 0)
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return cfg
}

// validate reports a configuration New cannot start.
func (cfg *Config) validate() error {
	switch cfg.Network {
	case "tcp", "tcp4", "tcp6", "unix":
	default:
		return fmt.Errorf("loop: unsupported network %q", cfg.Network)
	}
	if cfg.Addr == "" && (cfg.ReusePort || cfg.ProxyProtocol != ProxyOff) {
		return fmt.Errorf("loop: ReusePort and ProxyProtocol need an address to listen on")
	}
	if cfg.ProxyProtocol > ProxyRequired {
		return fmt.Errorf("loop: unknown ProxyProtocol %d", cfg.ProxyProtocol)
	}
	if cfg.ProxyProtocol != ProxyOff && cfg.ReusePort {
		return fmt.Errorf("loop: ProxyProtocol needs the server's own listener, not ReusePort")
	}
	return nil
}

// Server runs N event loops as one: it listens, hands connections to loops, runs the
// timer driver and the executor, and stops them together.
type Server struct {
	cfg     Config
	factory Factory
	log     *slog.Logger
	loops   []*Loop

	startMono time.Time    // the wall clock at startNano (Loop.Now)
	startNano int64        // runtime.nanotime at start: the origin of Time()
	wallSec   atomic.Int64 // the wall clock's Unix second, as the driver last read it
	driver    driver
	exec      executor
	watch     watcher // EPOLLOUT for connections with output queued (writable.go)

	ln   net.Listener // own listener (nil in ReusePort mode)
	addr net.Addr
	cli  *gnet.Client // engine in own-listener mode
	eng  gnet.Engine  // engine in ReusePort mode
	// ReusePort mode: closed when gnet.Run returns.
	runDone chan struct{}

	anchors  []net.Conn // our ends of the loop anchors
	accepted sync.WaitGroup
	sem      chan struct{} // MaxConns slots (own listener)
	acceptSt chan struct{} // closed to stop the accept loop
	proxySem chan struct{} // connections whose PROXY header is being read (enrollProxied)
	// enrolling holds a slot for each accepted connection being handed to a loop, which
	// the accept goroutine sends on enrollQ to the enrollers; refuseMu guards refuseLog
	// (allowRefusalLog).
	enrolling chan struct{}
	enrollQ   chan net.Conn
	refuseMu  sync.Mutex
	refuseLog logLimiter
	pickMu    sync.Mutex // pickLoop's choices, one at a time
	// handing counts the enrollments in progress (enrollAccepted: from our listener,
	// a PROXY header read, or ServeConn); while any is, every loop yields its P
	// before each callback (Loop.yield).
	handing atomic.Int32

	state    atomic.Int32 // 0 new, 1 starting/started, 2 stopping
	draining atomic.Bool
	nconns   atomic.Int64  // accepted connections open
	zero     chan struct{} // poked when nconns drops to 0 while draining
	rr       atomic.Uint32

	stopOnce sync.Once
	done     chan struct{} // closed once fully stopped
	errMu    sync.Mutex
	err      error // why the engine died on its own; nil after a requested stop
}

// New validates cfg and returns a Server; nothing is bound until Start.
// f makes the Protocol of each accepted connection; it must not be nil.
func New(cfg Config, f Factory) (*Server, error) {
	if f == nil {
		return nil, fmt.Errorf("loop: nil Factory")
	}
	cfg = cfg.Normalized()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	s := &Server{
		cfg:      cfg,
		factory:  f,
		log:      cfg.Logger,
		done:     make(chan struct{}),
		zero:     make(chan struct{}, 1),
		acceptSt: make(chan struct{}),

		enrolling: make(chan struct{}, enrollPending),
		enrollQ:   make(chan net.Conn),
	}
	s.loops = make([]*Loop, cfg.Loops)
	for i := range s.loops {
		s.loops[i] = newLoop(s, i)
	}
	if cfg.MaxConns > 0 && !cfg.ReusePort {
		s.sem = make(chan struct{}, cfg.MaxConns)
	}
	if cfg.ProxyProtocol != ProxyOff {
		s.proxySem = make(chan struct{}, proxyPending)
	}
	s.exec.init(s, cfg.PoolWorkers, cfg.PoolQueue, cfg.PoolSpare)
	return s, nil
}

// Start binds, starts the loops, the timer driver and the executor, and returns once the
// server accepts connections (Addr is then valid). Call it once.
func (s *Server) Start() error {
	if !s.state.CompareAndSwap(0, 1) {
		return ErrStarted
	}
	s.startMono, s.startNano = time.Now(), nanotime()
	s.driver.init(s)
	var err error
	if s.cfg.ReusePort {
		err = s.startReusePort()
	} else {
		err = s.startOwnListener()
	}
	if err != nil {
		s.driver.stop()
		s.state.Store(2)
		close(s.done)
		return err
	}
	s.exec.start()
	s.watch.init()
	go s.driver.run()
	if s.ln != nil {
		s.accepted.Add(1 + enrollPending)
		go s.acceptLoop()
		for range enrollPending {
			go s.enroller()
		}
	}
	return nil
}

// Addr is the bound address (the real port when Config.Addr had port 0); nil before Start
// and without a listener (an empty Config.Addr).
// Safe for concurrent use.
func (s *Server) Addr() net.Addr { return s.addr }

// Loops returns the loops, indexed by Loop.Index. Safe for concurrent use.
func (s *Server) Loops() []*Loop { return s.loops }

// NumConns is the number of accepted connections open now (dialed ones not counted).
// Safe for concurrent use.
func (s *Server) NumConns() int { return int(s.nconns.Load()) }

// Wait blocks until the server has stopped. It returns nil after a requested Stop or
// Drain, and an error wrapping ErrEngineStopped when the engine stopped on its own.
func (s *Server) Wait() error {
	<-s.done
	s.errMu.Lock()
	defer s.errMu.Unlock()
	return s.err
}

// Done is closed once the server has stopped.
func (s *Server) Done() <-chan struct{} { return s.done }

// Stop stops now: the listener closes, every connection is closed (ConnectionLost gets
// ErrStopped), the loops, the driver and the executor stop. It returns ctx.Err() if ctx
// ends first (the stop goes on in the background). Safe for concurrent use; calling it
// again waits for the first stop.
func (s *Server) Stop(ctx context.Context) error {
	if s.state.Load() == 0 {
		return ErrNotStarted
	}
	s.stopOnce.Do(func() { go s.stop() })
	select {
	case <-s.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// fail records that the engine died on its own and stops everything.
func (s *Server) fail(err error) {
	if s.state.Load() == 2 {
		return // a requested stop: connections and loops closing is expected
	}
	s.errMu.Lock()
	if s.err == nil {
		s.err = fmt.Errorf("%w: %v", ErrEngineStopped, err)
		s.log.Error("loop: engine stopped on its own", "err", err)
	}
	s.errMu.Unlock()
	s.stopOnce.Do(func() { go s.stop() })
}

func (s *Server) stop() {
	s.state.Store(2)
	s.closeListener()
	s.accepted.Wait()
	for _, l := range s.loops {
		l.stopping.Store(true)
	}
	if s.cli != nil {
		if err := s.cli.Stop(); err != nil {
			s.log.Debug("loop: gnet client stop", "err", err)
		}
	}
	if s.runDone != nil {
		select {
		case <-s.runDone:
		default:
			go func() { _ = s.eng.Stop(context.Background()) }()
			<-s.runDone
		}
	}
	for _, l := range s.loops {
		l.stopped.Store(true)
	}
	for _, a := range s.anchors {
		_ = a.Close()
	}
	s.driver.stop()
	s.exec.stop()
	s.watch.stop()
	close(s.done)
}

func (s *Server) closeListener() {
	select {
	case <-s.acceptSt:
	default:
		close(s.acceptSt)
	}
	if s.ln != nil {
		_ = s.ln.Close()
	}
}

// nextLoop picks a loop round-robin (for dials without a chosen loop).
func (s *Server) nextLoop() *Loop {
	return s.loops[int(s.rr.Add(1)-1)%len(s.loops)]
}

// now is the fresh monotonic time on the Time() scale. It reads the runtime's monotonic
// clock itself: time.Since(startMono) reads the same clock through about 30 more
// instructions (a Time passed by value, a synctest check, overflow checks), paid by
// every callback the loop runs.
func (s *Server) now() time.Duration { return time.Duration(nanotime() - s.startNano) }
