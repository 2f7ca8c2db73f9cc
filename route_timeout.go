package eddy

import "time"

type timeoutOption time.Duration

func (o timeoutOption) applyRoute(r *Route) { r.timeout = time.Duration(o) }

// HandlerTimeout sets the route's handler time limit, overriding
// Config.HandlerTimeout: a response not started within d of the request's
// end is answered 503 by the server in the handler's place (through the
// error handler), the handler's Context is cancelled with
// ErrHandlerTimeout, and its late answer is dropped. It bounds on-loop
// handlers that Defer, InPool handlers and Ctx.Go alike; an on-loop handler
// that blocks the loop cannot be interrupted. d must be positive.
func HandlerTimeout(d time.Duration) RouteOption {
	if d <= 0 {
		panic("eddy: HandlerTimeout must be positive")
	}
	return timeoutOption(d)
}
