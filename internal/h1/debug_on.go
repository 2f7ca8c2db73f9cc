//go:build eddydebug

package h1

import (
	"bytes"
	"fmt"
	"reflect"
	"sync"
	"unsafe"

	"github.com/eddy-go/eddy/loop"
)

// assertLoop panics, in builds with the eddydebug tag, when a Loop-only
// method (what) runs on a goroutine other than ls's loop's. The socketless
// tests' fake loop is not checked.
func assertLoop(ls *loopState, what string) {
	if l, ok := ls.l.(*loop.Loop); ok {
		l.AssertLoopOnly(what)
	}
}

// assertFresh panics, in builds with the eddydebug tag, when x, just reset
// by resetBare (reset's stores for the usual exchange, written out; what
// names the caller), differs from what reset's full work leaves of it: a
// copy of x goes through reset's general path and the two are compared
// byte for byte, but for the mutex. It keeps resetBare, and beginBare
// which calls it in place of reset, in step with reset. It allocates
// nothing (the copy is pooled), so the allocation tests hold in this
// build too.
func assertFresh(x *Exchange, what string) {
	if x.held != 0 || x.cancel != nil {
		// reset would give the body's charge back to the loop or cancel
		// x's context: not for a copy to do.
		panic(fmt.Sprintf("%s: exchange not as reset leaves it: held %d, cancel set %v", what, x.held, x.cancel != nil))
	}
	y := freshCopies.Get().(*Exchange)
	xv, yv := reflect.ValueOf(x).Elem(), reflect.ValueOf(y).Elem()
	yv.Set(xv) // a typed copy: the garbage collector sees its pointers
	y.mu = sync.Mutex{}
	y.lf = lfOwn // not the usual exchange: reset's general path, every store
	y.reset()
	mu, size := unsafe.Offsetof(x.mu), unsafe.Sizeof(*x)
	xb := unsafe.Slice((*byte)(unsafe.Pointer(x)), size)
	yb := unsafe.Slice((*byte)(unsafe.Pointer(y)), size)
	end := mu + unsafe.Sizeof(x.mu)
	if !bytes.Equal(xb[:mu], yb[:mu]) || !bytes.Equal(xb[end:], yb[end:]) {
		t := xv.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if f.Name == "mu" || bytes.Equal(xb[f.Offset:f.Offset+f.Type.Size()], yb[f.Offset:f.Offset+f.Type.Size()]) {
				continue
			}
			panic(fmt.Sprintf("%s: Exchange.%s is %+v, reset leaves %+v", what, f.Name,
				reflect.NewAt(f.Type, unsafe.Pointer(xv.Field(i).UnsafeAddr())).Elem().Interface(),
				reflect.NewAt(f.Type, unsafe.Pointer(yv.Field(i).UnsafeAddr())).Elem().Interface()))
		}
		panic(what + ": exchange not as reset leaves it (padding)")
	}
	yv.SetZero() // keeps nothing of x alive
	freshCopies.Put(y)
}

// freshCopies holds assertFresh's copies, one per loop at a time.
var freshCopies = sync.Pool{New: func() any { return new(Exchange) }}

// debugBuild reports whether the eddydebug checks are compiled in.
const debugBuild = true
