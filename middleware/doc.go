// Package middleware is eddy's middleware set: what fiber, echo and chi
// ship beside their routers, and what aiohttp users get from aiohttp-cors,
// aiohttp-session and aiohttp-remotes. Each is an eddy.Middleware, built
// once from a Config whose zero fields mean the documented defaults:
//
//		app.Use(
//			middleware.Proxy(middleware.ProxyConfig{TrustedProxies: []string{"10.0.0.0/8"}}),
//			middleware.RequestID(middleware.RequestIDConfig{}),
//			eddy.AccessLog(logger, eddy.DefaultAccessLogFormat+` %{X-Request-ID}o`),
//			middleware.Secure(middleware.SecureConfig{}),
//			middleware.CORS(middleware.CORSConfig{AllowOrigins: []string{"https://app.example.com"}}),
//			middleware.Compress(middleware.CompressConfig{}),
//			middleware.Sessions(middleware.SessionConfig{Keys: keys}),
//		)
//
//	  - Compress: gzip, deflate, zstd (and brotli from a separate module) by
//	    Accept-Encoding; Decompress: request bodies, bounded.
//	  - CORS, Secure (security headers), CSRF (origin check, double submit).
//	  - RequestID, Proxy (client address behind trusted proxies).
//	  - RateLimit (token bucket per key, 429 with Retry-After).
//	  - Sessions (signed cookie, aiohttp-session's shape).
//
// Per-route handler timeouts are a route option of the core package
// (eddy.HandlerTimeout), not middleware: only the engine can answer in
// place of a handler that does not return.
//
// # Where they act
//
// Middleware that must see the final response (Compress, CORS, Sessions)
// registers an eddy.Ctx.OnPrepare hook, which runs just before the head is
// sent, for the handler's response and the error handler's alike, so
// their order with other middleware matters less than usual. Per-route
// settings come from installing a second instance on a route with
// eddy.With: the innermost hook runs last and wins.
//
// # Goroutines
//
// Every middleware here is safe for concurrent use by every loop and pool
// goroutine. RateLimit shares its buckets across loops behind sharded
// mutexes held for a map look-up; the others share nothing mutable but
// sync.Pools of encoders.
package middleware
