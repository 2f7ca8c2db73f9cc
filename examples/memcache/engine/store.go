package engine

import (
	"sync"
)

// Store is the key space, shared by every connection (one mutex: with one loop per core
// it is uncontended). Expiry is lazy: an expired item is deleted when it is next
// touched. Replies copy values under the lock, so the buffer of a large value that is
// replaced or deleted is kept for the next large value (a 1 MB set then costs no
// allocation, no zeroing and no garbage). Its size is bounded: past MaxBytes of keys and values a store is
// refused with "SERVER_ERROR out of memory storing object" (memcached evicts instead).
type Store struct {
	mu       sync.Mutex
	m        map[string]*item
	cas      uint64
	bytes    int
	maxBytes int
	// flush_all with a delay: items stored at or before flushAt are gone once the
	// clock reaches it (0: none pending).
	flushAt int64
	free    [][]byte // buffers of replaced large values, for reuse (at most maxFree)
}

// maxFree bounds the large-value buffers kept for reuse.
const maxFree = 8

type item struct {
	val   []byte
	flags uint32
	exp   int64 // unix second it expires at; 0 = never
	cas   uint64
	time  int64 // unix second of the last store
}

// NewStore returns an empty store holding at most maxBytes of keys and values
// (0 = 64 MiB, memcached's default -m).
func NewStore(maxBytes int) *Store {
	if maxBytes <= 0 {
		maxBytes = 64 << 20
	}
	return &Store{m: make(map[string]*item), maxBytes: maxBytes}
}

// getLocked returns the live item for key, deleting it if expired or flushed.
func (s *Store) getLocked(key []byte, now int64) *item {
	it, ok := s.m[string(key)]
	if !ok {
		return nil
	}
	if it.exp != 0 && it.exp <= now || s.flushAt != 0 && s.flushAt <= now && it.time <= s.flushAt {
		s.deleteLocked(key, it)
		return nil
	}
	return it
}

func (s *Store) deleteLocked(key []byte, it *item) {
	s.bytes -= len(key) + len(it.val)
	delete(s.m, string(key))
	s.recycleLocked(it.val)
}

// recycleLocked keeps the buffer of a large value nobody refers to any more.
func (s *Store) recycleLocked(b []byte) {
	if cap(b) >= StreamAt && len(s.free) < maxFree {
		s.free = append(s.free, b[:0])
	}
}

// TakeBuf returns a buffer of n bytes for a large value: a recycled one if one fits
// (without wasting more than half of it), else a new one. Its contents are not cleared.
func (s *Store) TakeBuf(n int) []byte {
	if n >= StreamAt {
		s.mu.Lock()
		for i, b := range s.free {
			if cap(b) >= n && cap(b) <= 2*n {
				last := len(s.free) - 1
				s.free[i] = s.free[last]
				s.free[last] = nil
				s.free = s.free[:last]
				s.mu.Unlock()
				return b[:n]
			}
		}
		s.mu.Unlock()
	}
	return make([]byte, n)
}

// putLocked stores val under key (val is kept: the caller gives it up), replacing old,
// the live item getLocked just returned for key (nil: none; inPlace: val is old's
// buffer, rewritten); it reports false when the store is full.
func (s *Store) putLocked(old *item, key, val []byte, flags uint32, exp, now int64, inPlace bool) (*item, bool) {
	size := len(key) + len(val)
	if old != nil {
		size -= len(key) + len(old.val)
	}
	if s.bytes+size > s.maxBytes {
		return nil, false
	}
	s.bytes += size
	s.cas++
	if old != nil {
		if !inPlace {
			s.recycleLocked(old.val)
		}
		old.val, old.flags, old.exp, old.cas, old.time = val, flags, exp, s.cas, now
		return old, true
	}
	it := &item{val: val, flags: flags, exp: exp, cas: s.cas, time: now}
	s.m[string(key)] = it
	return it, true
}

// flushLocked empties the store now, or invalidates at `at` what was stored until then.
// Like memcached's, it takes a cas unique (what was stored before it is older).
func (s *Store) flushLocked(at, now int64) {
	s.cas++
	if at <= now {
		clear(s.m)
		s.bytes = 0
		s.flushAt = 0
		return
	}
	s.flushAt = at
}

// Len is the number of items held (expired ones not yet touched included).
func (s *Store) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m)
}
