// Package ws is eddy's WebSocket codec (RFC 6455, and RFC 7692's
// permessage-deflate): the opening handshake, an incremental frame parser
// that assembles messages, frame writers and message compression, over byte
// slices. It does no I/O and starts no goroutines: bytes in, messages out.
// The server and the client share it.
//
// # Handshake
//
// Accept validates a server's opening handshake from a request httpcodec
// already parsed and negotiates a subprotocol (in the server's order of
// preference) and permessage-deflate; its errors carry the HTTP status to
// answer with (400, 403, or 426 with "Sec-WebSocket-Version: 13"). The
// client side builds the request's fields (NewKey, AppendRequestHeaders)
// and checks the server's 101 (CheckResponse).
//
// # Frames and messages
//
// Parser.Feed takes whatever bytes arrived and returns a message, "need
// more", or a protocol error (*Error) carrying the close code to fail the
// connection with (1002, 1003, 1007, 1009). Every header is checked before
// any of its payload is taken: reserved bits and op codes, masking by role
// (a server requires masked frames, a client rejects them), control frames
// longer than 125 bytes or fragmented, continuation without a message, a
// new message inside a fragmented one, and the size limits. Payload is
// unmasked as it arrives (with the running offset: 8 bytes at a time up to
// 128 bytes, gobwas/ws's vector Cipher beyond);
// text is validated as UTF-8 as it arrives, failing on the first bad byte
// even across fragment boundaries; close frames are validated (ParseClose).
// Control frames are returned as they arrive, between fragments too. The
// result never depends on how the input was split.
//
// The writers (AppendFrame, AppendMaskedFrame, AppendClose, AppendHeader,
// Deflater.AppendFrame) append to a caller-owned slice and keep nothing.
//
// # Compression
//
// permessage-deflate is off unless ServerOptions.Deflate (or
// ClientOptions.Deflate) is set. Both context takeover parameters and both
// window bits parameters are negotiated and honoured; a decompressed
// message larger than Parser.MaxMessage fails with close 1009 as soon as
// the output passes the limit, so a small compressed bomb cannot grow
// memory, and compressed text is validated as UTF-8 as it is decompressed,
// failing with close 1007 without decompressing the rest.
//
// # Ownership
//
// Feed unmasks in place: the bytes of its input that it consumed are
// modified. A Message's Payload is borrowed: valid until the next call to
// Feed or Reset on the same Parser, and, when the message arrived whole in
// one call, no longer than that call's input (it is a view of it, not a
// copy); copy it to keep it. The parser keeps no reference to its input
// between calls; a message that arrives in pieces is assembled in the
// parser's own buffer, which grows only as bytes arrive, is kept for the
// next message up to 64 KiB, and is dropped by Parser.Compact.
//
// A decompressed payload lives in the Inflater's buffer, valid until the
// Inflater decompresses the next message.
//
// # Goroutines
//
// Nothing here is safe for concurrent use: a Parser, Inflater and
// Deflater belong to one connection and are used by one goroutine at a
// time (a Deflater may be called from the goroutines that send, one after
// the other, so that compression stays off the loop). An Inflater or Deflater without context takeover borrows its
// compress/flate state from a sync.Pool (safe for concurrent use) for each
// message and keeps none between messages.
//
// # Cost
//
// Accept, Feed and the writers allocate nothing on the hot path
// (alloc_test.go fails otherwise); compression allocates its compressor on
// first use.
package ws
