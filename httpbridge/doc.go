// Package httpbridge connects eddy and net/http in both directions.
//
// Handler (and Mount) serve any http.Handler on an eddy route:
// net/http/pprof, Prometheus' promhttp, an existing net/http
// middleware stack. The handler runs in eddy's worker pool (it may block),
// sees an *http.Request built from the eddy request (its body, headers,
// RemoteAddr, a Context cancelled when the client goes away) and writes
// through an http.ResponseWriter that buffers a small response and sends
// it whole, or streams it (chunked) once it grows past 32 KiB or the
// handler flushes (http.Flusher, http.ResponseController).
//
//	httpbridge.Mount(app, "/debug/pprof/{path:.*}", http.DefaultServeMux)
//
// NewHTTPHandler serves an eddy app from a net/http server, for users who
// need what eddy's engine does not do yet (TLS, HTTP/2): it starts the app
// on a private loopback address and forwards each request to it with
// net/http/httputil's ReverseProxy, flushing as the app writes, so
// streamed responses stream. That is one loopback hop per request (eddy's
// engine has no socketless transport to call into): measure before
// putting it on a hot path. The app sees the real client in
// X-Forwarded-For (trust 127.0.0.1 with middleware.Proxy).
//
// # Goroutines
//
// A bridged http.Handler runs on a pool goroutine, one request at a
// time per goroutine, as net/http would run it. The http.Handler from
// NewHTTPHandler is safe for concurrent use, as net/http requires.
package httpbridge
