//go:build !eddydebug

package h1

// assertLoop does nothing without the eddydebug build tag: it is inlined
// away.
func assertLoop(*loopState, string) {}

// assertFresh does nothing without the eddydebug build tag: it is inlined
// away.
func assertFresh(*Exchange, string) {}

// debugBuild reports whether the eddydebug checks are compiled in.
const debugBuild = false
