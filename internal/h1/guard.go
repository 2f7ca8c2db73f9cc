package h1

import "time"

// guarded is consume under one deferred recover for the whole batch, in
// place of one per request: a panic of DirectServer.ServeDirect (the
// application's handler, which runs inside it) is handed to
// DirectServer.Recover, which answers the request as Serve answers a
// panic; the engine then goes on with the exchange as after a Serve that
// returned, and parses the rest of the batch. A panic anywhere else is not
// recovered (ls.resume is 0): it goes on as it would without guarded.
func (c *conn) guarded(data []byte, now time.Duration) (n int) {
	ls := c.ls
	defer func() {
		if ls.resume == 0 {
			return // the usual end, or a panic not in ServeDirect
		}
		v := recover()
		if v == nil {
			return // runtime.Goexit, which cannot be stopped (a panic is never nil)
		}
		n = c.recovered(data, now, v)
	}()
	return c.consume(data, now)
}

// recovered is guarded's work after ServeDirect panicked with v: what
// beginBare does when Serve returns, then the rest of the batch, under a
// guard of its own. It returns the bytes consumed.
func (c *conn) recovered(data []byte, now time.Duration, v any) int {
	ls := c.ls
	x, end := ls.serving, ls.resume
	ls.resume = 0
	ls.e.d.Recover(x, v)
	lf := x.lf &^ lfServing
	x.lf = lf
	c.served(x, lf)
	return end + c.guarded(data[end:], now)
}
