// Package eddytest runs an eddy App on a real socket for tests, as aiohttp's
// aiohttp_client fixture does for aiohttp.
//
//	func TestHello(t *testing.T) {
//		app := eddy.New(eddy.Config{})
//		app.Get("/hello/{name}", hello)
//		s := eddytest.New(t, app)
//		r := s.Get(t, "/hello/ada", eddytest.Header("Accept", "text/plain"))
//		if r.Status != 200 || r.Text() != "hello ada" { ... }
//	}
//
// New starts the app on a free address of the network its Config names
// (tcp, tcp4, tcp6 on the loopback; unix in a temporary directory) and
// stops it gracefully when the test ends. Request helpers (Get, Post,
// PostJSON, PostForm, Request, Do) send through a net/http client and read
// the whole Response; Dial opens a raw Conn for protocol tests that write
// bytes themselves (pipelining, malformed requests, half-closes).
//
// Test is fiber's app.Test in one call: Test(t, app, req) runs req through
// the app (parser, router, middleware, handler) and returns the
// *http.Response with its body read; NewRequest, NewJSONRequest,
// WithCookies and DecodeJSON build requests and read answers for it. It
// starts the app on first use like New, so it goes over a loopback
// connection: eddy's engine has no socketless transport.
//
// # Lifetimes
//
// A Server lives as long as the test given to New: its shutdown is
// registered with that test's Cleanup, bounded by 10 s, and fails the test
// if the app does not stop cleanly. A Conn from Dial lives as long as the
// test given to Dial (a subtest's Conn closes when the subtest ends).
// Every request, dial, read and write is bounded by 10 s, so a server that
// hangs fails the test instead of hanging it. A Response is a copy: it
// stays valid after the server stops.
//
// # Goroutines
//
// The helpers take the testing.TB to fail on each call, so one Server
// serves every subtest (pass the subtest's t). They fail with t.Fatalf,
// which must run on the goroutine running t: from other goroutines, use
// Server.Client (and net.Dial) directly and report with t.Errorf. A Server
// is safe for concurrent use; a Conn, like a net.Conn, allows one reader
// and one writer at a time.
package eddytest
