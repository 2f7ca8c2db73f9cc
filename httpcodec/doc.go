// Package httpcodec is eddy's strict, zero-copy HTTP/1.1 codec: a request
// parser, a response parser, an incremental chunked-body decoder and
// append-style writers, over byte slices. It does no I/O and starts no
// goroutines: bytes in, views out. The server and the client share it.
//
// # Parsing
//
// RequestParser and ResponseParser are fed whatever bytes have arrived; they
// return a complete head, "need more" (n == 0, nil error) or a protocol error
// (*Error) that carries the status to answer with. A head (request or
// response) that is complete on the first call is parsed in a single pass
// with lookup tables, which finds the line ends as it validates; a request
// of the common shape (origin-form target, HTTP/1.1 or 1.0, a Host of
// name or IPv4 address and port) by a shorter pass that tests eight bytes
// per step and checks the Host while it looks for the line's end, and
// leaves anything else to the general one, with identical results. Otherwise
// (and on any error) the head is located by an incremental search for the
// empty line that resumes where the previous call stopped, with the 414/431
// limits enforced on the prefix, then parsed; that path alone picks the
// error, so the outcome does not depend on how the input was split. The
// grammar is RFC 9112's, strictly: what
// is malformed is rejected, never normalised (bare LF or CR, obs-fold,
// whitespace before a colon, control characters, invalid tokens, duplicate
// or malformed Content-Length, Content-Length with Transfer-Encoding, a
// transfer-coding list that does not end in a single chunked, missing,
// duplicate or empty Host, a singleton field such as Content-Type repeated
// with a different value, request-target bytes RFC 3986 allows nowhere).
// HTTP/1.2 to 1.9 are read as HTTP/1.1 (RFC 9110 2.5).
//
// Framing fields (Content-Length, Transfer-Encoding, Connection, Host,
// Upgrade, Expect) are interpreted during the parse, so ContentLength,
// Chunked, KeepAlive, Host, Upgrade and ExpectContinue cost nothing.
// ChunkedDecoder decodes a chunked body incrementally, handing out views of
// the data bytes; it serves both streaming and "buffer the body up to a
// limit" (DecodeAppend).
//
// # Ownership
//
// A Request or Response holds offsets into the buffer given to Parse; it
// copies nothing. Every []byte an accessor returns is borrowed from that
// buffer: valid until the handler returns; copy it to keep it. In eddy the
// buffer is loop memory, overwritten once the loop callback returns, so
// anything kept longer must be copied (bytes.Clone), or the whole request
// detached: copy Raw() into a buffer you own and call Rebase, which keeps
// the offsets. Clone does both, allocating. Callers must not modify the
// returned bytes.
//
// The parsers keep no reference to any buffer between calls: a call may be
// given a different slice holding the same leading bytes. Chunk data views
// returned by ChunkedDecoder.Decode are sub-slices of its input; its
// trailer view is valid until the next Decode call.
//
// The writers (AppendStatusLine, AppendHeader, AppendChunk, ...) append to
// a caller-owned slice and keep nothing.
//
// # Goroutines
//
// Nothing here is safe for concurrent use, and nothing needs to be: one
// parser belongs to one connection, which belongs to one loop. Limits may be
// shared read-only.
//
// # Cost
//
// Parsing and writing allocate nothing (alloc_test.go fails otherwise).
// RequestParser is 16 bytes per connection; Request and Response hold a
// fixed array of DefaultMaxHeaders field spans (about 1.6 KiB) and are meant
// to be pooled per loop. Benchmarks against net/http, with the command
// that produced them, are in README.md.
package httpcodec
