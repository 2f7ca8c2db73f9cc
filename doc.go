// Package eddy is aiohttp for Go, on an event loop: an HTTP/1.1 and
// WebSocket server with an aiohttp-like API (App, routes, middleware,
// Request/Response, lifecycle hooks) running on one cooperative gnet event
// loop per core.
//
// The layers, from the bottom: package httpcodec parses and writes HTTP/1.1
// over byte slices; package loop is the event-loop runtime (the only importer
// of gnet); this package composes the two into an application server.
package eddy
