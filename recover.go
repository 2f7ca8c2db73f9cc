package eddy

import (
	"fmt"
	"runtime/debug"
)

// call runs h, turning a panic into a 500 error (run recovers the same
// way itself). A handler that returns skips the recover call (about 30
// instructions a request): only a panic (or runtime.Goexit, for which
// recover returns nil) leaves returned false.
func (a *App) call(c *Ctx, h Handler) (err error) {
	returned := false
	defer func() {
		if returned {
			return
		}
		if v := recover(); v != nil {
			err = a.panicked(c, v)
		}
	}()
	err = h(c)
	returned = true
	return err
}

// guard runs a pool job of Ctx.Go, turning a panic into a 500 error.
func (a *App) guard(c *Ctx, job func() error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = a.panicked(c, v)
		}
	}()
	return job()
}

// panicked logs a recovered panic with its stack and prepares c for the
// 500: the headers set so far are dropped, and the connection closes after
// the response (Exchange.CloseAfter: the response carries "Connection:
// close", requests pipelined behind it are dropped). It runs where the
// handler ran (the loop, a pool goroutine, a loop callback of Complete or
// Go, the pool job of Go), before the response is finished, which is
// where and when CloseAfter may be called.
func (a *App) panicked(c *Ctx, v any) error {
	pattern := ""
	if c.route != nil {
		pattern = c.route.pattern
	}
	a.log.Error("eddy: handler panic",
		"panic", fmt.Sprint(v), "method", c.Method(), "path", string(c.PathBytes()),
		"route", pattern, "stack", string(debug.Stack()))
	if !c.failing {
		c.x.CloseAfter() // an engine answer closes the connection anyway
	}
	if !c.responded {
		c.hdr, c.hasCT, c.ctLead, c.hdrErr, c.status = c.hdr[:0], false, "", nil, 0
	}
	return ErrInternalServerError.Wrap(fmt.Errorf("panic: %v", v))
}
