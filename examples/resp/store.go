package main

import (
	"sync"
	"time"
)

// store is the key space, shared by every loop (one mutex: with one loop per core the
// lock is uncontended; a sharded store would be the next step). Expiry is lazy: an
// expired key is deleted when it is next touched.
type store struct {
	mu sync.Mutex
	m  map[string]*entry
}

type entry struct {
	val []byte
	exp int64 // unix nanoseconds; 0 = no expiry
}

func newStore() *store { return &store{m: make(map[string]*entry)} }

// lookupLocked returns the live entry for key, deleting it if expired.
func (s *store) lookupLocked(key []byte, now time.Time) *entry {
	e, ok := s.m[string(key)]
	if !ok {
		return nil
	}
	if e.exp != 0 && now.UnixNano() >= e.exp {
		delete(s.m, string(key))
		return nil
	}
	return e
}

// setLocked stores a copy of val, reusing the old value's memory when it fits.
func (s *store) setLocked(key, val []byte, exp int64) {
	if e, ok := s.m[string(key)]; ok {
		e.val = append(e.val[:0], val...)
		e.exp = exp
		return
	}
	s.m[string(key)] = &entry{val: append([]byte(nil), val...), exp: exp}
}
