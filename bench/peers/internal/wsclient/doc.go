// Package wsclient is the bench clients' WebSocket client (RFC 6455), written for measuring
// servers and probing their conformance rather than for applications: it dials, performs the
// opening handshake with any extension offer, and writes and reads single frames exactly as
// asked, including frames a conforming client would never send. Masking keys come from a
// per-connection random source.
//
// It also holds the WebSocket part of the benchmark contract check (Check) and the
// frame-level conformance probe (Probe).
//
// # Goroutines
//
// A Conn is not safe for concurrent use: one goroutine reads and writes it.
package wsclient
