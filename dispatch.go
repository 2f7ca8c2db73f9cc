package eddy

import (
	"encoding/binary"
	"fmt"
	"runtime/debug"
	"unsafe"

	"github.com/eddy-go/eddy/httpcodec"
	"github.com/eddy-go/eddy/internal/h1"
)

// handler is the app's side of the HTTP/1.1 engine (h1.Handler).
type handler struct{ a *App }

var _ h1.Handler = (*handler)(nil)

// Route matches the request while its body is still unread, so the route's
// body limit and placement are known first. It keeps the match in the
// exchange's Ctx (x.User, created on the exchange's first request and
// reused with it). Loop-only.
func (h *handler) Route(x *h1.Exchange) h1.Plan {
	a := h.a
	c := stateOf(x)
	if c == nil {
		// First request on this pooled exchange: the state stays with it
		// (x too: reset leaves it, Serve does not store it again).
		c = &ctxState{app: a, loop: x.Loop(), x: x, annotate: a.cfg.SlowCallback > 0}
		x.User = c
	}
	req := x.Request()
	raw := req.Raw()
	m := mGet
	if len(raw) < 4 || binary.LittleEndian.Uint32(raw) != 'G'|'E'<<8|'T'<<16|' '<<24 {
		// Not a head that starts "GET " (the usual one, told by one
		// load and compare, without Method's view or methodOf's switch;
		// a head after a skipped empty line comes here too).
		method := req.Method()
		if m = methodOf(method); m == mOther {
			c.m.custom = unsafeString(method) // valid during Route only
		}
	}
	c.m.method = m
	var r *Route
	if req.PlainPath() && req.Form() != httpcodec.AuthorityForm {
		// routePath's usual case, without its call: nothing to decode,
		// no dot segment possible.
		// The path's view as a string, its slice's pointer and length
		// read as a string's: unsafeString's tests (empty, and
		// unsafe.String's for an address that wraps) cannot fail for a
		// view of the head, and cost about 6 instructions.
		pb := req.Path()
		path := *(*string)(unsafe.Pointer(&pb))
		c.m.path = path
		c.head = uintptr(unsafe.Pointer(unsafe.SliceData(raw))) // headBase: Serve keeps c.m.path while the head stays here
		// The usual route, a static pattern with a handler for a standard
		// method: lookup's first probe and found's answer, without their
		// calls. Any other case (no such pattern, HEAD served by GET, 405)
		// goes through lookup, which probes again. The probe is
		// staticIndex.get's steps, with shortWords and probe inlined
		// (get's call would spill everything Route keeps in registers).
		var ep *endpoint
		if n := len(path); isShort(n) {
			first, last := shortWords(path)
			var ok bool
			if ep, ok = a.statics.probe(first, last, n); !ok {
				ep = a.statics.getAny(path) // another path holds the home slot
			}
		} else {
			ep = a.statics.getAny(path)
		}
		if m := c.m.method; ep != nil && m < nMethods {
			// m read back from the state, which the route's checks
			// below need anyway, rather than kept on the stack.
			if r = ep.std[m]; r != nil {
				// Done: nothing below applies to a route found here
				// (a standard method leaves m.custom empty). The
				// route is stored only when it changed: the state's
				// last request usually had the same one, and a compare
				// costs less than a store and its write barrier test.
				if c.route != r {
					c.route = r
				}
				p := r.plan // read once: InPool is both stored and returned
				c.inPool = p.InPool
				return p
			}
		}
	} else {
		c.head = 0 // Serve views the path again
		r = a.routePath(c, x)
	}
	if r == nil {
		r = c.m.lookup(&a.tree, &a.statics)
	}
	if r == nil {
		switch {
		case c.m.first != nil:
			c.m.params = c.m.firstP
			if c.m.method == mOptions {
				r = c.m.first.options
			} else {
				r = c.m.first.notAllowed
			}
		case c.m.method == mOptions && c.m.path == "*":
			r = a.optionsStar
		default:
			r = a.notFound
		}
	}
	if c.m.custom != "" {
		c.m.custom = "" // a load, not a store and its write barrier test, for a standard method
	}
	c.route = r
	c.inPool = r.plan.InPool
	return r.plan
}

// Serve runs the route's composed handler. Called on the loop, or on a pool
// goroutine for an InPool route. The handler gets a Ctx of its own: a
// handle on the exchange's state that no other request ever gets, which is
// what lets a Ctx kept past its request be told from the next request's
// (see Ctx, Stale use).
//
// The handler is called as App.run calls one (see there), written out here:
// a call level less per request. The usual request (no body, on the loop)
// comes to ServeDirect instead.
func (h *handler) Serve(x *h1.Exchange) {
	s := stateOf(x) // Route put it there: never nil here
	if s.slabUsed() {
		s.newSlab()
	}
	c := s.newHandle()
	// viewPath, through s and x rather than reloading them, and only when
	// the head moved since Route (Detach, InPool, a body read): the same
	// base, the same offsets, the same path. Route's other paths leave
	// s.head 0, so the usual request makes one compare.
	if req := x.Request(); headBase(req) != s.head && !s.decoded {
		s.m.path = unsafeString(req.Path())
	}
	a := h.a
	if s.annotate && !s.inPool {
		x.Loop().Annotate(s.route.pattern)
	}
	before := s.defers.Load()
	defer func() {
		// Captures two words (c's returned flag is the handle's own,
		// fresh per request, not a captured local).
		if !c.returned {
			c.app.unwound(c, before, recover())
		}
	}()
	err := s.route.serve(c)
	c.returned = true
	if s.defers.Load() != before || err != nil || !s.responded || s.streaming {
		a.ran(c, before, err)
	}
}

