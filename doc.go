// Package eddy is aiohttp for Go, on an event loop: an HTTP/1.1 server with
// an aiohttp-like API (App, routes, middleware, Ctx, errors, lifecycle
// hooks) running on one cooperative gnet event loop per core.
//
//	app := eddy.New(eddy.Config{})
//	app.Get("/", func(c *eddy.Ctx) error { return c.Text("Hello, world") })
//	app.Get("/{name}", func(c *eddy.Ctx) error { return c.Text("Hello, " + c.Param("name")) })
//	if err := app.Run(":8080"); err != nil {
//		log.Fatal(err)
//	}
//
// The layers, from the bottom: package httpcodec parses and writes HTTP/1.1
// over byte slices; package loop is the event-loop runtime (the only importer
// of gnet); internal/h1 turns a connection into ordered request/response
// exchanges; this package adds routing, Ctx, middleware, errors and the
// lifecycle.
//
// # WebSocket
//
// App.WebSocket serves a WebSocket route (aiohttp's WebSocketResponse):
// WSCallbacks run on the loop (open, message, close; the fastest), a WSFunc
// on a goroutine of its own (Receive, Messages: for code that blocks). Sends
// are safe from any goroutine and keep their order; heartbeat, closing
// handshake and drain run on the loop's timer; a Hub broadcasts with one
// task per loop that has members.
//
//	app.WebSocket("/ws", eddy.WSFunc(func(ws *eddy.WebSocket) error {
//		for msg := range ws.Messages() {
//			ws.Send(msg.Type, msg.Data)
//		}
//		return nil
//	}))
//
// # Where handlers run
//
// A handler runs on the connection's event loop by default: the fastest
// place, where it must not block (no disk, DNS, sleep, database calls or
// heavy CPU). A route with the InPool option (or every route, with
// Config.Placement) runs in a bounded goroutine pool instead, after the
// request is copied out of loop memory; use it for anything that blocks.
// An on-loop handler may also finish later: Ctx.Defer, then a response
// method from a timer or callback, or Ctx.Go to run one blocking step in
// the pool. Pipelined responses always leave in request order.
//
// # Ownership
//
// Request data is not copied for an on-loop handler. One naming rule covers
// every Ctx accessor: a method whose name ends in Bytes (BodyBytes,
// PathBytes, ParamBytes, QueryBytes, HeaderBytes, CookieBytes,
// RawPathBytes, RawQueryBytes) returns a borrowed view, valid until the
// handler returns; copy it to keep it. The same name without Bytes (Body,
// Path, Param, Query, Header, Cookie, RawPath, RawQuery) returns an owned
// copy as a string. Request returns the parsed head, whose views are
// borrowed the same way. Absence is reported as a second result only where
// an absent value and an empty one differ: QueryBytes, HeaderBytes and
// CookieBytes return (value, ok); the string forms return "" for both, and
// ParamBytes returns nil for a parameter the route does not have. A Ctx is
// pooled: never keep it past its response.
//
// # Goroutines
//
// Build an App on one goroutine; it freezes at Start. A Ctx is used by one
// goroutine at a time (see Ctx). Key.GetApp, App.URL and App.Addr are safe
// for concurrent use once the app runs.
//
// # Errors
//
// A handler returns an error; an *HTTPError (ErrNotFound,
// NewHTTPError(422, "...")) is answered with its status and message, any
// other error with 500 (logged, not shown). Config.ErrorHandler replaces the
// default, which answers text, or JSON when the client prefers it. A panic
// is recovered in one place: logged with its stack, answered 500, and the
// connection closed.
package eddy
