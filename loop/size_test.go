package loop

import (
	"testing"
	"unsafe"
)

// TestConnSize: Conn stays in the allocator's 64-byte size class, so an idle
// connection costs no more than that beside gnet's own state.
func TestConnSize(t *testing.T) {
	if s := unsafe.Sizeof(Conn{}); s > 64 {
		t.Fatalf("Conn is %d bytes, want <= 64", s)
	}
	for why, err := range closeErrs {
		if why != int(whyNone) && err == nil {
			t.Fatalf("close reason %d has no error", why)
		}
	}
}
