package eddy

import (
	"unsafe"

	"github.com/eddy-go/eddy/httpcodec"
	"github.com/eddy-go/eddy/internal/h1"
)

// unsafeString views b as a string without copying. The caller guarantees
// b is not modified while the string is in use; every use in this package
// says how long that is.
func unsafeString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// unsafeBytes views s as bytes without copying; the bytes must not be
// modified.
func unsafeBytes(s string) []byte {
	if s == "" {
		return nil
	}
	return unsafe.Slice(unsafe.StringData(s), len(s))
}

// stateOf returns the state the root keeps in x.User, or nil when it holds
// none yet. Only this package sets User, and only to a *ctxState or nil,
// so the interface's data word is the pointer: one load instead of a type
// assertion's test of the type word (about 5 instructions, three times a
// request).
func stateOf(x *h1.Exchange) *ctxState {
	return (*ctxState)((*[2]unsafe.Pointer)(unsafe.Pointer(&x.User))[1])
}

// headBase returns the address of the first byte of req's head buffer, as
// a number: equal before and after an operation exactly when the head did
// not move (Rebase), so views taken before still hold the same bytes.
func headBase(req *httpcodec.Request) uintptr {
	return uintptr(unsafe.Pointer(unsafe.SliceData(req.Raw())))
}
