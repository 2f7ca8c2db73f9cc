package h1

import "time"

// unwind is the end of DataReceived when DirectServer.ServeDirect (the
// application's handler, which runs inside it) panicked with v: one
// deferred recover for the whole batch (its input is ls.in) in place of
// one per request. v goes to DirectServer.Recover, which answers the
// request as Serve answers a panic; the engine then goes on with the
// exchange as after a Serve that returned, parses the rest of the batch
// and ends it as DataReceived does, and returns what DataReceived
// returns. A panic anywhere else is not recovered (ls.resume is 0).
func (c *conn) unwind(v any) int {
	if v == nil {
		return 0 // runtime.Goexit, which cannot be stopped (a panic is never nil)
	}
	data := c.ls.in
	end := c.recovered(v)
	n := end + c.guarded(data[end:], c.ls.now()) // now: the same callback's
	// DataReceived's end, by its general path.
	c.flags &^= cfInData | cfFlushDue
	c.flush()
	c.update()
	c.fireWritable()
	return n
}

// guarded is consume under a recover of its own, for the rest of a batch
// after a panic (see unwind).
func (c *conn) guarded(data []byte, now time.Duration) (n int) {
	defer func() {
		if c.ls.resume == 0 {
			return
		}
		if v := recover(); v != nil {
			end := c.recovered(v)
			n = end + c.guarded(data[end:], now)
		}
	}()
	return c.consume(data, now)
}

// recovered is the work after ServeDirect panicked with v: Recover, then
// what beginBare does when Serve returns. It returns the offset in the
// batch's input just past the exchange's head, where parsing goes on.
func (c *conn) recovered(v any) int {
	ls := c.ls
	x, end := ls.serving, ls.resume
	ls.resume = 0
	ls.e.d.Recover(x, v)
	lf := x.lf &^ lfServing
	x.lf = lf
	c.served(x, lf)
	return end
}
