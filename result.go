package eddy

import "errors"

// run is how a handler is called: it recovers a panic (logging the stack;
// the answer is a 500 and the connection is closed), then it finishes the
// response as the handler's result requires, unless the handler deferred
// it. handler.Serve does the same for a request's own handler, written out
// there to save a call level per request, and so does handler.ServeDirect
// without the recover (the engine recovers a panic once per batch of input
// and hands it to handler.Recover, which calls unwound as run would); the
// loop callbacks of Go and Complete call run.
//
// run executes inside Serve (on the loop or in the pool) or in a loop
// callback (Go, Complete): never elsewhere, because the engine releases an
// exchange only on the loop and never while Serve runs, which is what lets
// finish read c after the response went out.
//
// It recovers itself rather than through call: one call level less. A
// handler that returns skips the recover call: only a panic (or
// runtime.Goexit, for which recover returns nil) leaves returned false.
func (a *App) run(c *Ctx, h Handler) {
	before := c.defers.Load()
	returned := false
	defer func() {
		if !returned {
			a.unwound(c, before, recover())
		}
	}()
	err := h(c)
	returned = true
	// The usual result, an answer and no error, needs nothing more (the
	// Defer count first: after Defer nothing else of c may be read).
	if c.defers.Load() != before || err != nil || !c.responded || c.streaming {
		a.ran(c, before, err)
	}
}

// unwound handles the panic v (nil: none, or runtime.Goexit) of a handler
// run or Serve called: it becomes a 500, answered as a returned error is.
func (a *App) unwound(c *Ctx, before uint32, v any) {
	if v != nil {
		a.ran(c, before, a.panicked(c, v))
	}
}

// ran is the rest of run once the handler returned err (or panicked, and
// err is the panic's 500), when the response may need finishing.
func (a *App) ran(c *Ctx, before uint32, err error) {
	if c.defers.Load() != before {
		// Deferred: another goroutine may be finishing c right now, so
		// nothing else of c may be touched.
		if err != nil {
			a.log.Error("eddy: handler returned an error after Defer; the deferred code must finish the response",
				"error", err)
		}
		return
	}
	if err != nil || !c.responded || c.streaming {
		a.finish(c, err)
	}
}

// finish completes the response after the handler returned err.
func (a *App) finish(c *Ctx, err error) {
	if err == nil && !c.responded {
		// No response method called: the body buffered by Write, or an
		// empty body (200 unless Status was set).
		err = c.send("", c.body)
	}
	if err == nil {
		if c.streaming {
			if cerr := (&Stream{c: c}).Close(); cerr != nil && cerr != ErrConnClosed {
				a.log.Error("eddy: ending stream", "error", cerr)
			}
		}
		return
	}
	switch {
	case errors.Is(err, ErrConnClosed):
		// The client went away (a stream's Write or Close said so): not
		// the server's fault, and nobody is left to answer.
		a.log.Debug("eddy: client went away", "method", c.Method(), "path", string(c.PathBytes()))
	case StatusOf(err) >= 500:
		a.log.Error("eddy: handler error", "method", c.Method(), "path", string(c.PathBytes()), "error", err)
	}
	if c.responded {
		// Too late to answer with the error. A stream is cut short, not
		// ended: the client must see that the body is incomplete.
		c.abortStream()
		return
	}
	c.hdrErr, c.body = nil, c.body[:0]
	a.errorHandler(c, err)
	if !c.responded {
		// The error handler did not answer (or its answer failed).
		c.hdr, c.hasCT, c.ctLead, c.hdrErr, c.status = c.hdr[:0], false, "", nil, 500
		_ = c.send(ctText, []byte("Internal Server Error"))
	}
	if c.streaming {
		_ = (&Stream{c: c}).Close()
	}
}
