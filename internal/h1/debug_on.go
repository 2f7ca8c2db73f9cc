//go:build eddydebug

package h1

import "github.com/eddy-go/eddy/loop"

// assertLoop panics, in builds with the eddydebug tag, when a Loop-only
// method (what) runs on a goroutine other than ls's loop's. The socketless
// tests' fake loop is not checked.
func assertLoop(ls *loopState, what string) {
	if l, ok := ls.l.(*loop.Loop); ok {
		l.AssertLoopOnly(what)
	}
}

// debugBuild reports whether the eddydebug checks are compiled in.
const debugBuild = true
