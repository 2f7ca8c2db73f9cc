package eddy

import (
	"bytes"
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
	for i := 0; i < 100; i++ { // 4 to 16 bytes (get's own probe): some share a slot
		add(fmt.Sprintf("/r%03d/items", i))
		add(fmt.Sprintf("/%d", 1000000+i))
		add(fmt.Sprintf("/%d", 100+i))
	}
	ix := newStaticIndex(paths)
	if n := len(ix.slots); n < 2*len(paths) || n&(n-1) != 0 {
		t.Fatalf("%d slots for %d paths: want a power of two at least twice as many", n, len(paths))
	}
	displaced := 0
	for i, sl := range ix.slots {
		if n := len(sl.path); sl.ep != nil && n >= 4 && n <= 16 {
			if f, l := pathWords(sl.path); ix.slot(f, l, n) != uint64(i) {
				displaced++
			}
		}
	}
	if displaced == 0 {
		t.Fatal("no path of 4 to 16 bytes left its home slot: get's probe past the first slot is untested")
	}
	for p, ep := range paths {
		if got := ix.get(p); got != ep {
			t.Errorf("get(%q) = %p, want %p", p, got, ep)
		}
	}
	misses := []string{"", "/b", "/abcd", "/plaintex", "/plaintext/", "/Plaintext", "/users/lost",
		"/api/v1/x40y/objects", "/api/v1/x00y/object", "/api/v1/x00y/objectz"}
	for i := 0; i < 100; i++ {
		misses = append(misses, fmt.Sprintf("/r%03d/itemz", i), fmt.Sprintf("/r%03d/item", i), fmt.Sprintf("/%d", 2000000+i),
			fmt.Sprintf("/%d", 200+i), fmt.Sprintf("/x%d", 100+i))
	}
	for _, p := range misses {
		if got := ix.get(p); got != nil {
			t.Errorf("get(%q) = %p, want nil", p, got)
		}
	}
	var empty staticIndex
	var none *staticIndex
	built := newStaticIndex(nil) // probe's table: never empty once built
	if len(built.slots) < 8 {
		t.Errorf("an index built without paths has %d slots, want 8 or more", len(built.slots))
	}
	for _, p := range []string{"/", "/abcd", "/plaintext", "/0123456789abcdef", "/0123456789abcdefg"} {
		if empty.get(p) != nil || none.get(p) != nil || built.get(p) != nil {
			t.Errorf("an empty or nil index found %q", p)
		}
	}
}

// TestPathWordsExact checks that two paths of the same length shorter than
// 17 bytes have the same words only when they are equal (the index compares
// nothing else for them): every byte value at every position, and every
// pair of positions with two values, for every length up to 16.
func TestPathWordsExact(t *testing.T) {
	type key struct {
		first, last uint64
		n           int
	}
	for n := 1; n <= 16; n++ {
		seen := map[key]string{}
		add := func(p []byte) {
			f, l := pathWords(string(p))
			k := key{f, l, n}
			if q, ok := seen[k]; ok && q != string(p) {
				t.Fatalf("pathWords(%q) = pathWords(%q)", p, q)
			}
			seen[k] = string(p)
		}
		base := []byte("/abcdefghijklmnop"[:n])
		for i := range n {
			for v := range 256 {
				p := bytes.Clone(base)
				p[i] = byte(v)
				add(p)
				for j := i + 1; j < n; j++ {
					q := bytes.Clone(p)
					q[j] = 'Z'
					add(q)
				}
			}
		}
	}
}
