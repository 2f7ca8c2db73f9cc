package eddy

import "errors"

// run is the one place a handler is called: through call, which recovers
// a panic (logging the stack; the answer is a 500 and the connection is
// closed), then it finishes the response as the handler's result
// requires, unless the handler deferred it.
//
// run executes inside Serve (on the loop or in the pool) or in a loop
// callback (Go, Complete): never elsewhere, because the engine releases an
// exchange only on the loop and never while Serve runs, which is what lets
// finish read c after the response went out. It reports whether the
// response was finished here (false: deferred, and c may already belong to
// another goroutine).
func (a *App) run(c *Ctx, h Handler) bool {
	before := c.defers.Load()
	err := a.call(c, h)
	if c.defers.Load() != before {
		// Deferred: another goroutine may be finishing c right now, so
		// nothing else of c may be touched.
		if err != nil {
			a.log.Error("eddy: handler returned an error after Defer; the deferred code must finish the response",
				"error", err)
		}
		return false
	}
	if err != nil || !c.responded || c.streaming {
		a.finish(c, err) // tested here: a handler that answered makes no call (about 20 instructions)
	}
	return true
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
			if cerr := c.stream.Close(); cerr != nil && cerr != ErrConnClosed {
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
		_ = c.stream.Close()
	}
}
