package eddy

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/eddy-go/eddy/httpcodec"
	"github.com/eddy-go/eddy/internal/h1"
	"github.com/eddy-go/eddy/loop"
)

// ErrStarted is returned by Start on an app that was already started (an
// App runs once).
var ErrStarted = errors.New("eddy: app already started")

// Start runs the startup hooks, binds addr ("127.0.0.1:0" works: see Addr)
// and serves in the background; it returns once the server accepts
// connections. If a startup hook or the bind fails, cleanup runs and the
// error is returned. Stop it with Shutdown; Wait reports its end.
func (a *App) Start(addr string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.done != nil {
		return ErrStarted
	}
	if a.mountedIn != nil {
		return errors.New("eddy: a mounted app cannot be started")
	}
	a.done = make(chan struct{})
	a.freeze()

	ctx := context.Background()
	teardowns, err := a.hooks.startup(ctx)
	if err == nil {
		err = a.startServer(addr)
	}
	if err != nil {
		cctx, cancel := context.WithTimeout(ctx, a.cfg.ShutdownTimeout)
		defer cancel()
		err = errors.Join(err, a.hooks.cleanup(cctx, teardowns))
		a.doneErr = err
		close(a.done)
		return err
	}
	a.teardowns = teardowns
	go a.supervise()
	return nil
}

func (a *App) startServer(addr string) error {
	cfg := a.cfg
	lc := loop.Config{
		Network:         cfg.Network,
		Addr:            addr,
		Loops:           cfg.Loops,
		ReusePort:       cfg.ReusePort,
		MaxConns:        cfg.MaxConns,
		HighWater:       cfg.HighWater,
		LowWater:        cfg.LowWater,
		MaxInbound:      cfg.MaxInbound,
		WriteStall:      cfg.WriteTimeout,
		ExecutorWorkers: cfg.PoolWorkers,
		ExecutorQueue:   cfg.PoolQueue,
		SlowCallback:    cfg.SlowCallback,
		Logger:          cfg.Logger,
	}
	hc := h1.Config{
		Limits: httpcodec.Limits{
			MaxRequestLine: cfg.MaxRequestLine,
			MaxHeaderBytes: cfg.MaxHeaderBytes,
			MaxHeaders:     cfg.MaxHeaders,

			DropUnderscoreHeaders: cfg.DropUnderscoreHeaders,
		},
		MaxBody:        cfg.MaxBody,
		PipelineDepth:  cfg.PipelineDepth,
		HeaderTimeout:  cfg.HeaderTimeout,
		BodyTimeout:    cfg.BodyTimeout,
		IdleTimeout:    cfg.IdleTimeout,
		DrainIdleGrace: cfg.DrainIdleGrace,
		HandlerTimeout: cfg.HandlerTimeout,
		ServerName:     cfg.ServerName,
		Logger:         cfg.Logger,
	}
	srv, err := loop.New(lc, h1.NewFactory(hc, &a.engine))
	if err != nil {
		return fmt.Errorf("eddy: %w", err)
	}
	a.srv = srv
	a.serving.Store(true)
	if err := srv.Start(); err != nil {
		a.serving.Store(false)
		return fmt.Errorf("eddy: %w", err)
	}
	return nil
}

// supervise waits for the engine to stop. A stop nobody asked for (the
// engine died: an accept error, a crash) is logged loudly, cleaned up after
// and reported by Wait and Run.
func (a *App) supervise() {
	<-a.srv.Done()
	if a.stopping.Load() {
		return // Shutdown finishes the job
	}
	err := a.srv.Wait()
	if err == nil {
		err = errors.New("engine stopped without being asked")
	}
	err = fmt.Errorf("eddy: server stopped on its own: %w", err)
	a.log.Error(err.Error())
	a.draining.Store(true)
	ctx, cancel := context.WithTimeout(context.Background(), a.cfg.ShutdownTimeout)
	defer cancel()
	a.doneErr = errors.Join(err, a.hooks.cleanup(ctx, a.teardowns))
	close(a.done)
}

// Addr returns the address the server listens on (nil before Start).
func (a *App) Addr() net.Addr {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.srv == nil {
		return nil
	}
	return a.srv.Addr()
}

