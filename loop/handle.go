package loop

// Handle is a Conn seen from other goroutines: every method is safe for concurrent use,
// and work reaches the connection only through its loop, so gnet's fd reuse cannot
// misroute it. A Handle is the Conn's own memory (Conn.Handle costs nothing); holding it
// keeps the Conn, not the socket, alive.
type Handle Conn

// Post runs fn(c) on the connection's loop if the connection is still open then. It
// returns ErrClosed if the connection is already closed, ErrStopped if the loop has
// stopped; fn is then not run (nor if the connection closes before fn's turn).
// Posts are batched with other CallSoonThreadsafe calls. A panic in fn is recovered
// and logged, and the connection is aborted (ConnectionLost gets ErrPanicked). Safe for
// concurrent use.
func (h *Handle) Post(fn func(c *Conn)) error {
	c := (*Conn)(h)
	if c.hclosed.Load() {
		return ErrClosed
	}
	return c.loop.post(task{func() {
		if c.flags&fClosed == 0 {
			fn(c)
		}
	}, c})
}

// Loop is the connection's loop. Safe for concurrent use.
func (h *Handle) Loop() *Loop { return h.loop }

// Closed reports whether the connection has closed (ConnectionLost is scheduled or ran).
// Safe for concurrent use.
func (h *Handle) Closed() bool { return h.hclosed.Load() }

// Conn returns the connection. Use its Loop-only methods only on its loop (for example
// inside Post). Safe for concurrent use.
func (h *Handle) Conn() *Conn { return (*Conn)(h) }
