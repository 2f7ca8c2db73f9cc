// Package h1 is eddy's HTTP/1.1 connection engine: a loop.Protocol that turns
// the bytes of one connection into request/response exchanges and back.
//
// It parses requests with httpcodec, asks a Handler where each one runs
// (Handler.Route returns a Plan), reads the body (Content-Length or chunked),
// calls Handler.Serve and writes the responses in request order. It knows
// nothing of routes, middleware or contexts of the application: the root
// package builds App, Router and Ctx on top of Exchange. A Handler that is
// also a DirectServer serves the usual request (no body, on the loop) in
// one call that releases it too when it was answered at once; the engine
// recovers a panic of that call once per batch of input, not per request,
// and hands it back to the handler (DirectServer.Recover).
//
// Per connection the engine keeps a few words of state. Pipelined requests
// take slots in a FIFO of exchanges, at most Config.PipelineDepth of them;
// a slot is Reading (body not complete), Pending (the handler runs), Ready
// (the response is complete and waits for the ones before it), Streaming or
// Cancelled. After every batch of input and every completion the engine
// appends every Ready response from the head of the FIFO to one per-loop
// output buffer and hands it to the connection in one Conn.Write; a whole
// body of 64 KiB or more is not copied into that buffer but written with it
// in one Conn.Writev, so only what the kernel does not take is copied, once.
//
// Parsing stops while the FIFO is full, while the connection's output is
// above the loop's high water mark (loop.WriteFlow) and after a request that
// ends the connection (Connection: close, HTTP/1.0 without keep-alive, an
// upgrade, an error, Exchange.CloseAfter); it resumes when the cause goes
// away, except for the end of a connection: requests parsed behind the last
// response are dropped, and the connection half-closes once that response
// is flushed.
//
// A client that shuts down its sending side after its requests (HTTP/1.0
// tools, "nc -N", some proxies; loop.EOFReceiver) still gets every response
// to the requests it completed, wherever their handlers run, then the
// connection closes; a request the EOF cut short is not answered.
//
// When the server drains (loop.Drainer), a busy connection's last response
// carries "Connection: close"; an idle one gets Config.DrainIdleGrace to
// deliver a request its client already sent, which is answered the same
// way.
//
// # Ownership
//
// An on-loop Serve sees views into loop memory: Exchange.Request and
// Exchange.Body are valid until Serve returns. When a request must outlive
// the callback that parsed it (a Plan with InPool, Exchange.Detach, a body
// that arrives over several callbacks, a chunked body) the engine copies the
// head and the body once into a buffer owned by the Exchange and rebases the
// request onto it (httpcodec.Request.Rebase); views then stay valid until
// the exchange is finished.
//
// Exchanges are pooled per loop. Handler.Release is called on the loop once
// an exchange is finished and written (or abandoned because the connection
// died); the exchange, its request and body may be recycled right after, so
// nothing may keep them. Exchange.User survives the recycling: it is the
// handler's per-exchange object, reused by the next request x carries.
//
// Respond, StreamStart and StreamWrite copy what they are given before they
// return; callers may reuse their buffers.
//
// # Goroutines
//
// Everything about a connection runs on its loop goroutine: parsing, Route,
// an on-loop Serve, every write, timeouts, Release. Serve for a Plan with
// InPool runs on a goroutine of the loop's executor. A detached exchange may
// be finished from any goroutine: the bytes are copied under the exchange's
// mutex and the loop is woken with Loop.CallSoonThreadsafe; only the loop
// writes to the connection, so responses never reorder and never reach a
// connection that closed (the engine's own closed flag guards every write;
// a connection object is never reused).
//
// The engine reaches its connection and its loop through two small
// interfaces, which *loop.Conn and *loop.Loop satisfy: the connection's
// state machine is tested without sockets, on a seeded deterministic fake
// loop (TestConnSeam, FuzzConn). Built with the eddydebug tag, its Loop-only
// methods panic off the loop.
//
// Idle keep-alive connections hold no Exchange, no request and no buffer:
// the engine's per-connection state is its parser, a few pointers and flags.
package h1
