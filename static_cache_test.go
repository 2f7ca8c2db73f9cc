package eddy

import (
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
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

// TestFileCacheOpenFiles: the cache holds one reference to each large
// file it keeps open; evicting or replacing the entry drops it, and the
// descriptor closes once no response is sending the file (then acquire
// fails, so no response can send a closed descriptor's number); an entry
// the cache refuses is reported, for its builder to release.
func TestFileCacheOpenFiles(t *testing.T) {
	open := func() *sharedFile {
		p := filepath.Join(t.TempDir(), "f")
		if err := os.WriteFile(p, []byte("data"), 0o600); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		return newSharedFile(f)
	}
	closed := func(s *sharedFile) bool {
		_, err := s.f.Stat()
		return errors.Is(err, os.ErrClosed)
	}
	entry := func(s *sharedFile) *cacheEntry { return &cacheEntry{reps: []*fileRep{{open: s}}} }

	fc := &fileCache{maxEntries: 1, maxBytes: 1 << 20}
	a, b, c := open(), open(), open()
	if !fc.put("a", entry(a)) {
		t.Fatal("put refused a small entry")
	}
	if !a.acquire() { // a response starts sending a
		t.Fatal("acquire failed on a cached file")
	}
	fc.put("b", entry(b)) // evicts a
	if closed(a) {
		t.Fatal("an evicted file closed while a response was sending it")
	}
	a.Close() // the response is done
	if !closed(a) {
		t.Error("an evicted file stayed open after its last response")
	}
	if a.acquire() {
		t.Error("acquire succeeded on a closed file")
	}
	fc.put("b", entry(c)) // replaces b
	if !closed(b) || closed(c) {
		t.Errorf("replaced: old closed %v (want true), new closed %v (want false)", closed(b), closed(c))
	}
	if fc.put("huge", &cacheEntry{bytes: 2 << 20}) {
		t.Error("put kept an entry past the byte bound")
	}
}
