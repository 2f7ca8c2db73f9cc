package loop

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/panjf2000/gnet/v2"
)

// This file is the only place that starts gnet. Two engines are possible:
//
//   - own listener (default): a gnet.Client runs the loops and has no listener; our
//     accept goroutine enrolls each accepted connection. Drain closes the listener first.
//   - ReusePort: gnet.Run owns one SO_REUSEPORT listener per loop.
//
// gnet gives no handle on an event loop except through a connection on it, so at start
// each loop gets an "anchor": a private loopback connection enrolled on it. Its OnOpen
// tells us the loop's gnet.EventLoop (for Execute and Enroll), and its OnClose without a
// requested stop tells us the loop died.

type anchorMark struct{}

var anchorCtx any = &anchorMark{}

// anchor is the gnet context of an anchor connection.
type anchor struct{ l *Loop }

// elBox holds a loop's gnet.EventLoop behind an atomic pointer.
type elBox struct{ el gnet.EventLoop }

func (s *Server) gnetOptions() []gnet.Option {
	nodelay := gnet.TCPNoDelay
	if s.cfg.TCPNagle {
		nodelay = gnet.TCPDelay
	}
	opts := []gnet.Option{
		gnet.WithNumEventLoop(len(s.loops)),
		gnet.WithLoadBalancing(gnet.LeastConnections),
		gnet.WithLogger(gnetLogger{s.log}),
		gnet.WithReuseAddr(true),
		gnet.WithTCPNoDelay(nodelay),
	}
	if s.cfg.ReadBufferSize > 0 {
		opts = append(opts, gnet.WithReadBufferCap(s.cfg.ReadBufferSize))
	}
	if s.cfg.ReusePort {
		// gnet's listeners: accepted sockets inherit the listener's buffer sizes, and
		// gnet sets keep-alive on each.
		if s.cfg.SocketRecvBuffer > 0 {
			opts = append(opts, gnet.WithSocketRecvBuffer(s.cfg.SocketRecvBuffer))
		}
		if s.cfg.SocketSendBuffer > 0 {
			opts = append(opts, gnet.WithSocketSendBuffer(s.cfg.SocketSendBuffer))
		}
		if ka := s.keepAlive(); ka > 0 {
			opts = append(opts, gnet.WithTCPKeepAlive(ka))
		}
	}
	return opts
}

// keepAlive is Config.TCPKeepAlive with its default applied: 0 means off.
func (s *Server) keepAlive() time.Duration {
	switch ka := s.cfg.TCPKeepAlive; {
	case ka < 0:
		return 0
	case ka == 0:
		return 15 * time.Second
	default:
		return ka
	}
}

// startOwnListener starts the gnet.Client engine and, when Config.Addr is set, binds
// the listener the accept goroutine serves.
func (s *Server) startOwnListener() error {
	var ln net.Listener
	if s.cfg.Addr != "" {
		var err error
		if ln, err = s.listen(); err != nil {
			return err
		}
	}
	closeLn := func() {
		if ln != nil {
			_ = ln.Close()
		}
	}
	cli, err := gnet.NewClient(&events{s: s}, s.gnetOptions()...)
	if err != nil {
		closeLn()
		return err
	}
	if err := cli.Start(); err != nil {
		closeLn()
		return err
	}
	s.cli = cli
	enroll := func(c net.Conn) error {
		_, err := cli.EnrollContext(c, anchorCtx)
		return err
	}
	if err := s.anchorLoops(enroll); err != nil {
		closeLn()
		_ = cli.Stop()
		return err
	}
	if ln != nil {
		s.ln = ln
		s.addr = ln.Addr()
	}
	return nil
}

func (s *Server) startReusePort() error {
	addr := s.cfg.Addr
	if s.cfg.Network != "unix" {
		// Each gnet loop binds Addr itself: with port 0 each would get its own port.
		// Pick one port first.
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return fmt.Errorf("loop: %w", err)
		}
		if port == "0" {
			ln, err := net.Listen(s.cfg.Network, addr)
			if err != nil {
				return err
			}
			port = strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
			_ = ln.Close()
			addr = net.JoinHostPort(host, port)
		}
		ta, err := net.ResolveTCPAddr(s.cfg.Network, addr)
		if err != nil {
			return err
		}
		s.addr = ta
	} else {
		s.addr = &net.UnixAddr{Name: addr, Net: "unix"}
	}
	ev := &events{s: s, ticked: make(chan struct{})}
	s.runDone = make(chan struct{})
	var runErr error
	opts := append(s.gnetOptions(), gnet.WithReusePort(true), gnet.WithTicker(true))
	go func() {
		defer close(s.runDone)
		runErr = gnet.Run(ev, s.cfg.Network+"://"+addr, opts...)
		if runErr == nil && s.state.Load() != 2 {
			runErr = errors.New("gnet.Run returned without a stop request")
		}
		if runErr != nil {
			s.fail(runErr)
		}
	}()
	// OnTick's goroutine starts after every loop is registered and running.
	select {
	case <-ev.ticked:
	case <-s.runDone:
		return runErr
	}
	enroll := func(c net.Conn) error {
		ctx := gnet.NewNetConnContext(gnet.NewContext(context.Background(), anchorCtx), c)
		ch, err := s.eng.Register(ctx)
		if err != nil {
			_ = c.Close()
			return err
		}
		res := <-ch
		return res.Err
	}
	if err := s.anchorLoops(enroll); err != nil {
		s.state.Store(2)
		go func() { _ = s.eng.Stop(context.Background()) }()
		<-s.runDone
		return err
	}
	return nil
}

