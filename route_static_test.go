package eddy

import (
	"fmt"
	"testing"
)

// TestStaticIndex stores paths chosen to collide in the index's hash (same
// length, same first and last eight bytes) next to ordinary ones, and checks that
// every stored path finds its own endpoint and no other path finds any.
func TestStaticIndex(t *testing.T) {
	paths := map[string]*endpoint{}
	add := func(p string) { paths[p] = &endpoint{} }
	for _, p := range []string{"/", "/a", "/ab", "/abc", "/plaintext", "/json", "/users/list", "/users/last"} {
		add(p)
	}
	for i := 0; i < 40; i++ { // differ only in the middle: all hash alike
		add(fmt.Sprintf("/api/v1/x%02dy/objects", i))
	}
	ix := newStaticIndex(paths)
	if n := len(ix.slots); n < 2*len(paths) || n&(n-1) != 0 {
		t.Fatalf("%d slots for %d paths: want a power of two at least twice as many", n, len(paths))
	}
	for p, ep := range paths {
		if got := ix.get(p); got != ep {
			t.Errorf("get(%q) = %p, want %p", p, got, ep)
		}
	}
	misses := []string{"", "/b", "/abcd", "/plaintex", "/plaintext/", "/Plaintext", "/users/lost",
		"/api/v1/x40y/objects", "/api/v1/x00y/object", "/api/v1/x00y/objectz"}
	for _, p := range misses {
		if got := ix.get(p); got != nil {
			t.Errorf("get(%q) = %p, want nil", p, got)
		}
	}
	var empty staticIndex
	var none *staticIndex
	if empty.get("/") != nil || none.get("/") != nil {
		t.Error("an empty or nil index found a path")
	}
}
