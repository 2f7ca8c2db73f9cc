// Package httpbintest tests eddy's client against go-httpbin (the Go port of
// httpbin.org that the aiohttp tutorial fetches from), run in-process on
// 127.0.0.1, and runs examples/fetch against it. It is a module of its own so
// that go-httpbin never enters the core module's dependencies; CI runs its
// go vet and go test.
package httpbintest
