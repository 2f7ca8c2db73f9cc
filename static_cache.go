package eddy

import (
	"sync"
	"sync/atomic"
)

// fileCache keeps what a Static resolved (the representations of a file,
// and the bytes of the small ones) so that hot files are answered on the
// loop without touching the disk. It is bounded in entries and in bytes.
//
// Readers are the loops, on every request: they load an immutable map
// (one atomic load, a lookup that does not allocate) and never lock.
// Writers are pool jobs after a miss or a revalidation: they copy the map
// under mu, which costs O(entries) per insertion, paid next to the disk
// I/O that caused it. Eviction is a clock: an entry used since the last
// sweep survives one sweep.
type fileCache struct {
	m          atomic.Pointer[map[string]*cacheEntry]
	mu         sync.Mutex // serialises writers
	bytes      int64      // data held by the entries in m; guarded by mu
	maxBytes   int64
	maxEntries int
}

// cacheEntry is what one request name resolves to. reps and redirect are
// immutable once the entry is published.
type cacheEntry struct {
	reps     []*fileRep // [0] the file itself, then precompressed siblings
	redirect bool       // a directory named without its trailing slash
	bytes    int64      // sum of the reps' data
	checked  atomic.Int64
	used     atomic.Bool
}

// get returns the entry for name, or nil. Safe for concurrent use; does
// not allocate.
func (fc *fileCache) get(name []byte) *cacheEntry {
	if fc.maxEntries <= 0 {
		return nil
	}
	m := fc.m.Load()
	if m == nil {
		return nil
	}
	return (*m)[string(name)]
}

// put publishes e for name, evicting entries until both bounds hold, and
// reports whether it kept e. An entry larger than the byte bound is not
// kept. The cache holds e's references to its open files from then on
// and drops those of the entries it evicts or replaces. Safe for
// concurrent use.
func (fc *fileCache) put(name string, e *cacheEntry) bool {
	if fc.maxEntries <= 0 || e.bytes > fc.maxBytes {
		return false
	}
	fc.mu.Lock()
	defer fc.mu.Unlock()
	var old map[string]*cacheEntry
	if p := fc.m.Load(); p != nil {
		old = *p
	}
	m := make(map[string]*cacheEntry, len(old)+1)
	for k, v := range old {
		m[k] = v
	}
	if prev := m[name]; prev != nil {
		fc.bytes -= prev.bytes
		delete(m, name)
		if prev != e {
			prev.release()
		}
	}
	for sweep := 0; len(m) > 0 && (len(m)+1 > fc.maxEntries || fc.bytes+e.bytes > fc.maxBytes); sweep++ {
		for k, v := range m {
			if sweep == 0 && v.used.Swap(false) {
				continue // used since the last sweep: a second chance
			}
			delete(m, k)
			fc.bytes -= v.bytes
			v.release()
			if len(m)+1 <= fc.maxEntries && fc.bytes+e.bytes <= fc.maxBytes {
				break
			}
		}
	}
	m[name] = e
	fc.bytes += e.bytes
	fc.m.Store(&m)
	return true
}

// drop removes name's entry, if any, releasing its open files: the name no
// longer resolves (deleted, or no longer a regular file), and an entry kept
// would hold a deleted file open, its disk space with it. Safe for
// concurrent use.
func (fc *fileCache) drop(name string) {
	if p := fc.m.Load(); p == nil || (*p)[name] == nil {
		return
	}
	fc.mu.Lock()
	defer fc.mu.Unlock()
	old := *fc.m.Load()
	prev := old[name]
	if prev == nil {
		return
	}
	m := make(map[string]*cacheEntry, len(old))
	for k, v := range old {
		if k != name {
			m[k] = v
		}
	}
	fc.bytes -= prev.bytes
	fc.m.Store(&m)
	prev.release()
}

// release drops the references e holds to its open files (the cache's,
// or a builder's that did not publish e); a response still sending one
// keeps it open until it is done.
func (e *cacheEntry) release() {
	for _, r := range e.reps {
		if r.open != nil {
			_ = r.open.drop()
		}
	}
}

// stats returns the number of entries and the bytes they hold.
func (fc *fileCache) stats() (entries int, bytes int64) {
	fc.mu.Lock()
	defer fc.mu.Unlock()
	if p := fc.m.Load(); p != nil {
		entries = len(*p)
	}
	return entries, fc.bytes
}
