package eddy

import (
	"math/rand/v2"
	"strconv"
	"testing"
)

// TestFileCacheBounds: whatever is put, the cache holds at most its entry
// and byte bounds; an entry larger than the byte bound is not kept; an
// entry used since the last sweep outlives one that was not.
func TestFileCacheBounds(t *testing.T) {
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 0))
	fc := &fileCache{maxEntries: 8, maxBytes: 1000}
	for i := range 2000 {
		e := &cacheEntry{bytes: int64(r.IntN(300))}
		fc.put("f"+strconv.Itoa(r.IntN(40)), e)
		n, b := fc.stats()
		if n > fc.maxEntries || b > fc.maxBytes {
			t.Fatalf("put %d: %d entries, %d bytes; bounds %d, %d", i, n, b, fc.maxEntries, fc.maxBytes)
		}
		if e := fc.get([]byte("f" + strconv.Itoa(r.IntN(40)))); e != nil && r.IntN(2) == 0 {
			e.used.Store(true) // a hit, as the loop records it
		}
	}
	fc.put("huge", &cacheEntry{bytes: 1001})
	if fc.get([]byte("huge")) != nil {
		t.Error("an entry past the byte bound was kept")
	}

	// Second chance: fill with unused entries, mark one used, overflow.
	fc = &fileCache{maxEntries: 4, maxBytes: 1 << 20}
	for i := range 4 {
		fc.put("u"+strconv.Itoa(i), &cacheEntry{})
	}
	for i := range 4 {
		fc.get([]byte("u" + strconv.Itoa(i))).used.Store(i == 2)
	}
	fc.put("new", &cacheEntry{})
	if fc.get([]byte("u2")) == nil || fc.get([]byte("new")) == nil {
		t.Error("the entry used since the last sweep was evicted before unused ones")
	}
	if n, _ := fc.stats(); n != 4 {
		t.Errorf("%d entries, want 4", n)
	}

	// Disabled: nothing is kept.
	fc = &fileCache{maxEntries: -1, maxBytes: 1 << 20}
	fc.put("a", &cacheEntry{})
	if fc.get([]byte("a")) != nil {
		t.Error("a disabled cache kept an entry")
	}
}
