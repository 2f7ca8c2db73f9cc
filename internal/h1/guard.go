package h1

import (
	"time"

	"github.com/eddy-go/eddy/loop"
)

// DataPanicked is the loop's question after a panic v of DataReceived
// or EOFReceived (loop.DataRecoverer): a panic of
// DirectServer.ServeDirect (the application's handler, which runs inside
// DataReceived) is handled by unwind, and n is what DataReceived returns;
// any other is not (ls.resume is 0 outside ServeDirect), and the loop
// aborts the connection. One recover for the whole batch, the loop's, in
// place of one per request. Loop-only.
func (c *conn) DataPanicked(_ *loop.Conn, v any) (n int, ok bool) {
	if c.ls.resume == 0 {
		return 0, false
	}
	return c.unwind(v), true
}

// unwind is the end of DataReceived when ServeDirect panicked with v
// (its input is ls.in). v goes to DirectServer.Recover, which answers the
// request as Serve answers a panic; the engine then goes on with the
// exchange as after a Serve that returned, parses the rest of the batch
// and ends it as DataReceived does, and returns what DataReceived
// returns.
func (c *conn) unwind(v any) int {
	data := c.ls.in
	end := c.recovered(v)
	n := end + c.guarded(data[end:], c.ls.now()) // now: the same callback's
	// DataReceived's end, by its general path.
	c.ls.in, c.ls.serving = nil, nil
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
