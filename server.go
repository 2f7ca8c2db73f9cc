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
	lc, hc := a.cfg.layers(addr)
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

// Shutdown stops the server gracefully: readiness and liveness answer 503
// at once; the OnShutdown hooks run; after Config.DrainDelay the listener
// closes (new connections are refused), idle keep-alive connections close
// after Config.DrainIdleGrace (a request that arrives within it is
// answered with Connection: close) and busy ones finish their responses
// with Connection: close; when none is left (or ctx is done) the loops
// stop and the cleanup hooks run. It returns nil after a clean drain, else
// the hooks' errors and, if ctx cut the drain short, an error saying what
// was still open ("eddy: drain timed out after 25s with 3 connections open
// (2 pool jobs running)") that wraps ctx's error, so errors.Is(err,
// context.DeadlineExceeded) holds. Calling it again waits for the first
// call's end.
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
	a.events.drain() // event streams never end on their own: end them first
	start := time.Now()
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
	if err := a.drain(srv, ctx, start); err != nil {
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

// drain drains srv within ctx. Cut short, it says what was still open
// when ctx ended (counted before the loops close everything), wrapping
// ctx's error: "eddy: drain timed out after 25s with 3 connections open
// (2 pool jobs running): context deadline exceeded".
func (a *App) drain(srv *loop.Server, ctx context.Context, start time.Time) error {
	var conns, jobs int
	dctx, cancel := context.WithCancelCause(context.WithoutCancel(ctx))
	defer cancel(nil)
	stop := context.AfterFunc(ctx, func() {
		conns, jobs = srv.NumConns(), srv.ExecutorBusy()
		cancel(context.Cause(ctx)) // Drain sees the end only after the count
	})
	err := srv.Drain(dctx)
	stop()
	if err == nil || ctx.Err() == nil || dctx.Err() == nil {
		return err
	}
	how := "timed out"
	if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
		how = "cancelled"
	}
	s := "s"
	if conns == 1 {
		s = ""
	}
	return fmt.Errorf("eddy: drain %s after %v with %d connection%s open (%d pool jobs running): %w",
		how, time.Since(start).Round(time.Millisecond), conns, s, jobs, ctx.Err())
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
// return its error. It returns nil after a clean signal-initiated drain,
// so the usual form exits 0 on SIGTERM:
//
//	if err := app.Run(":8080"); err != nil {
//		log.Fatal(err)
//	}
//
// aiohttp's web.run_app.
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
