package eddy

import (
	"errors"
	"sync/atomic"
	"syscall"
)

// responseFiles bounds the files held open for responses at once, in the
// whole process (descriptors are the process's): a body sent from disk by
// Ctx.File, Ctx.Attachment or App.Static holds its file from its open (or
// the reference it takes to a file a Static's cache keeps open) until its
// last byte is sent or the response ends. Without a bound, a client that
// pipelines requests for large files on many connections and reads
// nothing made the server hold a descriptor per request (16 a connection
// at the default pipeline depth), until the process could no longer accept
// connections or open anything. The bound is half the process's
// descriptor limit (RLIMIT_NOFILE, which Go raises to its hard limit at
// start), at least 64 and at most 1<<20, leaving the other half to
// connections and the caches; past it a response that needs a file
// answers 503 (errTooManyFiles) instead of opening one. The files a
// Static's cache keeps open are bounded by its CacheFiles besides.
var responseFiles fileSlots

func init() { responseFiles.max.Store(defaultResponseFiles()) }

// errTooManyFiles answers a file response past responseFiles' bound.
var errTooManyFiles = ErrServiceUnavailable.Wrap(errors.New("eddy: too many files open for responses"))

// fileSlots counts the files held open for responses against a bound.
// Safe for concurrent use; take and put do not allocate.
type fileSlots struct {
	n   atomic.Int64
	max atomic.Int64
}

// take claims a slot for one file, or reports that the bound is reached.
func (s *fileSlots) take() bool {
	if s.n.Add(1) > s.max.Load() {
		s.n.Add(-1)
		return false
	}
	return true
}

// put returns a slot taken with take.
func (s *fileSlots) put() { s.n.Add(-1) }

// defaultResponseFiles is half the process's descriptor limit, in [64, 1<<20].
func defaultResponseFiles() int64 {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return 4096
	}
	return int64(min(max(rl.Cur/2, 64), 1<<20))
}
