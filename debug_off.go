//go:build !eddydebug

package eddy

// debugBuild reports whether the eddydebug checks are compiled in: reset
// then checks that a request marked every per-request field it changed.
const debugBuild = false
