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

// newSharedFile wraps f with one reference, the caller's (the cache's,
// dropped with drop).
func newSharedFile(f *os.File) *sharedFile {
	s := &sharedFile{f: f, fd: f.Fd()}
	s.refs.Store(1)
	return s
}

// acquire takes a reference for one response, and one of the
// responseFiles slots. It fails when the bound is reached, or once the
// last reference was dropped (the file is closed, and its descriptor
// number may already name another file): the caller must open the file
// anew (which answers 503 when the bound is reached).
func (s *sharedFile) acquire() bool {
	if !responseFiles.take() {
		return false
	}
	for {
		n := s.refs.Load()
		if n <= 0 {
			responseFiles.put()
			return false
		}
		if s.refs.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

// Close drops a response's reference (and its responseFiles slot),
// closing the file with the last reference.
func (s *sharedFile) Close() error {
	responseFiles.put()
	return s.drop()
}

// drop drops the cache's reference (or its builder's), closing the file
// with the last reference.
func (s *sharedFile) drop() error {
	if s.refs.Add(-1) == 0 {
		return s.f.Close()
	}
	return nil
}

// Fd returns the descriptor, valid while a reference is held.
func (s *sharedFile) Fd() uintptr { return s.fd }

// ReadAt reads from the file; a reference must be held.
func (s *sharedFile) ReadAt(p []byte, off int64) (int, error) { return s.f.ReadAt(p, off) }

// responseFile is a file opened for one response, holding the
// responseFiles slot its opener took until it is closed.
type responseFile struct{ *os.File }

// Close closes the file and gives its slot back.
func (f responseFile) Close() error {
	responseFiles.put()
	return f.File.Close()
}

var _ bodyFile = (*sharedFile)(nil)
var _ bodyFile = responseFile{}
