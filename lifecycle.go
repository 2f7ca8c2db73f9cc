package eddy

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
)

// Hook is a lifecycle callback. ctx carries the deadline of the phase it
// runs in (Config.ShutdownTimeout during shutdown and cleanup).
type Hook func(ctx context.Context) error

// Setup is the first half of a CleanupCtx pair: it acquires a resource and
// returns the teardown that releases it. The teardown runs at cleanup only
// if Setup returned a nil error; it may be nil when there is nothing to undo.
type Setup func(ctx context.Context) (teardown Hook, err error)

// OnStartup adds a hook that runs once, in registration order with the
// CleanupCtx setups, before the server accepts its first connection. If it
// fails, Start fails: the hooks after it do not run and cleanup runs.
func (a *App) OnStartup(h Hook) {
	a.mustNotBeFrozen()
	if h == nil {
		panic("eddy: nil OnStartup hook")
	}
	a.hooks.steps = append(a.hooks.steps, startStep{startup: h})
}

// OnShutdown adds a hook that runs at the start of a graceful shutdown,
// after readiness starts answering 503 and before connections are drained
// (close long-lived things here: WebSockets, subscriptions). Every shutdown
// hook runs, in registration order, even if one fails.
func (a *App) OnShutdown(h Hook) {
	a.mustNotBeFrozen()
	if h == nil {
		panic("eddy: nil OnShutdown hook")
	}
	a.hooks.shutdowns = append(a.hooks.shutdowns, h)
}

// OnCleanup adds a hook that runs after the loops stop (or after a failed
// startup), in registration order, after the CleanupCtx teardowns. Every
// cleanup hook runs, even if one fails.
func (a *App) OnCleanup(h Hook) {
	a.mustNotBeFrozen()
	if h == nil {
		panic("eddy: nil OnCleanup hook")
	}
	a.hooks.cleanups = append(a.hooks.cleanups, h)
}

// CleanupCtx adds a setup/teardown pair, aiohttp's cleanup_ctx: setup runs
// with the startup hooks (in registration order); its teardown runs at
// cleanup only if setup succeeded, teardowns in reverse order of their
// setups, before the OnCleanup hooks.
func (a *App) CleanupCtx(setup Setup) {
	a.mustNotBeFrozen()
	if setup == nil {
		panic("eddy: nil CleanupCtx setup")
	}
	a.hooks.steps = append(a.hooks.steps, startStep{setup: setup})
}

// lifecycle holds the hooks; it is fixed when the app freezes.
type lifecycle struct {
	steps     []startStep
	shutdowns []Hook
	cleanups  []Hook
}

// startStep is an OnStartup hook or a CleanupCtx setup.
type startStep struct {
	startup Hook
	setup   Setup
}

// startup runs the steps in order, stopping at the first error. It returns
// the teardowns of the setups that succeeded, in setup order.
func (l *lifecycle) startup(ctx context.Context) (teardowns []Hook, err error) {
	for _, s := range l.steps {
		if s.startup != nil {
			err = safeHook("startup", func() error { return s.startup(ctx) })
		} else {
			var td Hook
			err = safeHook("setup", func() (e error) { td, e = s.setup(ctx); return e })
			if err == nil && td != nil {
				teardowns = append(teardowns, td)
			}
		}
		if err != nil {
			return teardowns, err
		}
	}
	return teardowns, nil
}

// shutdown runs every shutdown hook and joins their errors.
func (l *lifecycle) shutdown(ctx context.Context) error {
	var errs []error
	for _, h := range l.shutdowns {
		errs = append(errs, safeHook("shutdown", func() error { return h(ctx) }))
	}
	return errors.Join(errs...)
}

// cleanup runs the teardowns in reverse order, then the cleanup hooks in
// order; every one runs, and their errors are joined.
func (l *lifecycle) cleanup(ctx context.Context, teardowns []Hook) error {
	var errs []error
	for i := len(teardowns) - 1; i >= 0; i-- {
		td := teardowns[i]
		errs = append(errs, safeHook("teardown", func() error { return td(ctx) }))
	}
	for _, h := range l.cleanups {
		errs = append(errs, safeHook("cleanup", func() error { return h(ctx) }))
	}
	return errors.Join(errs...)
}

// safeHook runs fn, turning a panic into an error carrying the stack.
func safeHook(phase string, fn func() error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("eddy: %s hook panicked: %v\n%s", phase, v, debug.Stack())
		}
	}()
	if err = fn(); err != nil {
		err = fmt.Errorf("eddy: %s hook: %w", phase, err)
	}
	return err
}
