package eddy

// sendFile hands n bytes of f from off to the connection, sent with
// sendfile(2), when the engine can do it now (see h1's StreamSendFile): it
// reports whether it did, and f then belongs to the connection. An encoded
// stream (Compress) never does: its bytes must pass through the encoder.
// Loop-only.
func (s *Stream) sendFile(f bodyFile, off, n int64) bool {
	if !s.c.enter() {
		return false
	}
	defer s.c.exit()
	if !s.c.streaming || s.c.encW != nil || !s.c.x.StreamSendFile(f, off, n) {
		return false
	}
	s.c.written += n
	return true
}
