package eddy

// Handler serves one request. It writes the response through c (Text, JSON,
// ...) or returns an error, which the error handler turns into a response
// (see HTTPError). Returning nil without calling a response method sends the
// body buffered by Ctx.Write (empty if none) with the status set with Status
// (default 200).
type Handler func(c *Ctx) error

// Middleware wraps a handler: it may act before and after calling next, or
// answer without calling it. Middleware is composed once, when the app
// starts, so a request pays only the calls, never an allocation.
//
//	func timing(next eddy.Handler) eddy.Handler {
//		return func(c *eddy.Ctx) error {
//			start := time.Now()
//			err := next(c)
//			log.Println(c.Path(), time.Since(start))
//			return err
//		}
//	}
type Middleware func(next Handler) Handler

// chain composes mws around h: mws[0] is the outermost, so it runs first.
func chain(h Handler, mws ...[]Middleware) Handler {
	for i := len(mws) - 1; i >= 0; i-- {
		list := mws[i]
		for j := len(list) - 1; j >= 0; j-- {
			h = list[j](h)
			if h == nil {
				panic("eddy: middleware returned a nil handler")
			}
		}
	}
	return h
}