// anchorLoops enrolls anchor connections until every loop has one. Both engines place
// an enrolled connection on the loop with the fewest connections, so N enrolls usually
// suffice; a client racing in (ReusePort mode) may cost a few more.
func (s *Server) anchorLoops(enroll func(net.Conn) error) error {
	aln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("loop: anchor listener: %w", err)
	}
	defer aln.Close()
	for attempt := 0; attempt < 8*len(s.loops) && !s.allAnchored(); attempt++ {
		ours, err := net.Dial("tcp", aln.Addr().String())
		if err != nil {
			return fmt.Errorf("loop: anchor dial: %w", err)
		}
		theirs, err := aln.Accept()
		if err != nil {
			_ = ours.Close()
			return fmt.Errorf("loop: anchor accept: %w", err)
		}
		if err := enroll(theirs); err != nil {
			_ = ours.Close()
			return fmt.Errorf("loop: anchor enroll: %w", err)
		}
		s.anchors = append(s.anchors, ours)
	}
	if !s.allAnchored() {
		return errors.New("loop: could not reach every event loop")
	}
	return nil
}

func (s *Server) allAnchored() bool {
	for _, l := range s.loops {
		if !l.anchored.Load() {
			return false
		}
	}
	return true
}

// loopFor maps a gnet event loop to ours, claiming a free slot the first time a gnet
// loop is seen. Runs on that gnet loop.
func (s *Server) loopFor(el gnet.EventLoop) *Loop {
	for _, l := range s.loops {
		if b := l.gel.Load(); b != nil && b.el == el {
			return l
		}
	}
	box := &elBox{el}
	for _, l := range s.loops {
		if l.gel.Load() == nil && l.gel.CompareAndSwap(nil, box) {
			return l
		}
	}
	for _, l := range s.loops { // lost a race for the slot to the same loop: impossible, but be exact
		if b := l.gel.Load(); b != nil && b.el == el {
			return l
		}
	}
	return nil
}

// events is the gnet.EventHandler: it translates gnet callbacks into Protocol calls.
type events struct {
	gnet.BuiltinEventEngine
	s      *Server
	ticked chan struct{}
}

func (e *events) OnBoot(eng gnet.Engine) gnet.Action {
	e.s.eng = eng
	return gnet.None
}

func (e *events) OnTick() (time.Duration, gnet.Action) {
	if e.ticked != nil {
		select {
		case <-e.ticked:
		default:
			close(e.ticked)
		}
	}
	return 24 * time.Hour, gnet.None
}

func (e *events) OnOpen(gc gnet.Conn) ([]byte, gnet.Action) {
	s := e.s
	l := s.loopFor(gc.EventLoop())
	if l == nil {
		return nil, gnet.Close
	}
	ctx := gc.Context()
	if ctx == anchorCtx {
		gc.SetContext(&anchor{l})
		l.anchored.Store(true)
		return nil, gnet.None
	}
	if rj, ok := ctx.(*rejoinCtx); ok {
		return nil, rj.c.rejoined(gc)
	}
	req, _ := ctx.(*dialReq)
	accepted := req == nil
	if accepted && s.cfg.ReusePort && s.cfg.MaxConns > 0 && s.nconns.Load() >= int64(s.cfg.MaxConns) {
		gc.SetContext(nil)
		return nil, gnet.Close
	}
	a, _ := ctx.(*arrival) // nil in ReusePort mode: gnet accepted it
	return nil, l.open(gc, req, accepted, a)
}

func (e *events) OnTraffic(gc gnet.Conn) gnet.Action {
	c, ok := gc.Context().(*Conn)
	if !ok {
		_, _ = gc.Discard(0)
		return gnet.None
	}
	if c.flags&(fCarry|fClosing|fShutdown|fInState) != 0 || c.pauses != 0 {
		return c.onTraffic()
	}
	// onTraffic's common case written out here, one call fewer an arrival: the input
	// is in gnet's buffer and nothing holds it back.
	l := c.loop
	l.enter()
	prev := l.cur
	l.cur = c
	l.stats.bytesIn.Add(int64(gc.InboundBuffered() - int(c.left)))
	c.guardedOffer()
	l.exit()
	l.cur = prev
	return c.action()
}

func (e *events) OnClose(gc gnet.Conn, err error) gnet.Action {
	switch v := gc.Context().(type) {
	case *Conn:
		v.onClose(err)
	case *anchor:
		// gnet closes every connection it holds when its loop ends, the anchor among
		// them: close those that live outside gnet too.
		v.l.closeDetached()
		if !v.l.stopping.Load() {
			v.l.anchored.Store(false)
			go e.s.fail(fmt.Errorf("event loop %d lost its anchor: %v", v.l.idx, err))
		}
	}
	return gnet.None
}

// peerEOF reports whether a gnet close error is the peer's orderly EOF.
func peerEOF(err error) bool {
	var se *os.SyscallError
	if errors.As(err, &se) {
		return errors.Is(se.Err, io.EOF)
	}
	return errors.Is(err, io.EOF)
}

// gnetLogger routes gnet's logging into slog. gnet's Info lines (start banners) go to
// Debug; Fatalf is logged as an error and never exits the process.
type gnetLogger struct{ l *slog.Logger }

func (g gnetLogger) Debugf(f string, a ...any) { g.l.Debug("gnet: " + fmt.Sprintf(f, a...)) }
func (g gnetLogger) Infof(f string, a ...any)  { g.l.Debug("gnet: " + fmt.Sprintf(f, a...)) }
func (g gnetLogger) Warnf(f string, a ...any)  { g.l.Warn("gnet: " + fmt.Sprintf(f, a...)) }
func (g gnetLogger) Errorf(f string, a ...any) { g.l.Error("gnet: " + fmt.Sprintf(f, a...)) }
func (g gnetLogger) Fatalf(f string, a ...any) { g.l.Error("gnet: fatal: " + fmt.Sprintf(f, a...)) }
