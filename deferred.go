package eddy

// Defer lets an on-loop handler return before its response is ready: it
// starts asynchronous work (a timer, a pool job, a client request on the
// same loop) and finishes the response later, from that work's callback,
// with one of the response methods (Text, JSON, Stream ...) or with
// Complete. Responses still leave in request order.
//
// Defer copies the request out of loop memory first, so the Ctx and its
// views stay valid until the response is finished. The handler that calls
// Defer must return nil: an error or panic after Defer is logged, and the
// response is left to the deferred code (Config.HandlerTimeout bounds a
// response that never comes). After the response is finished the Ctx must
// not be used. Middleware sees the handler return before the response is
// sent; use Ctx.OnFinish to observe the end.
func (c *Ctx) Defer() {
	if !c.enter() {
		return
	}
	defer c.exit()
	if c.failing {
		return // an answer to a server error is taken when the error handler returns
	}
	c.deferResponse()
}

// deferResponse is Defer without the stale check, for a caller that did it
// and is not failing.
func (c *Ctx) deferResponse() {
	c.defers.Add(1)
	if !c.x.Detached() {
		c.x.Detach()
		c.viewPath()
	}
}

// Complete finishes a deferred response by running h on the request's
// loop (soon, not before Complete returns), with the same panic recovery
// and error handling as a handler: its error goes to the error handler, and
// returning nil without a response sends an empty 200. Middleware does not
// run again. h runs on the loop, so it must not block. Complete may be
// called from any goroutine; it fails with ErrServerStopped when the
// server has stopped, with ErrResponded when the response was already
// finished, and with ErrStaleCtx after the request ended (h does not run
// then either). A response finished by other code between Complete and
// h's turn on the loop is not answered twice: h is skipped.
//
// Calling a response method (Text, JSON ...) directly from another
// goroutine also finishes a deferred response; Complete adds the error
// handling.
func (c *Ctx) Complete(h Handler) error {
	if !c.enter() {
		return ErrStaleCtx
	}
	l, responded := c.loop, c.responded
	c.exit()
	if responded {
		// h could only meet ErrResponded, and its error would be logged
		// as the server's: refused here, where the caller learns of it.
		return ErrResponded
	}
	err := l.CallSoonThreadsafe(func() {
		// On the loop the state cannot be released while this runs, so
		// one check covers the whole call. A response finished since
		// (the exchange not yet released) leaves h nothing to do.
		if c.current() && !c.responded {
			c.app.run(c, h)
		}
	})
	if err != nil {
		return ErrServerStopped // the loop's only refusal
	}
	return nil
}

// Go runs job in the pool, then h on the loop with the request: the way
// for an on-loop handler to do one blocking thing (a database call, a file
// read) without stalling the loop. It defers the response; if job returns
// an error, the error handler answers and h is not called. In an InPool
// handler it simply runs job then h. The handler returns Go's result: nil,
// or a 503 error when the pool's queue is full.
//
//	return c.Go(func() error { u, err = db.User(id); return err },
//		func(c *eddy.Ctx) error { return c.JSON(u) })
func (c *Ctx) Go(job func() error, h Handler) error { return c.goThen(job, h, nil) }

// goThen is Go with abandon, which runs on the loop instead of h when the
// job ran but h will not: the request ended meanwhile (the client left, a
// timeout), or the job failed. A job that takes something h would give
// back (an open file, a limited slot) passes its release there.
func (c *Ctx) goThen(job func() error, h Handler, abandon func()) error {
	if !c.enter() {
		return ErrStaleCtx
	}
	defer c.exit()
	if c.failing {
		return errFailStream
	}
	if h == nil {
		h = func(*Ctx) error { return nil }
	}
	if c.inPool {
		if err := c.app.guard(c, job); err != nil {
			return err
		}
		return h(c)
	}
	c.deferResponse()
	var jobErr error
	err := c.loop.RunInExecutor(
		func() { jobErr = c.app.guard(c, job) },
		func() {
			if !c.current() {
				if abandon != nil {
					abandon() // finished meanwhile by other code: give back what the job took
				}
				return
			}
			c.app.run(c, func(c *Ctx) error {
				if jobErr != nil {
					if abandon != nil {
						abandon()
					}
					return jobErr
				}
				return h(c)
			})
		})
	if err != nil {
		c.defers.Add(^uint32(0)) // nothing was started: the handler answers
		return ErrServiceUnavailable.Wrap(err)
	}
	return nil
}
