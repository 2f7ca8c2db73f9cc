// Package client is eddy's HTTP client, aiohttp's ClientSession in Go: one
// Session holds per-host connection pools, cookies, default headers, limits and
// timeouts for every request made with it, and its connections live on event
// loops (the loop package) rather than on a goroutine each.
//
//	sess, err := client.New(client.Config{BaseURL: "http://127.0.0.1:8080"})
//	...
//	defer sess.Close(ctx)
//	resp, err := sess.Get(ctx, "/get")
//	...
//	defer resp.Close()
//	var v map[string]any
//	err = resp.JSON(&v)
//
// # Three ways to call it
//
// Do (and Get, Post, PostJSON, ...) is for ordinary goroutines: it blocks until
// the response head arrives and returns it with a streaming Body. Its context
// bounds the whole request, body included: cancelling it closes the connection
// if the response is not complete. Middleware wraps Do.
//
// Start is for code running on a loop, such as an on-loop eddy handler that fans
// out to upstreams: the connection is made on that loop, the request never
// blocks it, and the callback runs on the same loop with the body already read
// whole, so the handler can finish its deferred response there, without locks or
// goroutines.
//
// StartView is Start for code that reads the response where it lies: the
// callback gets a *View whose status, fields (looked up on the raw head; no
// http.Header is built unless OwnHeader asks) and whole body are borrowed from
// the connection, valid until the callback returns; copy them to keep them.
// On a keep-alive connection it costs no allocation per request: the loop's
// input is read in place when the body arrived with the head, else collected
// in a buffer the connection keeps, and the request's own state is reused by
// the next one, View included (so a View kept past its callback shows a later
// response). Its Pending value cancels the request.
//
// All three share the pools, redirects (net/http's rules: 301, 302 and 303 turn a
// POST into a GET, 307 and 308 keep the method and body, credentials and the
// caller's cookies never follow to another host), the cookie jar, gzip and
// deflate decompression, RaiseForStatus and one retry of an idempotent request
// (GET, HEAD, OPTIONS, TRACE, PUT, DELETE with a body held in memory, never a
// POST) whose reused keep-alive connection was closed before any byte of the
// answer came back.
//
// # Lifetimes
//
// A View and everything it returns are borrowed: valid until StartView's
// callback returns; copy them to keep them. A View needs no Close.
//
// A Response's fields are owned copies, valid forever. Its Body must be read to
// its end or closed: until then it holds its connection and its slot in the
// limits. A body left open is ended by the total timeout (5 minutes by default)
// or by Session.Close, whichever comes first; nothing else reclaims it. A
// keep-alive connection goes back to the pool as soon as its body has arrived
// whole, even before the reader reads it.
//
// Requests are not modified: redirects and retries work on copies. A body given
// as *bytes.Buffer, *bytes.Reader or *strings.Reader is taken into memory and can
// be sent again; any other io.Reader is streamed (chunked unless ContentLength is
// set) from a goroutine, with backpressure from the connection.
//
// Session.Close fails what is waiting or in flight with ErrClosed, closes every
// connection on every loop, and returns only once they are all closed and the
// session's goroutines have ended.
//
// # Backpressure
//
// A streamed body is copied from the loop into a window (Config.BodyWindow, 1 MiB
// by default); when the reader lags and the window is full, the loop stops
// offering the connection's bytes until the reader catches up. The loops cannot
// stop reading a socket, so bytes still pile up on the loop meanwhile, up to
// Config.MaxLag (16 MiB), past which the connection is aborted and the read fails
// with ErrBodyLag. Read large bodies at the network's pace, or not at all.
//
// # Limits and hostile servers
//
// Everything a server sends is bounded: the response head (Config.MaxHeaderBytes),
// the chunk framing, the bodies read whole (Config.MaxBodyBuffered, decompressed
// size included), the body window and the lag. Malformed or ambiguous framing
// (bare LF, duplicate Content-Length, Content-Length with Transfer-Encoding ...)
// is an error wrapping ErrBadResponse, never a guess; bytes a server sends
// unasked (on an idle connection or after a response) close the connection.
//
// # TLS
//
// The loops have no TLS. https:// URLs go through Go's own net/http Transport,
// one hop at a time, with the same Session API, cookies, redirects, headers,
// decompression and the connect, response-header and total timeouts (ReadGap
// does not apply there). Start works for https too: the round trip runs on a
// goroutine and the callback still runs on the caller's loop.
//
// # WebSocket
//
// Session.WebSocket (and DialWebSocket, with a session of its own) is
// aiohttp's ws_connect: the handshake request carries the session's default
// headers, basic auth and cookies, and is bounded by Timeout.Connect,
// Timeout.ResponseHeader, Timeout.Total and the context; the 101 is checked
// with the ws package (accept key, subprotocol, permessage-deflate), and
// frames the server sent with it are kept. The WebSocket then lives on one
// of the session's loops, which parses the server's frames (masked ones are
// a protocol error), answers pings, runs the heartbeat (WSOptions.Heartbeat,
// whether or not the application reads) and the closing handshake
// (WSOptions.CloseTimeout). Sends are safe from any goroutine and keep their
// order; they never block, and output the network does not take past
// WSOptions.MaxOutbound closes the WebSocket (1008, ErrWSSlowNetwork)
// instead of growing memory. Received messages wait in a queue of
// WSOptions.MaxQueue messages, past which the connection is not read. The
// session's Close closes its WebSockets with 1001 and waits for them.
// Redirects are not followed, proxies are not used (a Proxy function that
// picks one fails the dial with ErrWSProxy). A wss:// WebSocket shakes hands
// with Config.TLS on the dialing goroutine; as the loops have no TLS, two
// goroutines then copy its bytes to and from a local Unix socket whose
// other end lives on the loop (a copy each way, and two goroutines per
// wss:// WebSocket, the price of TLS here); a server that takes none of
// our output for WSOptions.WriteTimeout ends it with ErrWSWriteStall and
// frees them.
//
// # Goroutines
//
// A Session is safe for concurrent use. Requests from Do run on the session's
// loops (its own loop server, or Config.Server); Start and StartView run on
// the loop they are given. Besides the loops, a dial runs on a goroutine of
// its own (DNS and connect block), a streamed request body is read by a goroutine, an https
// round trip runs on a goroutine, a wss:// WebSocket has two, and the calls of user code that may
// block or take long (the cookie jar, the Proxy func, decompressing a body
// read whole) run on one goroutine per request, started by the first of them
// and ended with the request, whatever the number of redirects, so a slow one
// delays its own request, never the loop's other
// connections; none of them outlives Close, with one
// exception: a streamed body whose Read blocks and that is not an io.Closer
// (a request that ends early closes a body that is one) keeps its goroutine
// until Read returns; the request and Close do not wait for it. Trace functions
// run on the loops (GotConn, WroteRequest, GotFirstResponseByte, Done) or on the
// dialing goroutine (DNS and connect events) and must not block.
//
// # Logging
//
// With Config.Logger at debug level the session logs every request (method, URL,
// status, redirects, time), retries, redirects and connections it distrusts.
package client