var _ h1.DirectServer = (*handler)(nil)

// ServeDirect is Serve and Release in one call for the usual request, one
// without a body served on the loop as soon as it is routed. It recovers
// no panic: the engine recovers one for its whole batch of input and
// hands it to Recover, so a handler that returns pays for no deferred
// call. Loop-only.
func (h *handler) ServeDirect(x *h1.Exchange) bool {
	s := stateOf(x) // Route put it there: never nil here
	if s.slabUsed() {
		s.newSlab()
	}
	c := s.newHandle()
	// As in Serve, except that the head cannot have moved since Route
	// (nothing runs in between), so the path Route's usual case viewed
	// (s.head set) holds: only Route's other paths, which leave s.head 0,
	// view it again here. One field test instead of the head's view and
	// compare.
	if s.head == 0 && !s.decoded {
		s.m.path = unsafeString(x.Request().Path())
	} else if debugBuild && s.head != 0 && headBase(x.Request()) != s.head {
		panic("eddy: the head moved between Route and ServeDirect")
	}
	if s.annotate {
		x.Loop().Annotate(s.route.pattern)
	}
	// before and c are read back from the state after the handler (c
	// as Recover finds it), not kept on the stack across its call.
	s.before = s.defers.Load()
	err := s.route.serve(c)
	if s.defers.Load() != s.before || err != nil || !s.responded || s.streaming {
		s.app.ran(s.lastHandle(), s.before, err)
	}
	if !x.Settle() {
		return false // Release follows when the engine is done with x
	}
	// Release's work.
	s.generation.Add(1) // every Ctx of the request is stale from here
	if s.busy.Load() != 0 {
		x.User = nil
		x.Abandon()
		return true
	}
	if s.used || debugBuild {
		s.reset()
	} else {
		s.resetPlain() // reset's work for an unused state, inlined
	}
	return true
}

// Recover answers x after its handler, called by ServeDirect, panicked
// with v: as Serve's deferred recover does, through the request's Ctx (the
// state's last handle: ServeDirect took it) and the Defer count it saw
// before the handler ran. Loop-only.
func (h *handler) Recover(x *h1.Exchange, v any) {
	s := stateOf(x)
	h.a.unwound(s.lastHandle(), s.before, v)
}

// Release ends the request's Ctx once the engine is done with the
// exchange and resets its state, which stays in x.User for the next request
// x carries. A Ctx method call still running (from a goroutine that kept
// the Ctx) keeps the state: then the state and x are left to it, and x is
// not reused. Loop-only.
func (h *handler) Release(x *h1.Exchange) {
	s := stateOf(x)
	if s == nil {
		return
	}
	s.generation.Add(1) // every Ctx of the request is stale from here
	if s.busy.Load() != 0 {
		x.User = nil
		x.Abandon()
		return
	}
	s.reset()
}

var _ h1.Failer = (*handler)(nil)

// Fail answers one of the engine's own errors (a 408, 413, 414, 431, a
// handler timeout's 503 ...) through the app, as the automatic 404 and 405
// are: the app's middleware runs with a nil Route (so the access log
// writes its line) around a handler returning the error as an *HTTPError
// (Message: the engine's reason), and the error handler answers it. The
// answer is recorded, not sent: the engine writes it, with Connection:
// close. It uses a state of its own (allocated: engine answers are rare and
// end their connection), since the request's own may still be in use by a
// handler that timed out. If nothing answered, or the error handler
// panicked, the engine's text answer goes out instead. Loop-only.
func (h *handler) Fail(x *h1.Exchange, e *httpcodec.Error) (status int, header, body []byte, ok bool) {
	a := h.a
	if a.failRoute == nil {
		return 0, nil, nil, false
	}
	s := &ctxState{app: a, loop: x.Loop(), x: x, route: a.failRoute, failing: true}
	s.failErr = &HTTPError{Status: e.Status, Message: e.Reason}
	req := x.Request() // empty for a head that failed to parse
	s.m.method = methodOf(req.Method())
	s.m.path = unsafeString(req.Path())
	c := &Ctx{ctxState: s}
	defer func() {
		s.generation.Add(1) // a Ctx kept by the error handler is stale from here
		if v := recover(); v != nil {
			a.log.Error("eddy: error handler panic answering a server error",
				"status", e.Status, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			status, header, body, ok = 0, nil, nil, false
		}
	}()
	err := a.call(c, a.failRoute.serve)
	if !s.responded && err != nil {
		s.hdrErr, s.body = nil, s.body[:0]
		a.errorHandler(c, err)
	}
	if !s.responded {
		return 0, nil, nil, false
	}
	return s.status, s.hdr, s.body, true
}

// viewPath points the matched path at the request's current bytes: the
// engine may have moved them (Detach, InPool) since Route.
func (c *ctxState) viewPath() {
	if !c.decoded {
		c.m.path = unsafeString(c.x.Request().Path())
	}
}
