//go:build eddydebug

package loop

import (
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
)

// owner is the loop's goroutine check, compiled in with the eddydebug build
// tag: every callback the loop runs records its goroutine, and every
// Loop-only method that changes state (writes, closes, deadlines, reading,
// CallSoon, timers, Annotate, Dial) panics when called from another
// goroutine. The goroutine id comes from parsing runtime.Stack, which is
// slow: debug builds only.
type owner struct{ gid atomic.Uint64 }

// enter records the running goroutine as the loop's.
func (o *owner) enter() { o.gid.Store(goid()) }

// check panics when the caller is not the loop's goroutine. Before the
// loop ran its first callback there is nothing to compare with.
func (o *owner) check(what string) {
	if g := o.gid.Load(); g != 0 {
		if me := goid(); me != g {
			panic("loop: " + what + " is Loop-only, called on goroutine " +
				strconv.FormatUint(me, 10) + " instead of the loop's " + strconv.FormatUint(g, 10))
		}
	}
}

// debugBuild reports whether the eddydebug checks are compiled in.
const debugBuild = true

// stackBufs recycles goid's buffers: runtime.Stack makes its argument
// escape, and the allocation tests run in debug builds too.
var stackBufs = sync.Pool{New: func() any { return new([64]byte) }}

// goid returns the calling goroutine's id, parsed from "goroutine N [".
func goid() uint64 {
	buf := stackBufs.Get().(*[64]byte)
	defer stackBufs.Put(buf)
	b := buf[:runtime.Stack(buf[:], false)]
	const prefix = "goroutine "
	if len(b) < len(prefix) {
		return 0
	}
	b = b[len(prefix):]
	var id uint64
	for _, ch := range b {
		if ch < '0' || ch > '9' {
			break
		}
		id = id*10 + uint64(ch-'0')
	}
	return id
}