// Shutdown stops the server gracefully (DESIGN.md section 7): readiness and
// liveness answer 503 at once; the OnShutdown hooks run; after
// Config.DrainDelay the listener closes (new connections are refused), idle
// keep-alive connections close after Config.DrainIdleGrace (a request that
// arrives within it is answered with Connection: close) and busy ones
// finish their responses with Connection: close; when none is left (or ctx is done) the loops stop and
// the cleanup hooks run. It returns the hooks' errors and ctx's error if the
// drain was cut short. Calling it again waits for the first call's end.
func (a *App) Shutdown(ctx context.Context) error {
	a.mu.Lock()
	srv, done := a.srv, a.done
	a.mu.Unlock()
	if srv == nil || done == nil {
		return errors.New("eddy: Shutdown of an app that is not running")
	}
	if !a.stopping.CompareAndSwap(false, true) {
		select {
		case <-done:
			return a.doneErr
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	select {
	case <-done: // the engine already died on its own
		return a.doneErr
	default:
	}
	a.draining.Store(true)
	var errs []error
	errs = append(errs, a.hooks.shutdown(ctx))
	if d := a.cfg.DrainDelay; d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-ctx.Done():
		}
		t.Stop()
	}
	if err := srv.Drain(ctx); err != nil {
		errs = append(errs, err)
	}
	<-srv.Done()
	if err := srv.Wait(); err != nil {
		errs = append(errs, err)
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.cfg.ShutdownTimeout)
	defer cancel()
	errs = append(errs, a.hooks.cleanup(cctx, a.teardowns))
	a.doneErr = errors.Join(errs...)
	close(done)
	return a.doneErr
}

// Wait blocks until the server stopped and cleaned up, and returns why: nil
// after a clean Shutdown, the engine's error if it died on its own.
func (a *App) Wait() error {
	a.mu.Lock()
	done := a.done
	a.mu.Unlock()
	if done == nil {
		return errors.New("eddy: Wait on an app that was not started")
	}
	<-done
	return a.doneErr
}

// Run starts the app on addr (":8080") and blocks until it stops: SIGINT or
// SIGTERM starts a graceful Shutdown bounded by Config.ShutdownTimeout (a
// second signal stops at once); an engine that dies on its own makes Run
// return its error. aiohttp's web.run_app.
func (a *App) Run(addr string) error {
	if err := a.Start(addr); err != nil {
		return err
	}
	a.log.Info("eddy: serving", "addr", a.Addr().String())
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sig)
	select {
	case <-a.done:
		return a.doneErr
	case s := <-sig:
		a.log.Info("eddy: shutting down", "signal", s.String())
	}
	ctx, cancel := context.WithTimeout(context.Background(), a.cfg.ShutdownTimeout)
	defer cancel()
	go func() {
		select {
		case <-sig:
			a.log.Warn("eddy: second signal: stopping now")
			cancel()
		case <-a.done:
		}
	}()
	return a.Shutdown(ctx)
}

// handler is the app's side of the HTTP/1.1 engine (h1.Handler).
type handler struct{ a *App }

var _ h1.Handler = (*handler)(nil)

// Route matches the request while its body is still unread, so the route's
// body limit and placement are known first. It keeps the match in the
// exchange's Ctx (x.User, created on the exchange's first request and
// reused with it). Loop-only.
func (h *handler) Route(x *h1.Exchange) h1.Plan {
	a := h.a
	c, _ := x.User.(*Ctx)
	if c == nil {
		// First request on this pooled exchange: the Ctx stays with it.
		c = &Ctx{app: a}
		x.User = c
	}
	req := x.Request()
	method := req.Method()
	c.m.method, c.method = methodOf(method)
	if c.m.method == mOther {
		c.m.custom = unsafeString(method) // valid during Route only
	}
	r := a.routePath(c, x)
	if r == nil {
		r = c.m.lookup(&a.tree, &a.statics)
	}
	if r == nil {
		switch {
		case c.m.first != nil:
			c.m.params = c.m.firstP
			if c.m.method == mOptions {
				r = c.m.first.options
			} else {
				r = c.m.first.notAllowed
			}
		case c.m.method == mOptions && c.m.path == "*":
			r = a.optionsStar
		default:
			r = a.notFound
		}
	}
	c.m.custom = ""
	c.route = r
	c.inPool = r.plan.InPool
	return r.plan
}

// Serve runs the route's composed handler. Called on the loop, or on a pool
// goroutine for an InPool route.
func (h *handler) Serve(x *h1.Exchange) {
	c := x.User.(*Ctx)
	c.x = x
	c.viewPath()
	if sc := h.a.cfg.SlowCallback; sc > 0 && !c.inPool {
		x.Loop().Annotate(c.route.pattern)
	}
	h.a.run(c, c.route.serve)
}

// Release resets the Ctx once the engine is done with the exchange; it
// stays in x.User for the next request x carries. Loop-only.
func (h *handler) Release(x *h1.Exchange) {
	if c, ok := x.User.(*Ctx); ok {
		c.reset()
	}
}

// viewPath points the matched path at the request's current bytes: the
// engine may have moved them (Detach, InPool) since Route.
func (c *Ctx) viewPath() {
	if !c.decoded {
		c.m.path = unsafeString(c.x.Request().Path())
	}
}
