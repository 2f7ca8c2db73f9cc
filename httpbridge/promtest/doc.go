// Package promtest checks that Prometheus' promhttp handler is served
// through httpbridge. It is a module of its own so that the core module
// never downloads Prometheus' client; it has no code, only a test.
package promtest
