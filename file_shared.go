package eddy

import (
	"io"
	"os"
	"sync/atomic"

	"github.com/eddy-go/eddy/loop"
)

// bodyFile is a file a response's body is sent from: an *os.File opened
// for the response, or a sharedFile. Whoever is handed one closes it
// once: the response, the connection that sends it, or the pump.
type bodyFile interface {
	io.ReaderAt
	loop.File
}

// sharedFile is an open file shared by the responses that send it: a
// Static's cache keeps files too large for memory open, as nginx's
// open_file_cache does, so that answering one takes no open, stat or
// close, and no trip to the pool. The cache holds one reference, each
// response being sent another; the descriptor closes after the cache
// dropped the file and the last response is sent. Safe for concurrent
// use.
type sharedFile struct {
	f    *os.File
	fd   uintptr
	refs atomic.Int64
}

// newSharedFile wraps f with one reference, the caller's.
func newSharedFile(f *os.File) *sharedFile {
	s := &sharedFile{f: f, fd: f.Fd()}
	s.refs.Store(1)
	return s
}

// acquire takes a reference for one response. It fails once the last
// reference was dropped (the file is closed, and its descriptor number
// may already name another file): the caller must open the file anew.
func (s *sharedFile) acquire() bool {
	for {
		n := s.refs.Load()
		if n <= 0 {
			return false
		}
		if s.refs.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

// Close drops one reference, closing the file with the last.
func (s *sharedFile) Close() error {
	if s.refs.Add(-1) == 0 {
		return s.f.Close()
	}
	return nil
}

// Fd returns the descriptor, valid while a reference is held.
func (s *sharedFile) Fd() uintptr { return s.fd }

// ReadAt reads from the file; a reference must be held.
func (s *sharedFile) ReadAt(p []byte, off int64) (int, error) { return s.f.ReadAt(p, off) }

var _ bodyFile = (*sharedFile)(nil)
var _ bodyFile = (*os.File)(nil)
