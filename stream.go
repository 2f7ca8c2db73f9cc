package eddy

import (
	"errors"
	"fmt"

	"github.com/eddy-go/eddy/httpcodec"
	"github.com/eddy-go/eddy/internal/h1"
)

// errFailStream: an error handler answering one of the server's own
// errors (a 408, 413, 431 ...) must answer whole, not stream.
var errFailStream = errors.New("eddy: the answer to a server error cannot be streamed")

// Stream is a response whose body is written as it is produced (aiohttp's
// StreamResponse): chunked for HTTP/1.1, ended by closing the connection
// for HTTP/1.0. Get one from Ctx.Stream. It belongs to the Ctx and is valid
// until Close. Nothing is buffered: each Write goes to the connection as
// soon as the responses before it are out, so there is no Flush.
type Stream struct{ c *Ctx }

// Stream starts a streamed response with the status set with Status
// (default 200) and contentType ("" sends none unless one was set); the
// head is sent with the first data. Write the body with the Stream's Write,
// then Close it. If the handler returns with the stream open (and did not
// Defer), the stream is closed for it.
func (c *Ctx) Stream(contentType string) (*Stream, error) {
	if !c.enter() {
		return nil, ErrStaleCtx
	}
	defer c.exit()
	if err := c.startStream(contentType, -1); err != nil {
		return nil, err
	}
	return &Stream{c: c}, nil // 8 bytes a stream: the per-request handle stays 16
}

// startStream is Stream without the stale check, for a body of n bytes
// under Content-Length (files), or chunked when n < 0. The caller makes
// the Stream: a file sent whole needs none on the heap.
func (c *Ctx) startStream(contentType string, n int64) error {
	if c.responded {
		return ErrResponded
	}
	if c.failing {
		return errFailStream
	}
	if c.hdrErr != nil {
		return c.hdrErr
	}
	if c.status == 0 {
		c.status = 200
	}
	if c.preparing {
		return errPrepareRespond
	}
	if contentType != "" && !c.hasCT && !bodyless(c.status) {
		if err := checkHeader("Content-Type", contentType); err != nil {
			return err
		}
		c.appendHeader("Content-Type", contentType)
	}
	if len(c.prepare) > 0 {
		if err := c.runPrepare(nil, true); err != nil {
			return err
		}
	}
	if bodyless(c.status) {
		c.enc = nil
		if c.hasCT {
			c.delHeader("Content-Type") // no body, no Content-Type
		}
	}
	if c.enc != nil {
		n = -1 // an encoded body's length is not known in advance: chunked
	}
	var err error
	if n >= 0 {
		err = c.x.StreamStartLength(c.status, c.hdr, n)
	} else {
		err = c.x.StreamStart(c.status, c.hdr)
	}
	if err != nil {
		return streamErr(err)
	}
	c.trailer = c.trailer[:0]
	if c.enc != nil {
		c.encSink.s = c.ctxState
		c.encW = c.enc.Open(&c.encSink)
	}
	c.responded, c.streaming, c.used = true, true, true
	return nil
}

// Write sends p as the next piece of the body; p is copied before Write
// returns. After Close it returns ErrResponded. In the pool it blocks
// while the connection is above its high water mark. On the loop it never
// blocks: above the mark it returns ErrBackpressure having queued nothing;
// continue from OnWritable. It returns ErrConnClosed once the client is
// gone.
func (s *Stream) Write(p []byte) (int, error) { return s.put(p, writeQueue) }

// WriteWait is Write that waits for room instead of returning
// ErrBackpressure: for a goroutine other than the loop writing a deferred
// handler's stream (the job of Ctx.Go, a goroutine started after Defer).
// The wait counts as a blocked pool wait, so clients that never read
// cannot hold every pool worker; the write timeout ends a client that
// stops reading (WriteWait then returns ErrConnClosed). Never call it on
// the loop (a timer, a completion callback): it would wait for the loop
// itself.
func (s *Stream) WriteWait(p []byte) (int, error) { return s.put(p, writeWait) }

// tryWrite is Write that never blocks, even for an InPool handler's
// stream: the loop's way to write (event streams, file pumps). An empty p
// only asks whether the connection would take more now.
func (s *Stream) tryWrite(p []byte) (int, error) { return s.put(p, writeTry) }

// writeDirect is tryWrite for a stream of known length written on the
// loop (the file pump): the engine writes p to the connection without
// queueing a copy when it can.
func (s *Stream) writeDirect(p []byte) (int, error) { return s.put(p, writeDirect) }

// writeEncoded sends what the pool already encoded into the Ctx's encOut
// (a file pump's piece) as the stream's next bytes, without passing it
// through the encoder again; above the high water mark it returns
// ErrBackpressure and keeps encOut for the next try. Loop-only.
func (s *Stream) writeEncoded() error {
	c := s.c
	if !c.enter() {
		return ErrStaleCtx
	}
	defer c.exit()
	if !c.streaming {
		return ErrResponded
	}
	if len(c.encOut) == 0 {
		return nil
	}
	if err := c.writePiece(c.encOut, writeTry); err != nil {
		return streamErr(err)
	}
	c.encOut = c.encOut[:0]
	return nil
}

// writeMode says how a stream write reaches the engine.
type writeMode uint8

const (
	writeQueue  writeMode = iota // StreamWrite: returns ErrBackpressure on the loop, waits in the pool
	writeWait                    // StreamWriteWait: waits for room (never on the loop)
	writeTry                     // StreamTryWrite: never waits
	writeDirect                  // StreamWriteDirect: never waits, no copy when it can
)

// put is every stream write: the stale and closed checks, the stream's
// encoder when a hook chose one (so no way of writing can send raw bytes
// under a Content-Encoding), then the engine call of the mode.
func (s *Stream) put(p []byte, m writeMode) (int, error) {
	c := s.c
	if !c.enter() {
		return 0, ErrStaleCtx
	}
	defer c.exit()
	if len(p) == 0 && (m == writeQueue || m == writeWait) {
		return 0, nil
	}
	if !c.streaming {
		return 0, ErrResponded // closed
	}
	if c.encW != nil {
		if err := c.streamEncoded(p, m); err != nil {
			return 0, streamErr(err)
		}
		return len(p), nil
	}
	if err := c.writePiece(p, m); err != nil {
		return 0, streamErr(err)
	}
	return len(p), nil
}

// writePiece hands p to the engine the way m says and counts it written.
func (c *Ctx) writePiece(p []byte, m writeMode) error {
	if err := c.engineWrite(p, m); err != nil {
		return err
	}
	c.written += int64(len(p))
	return nil
}

// encodePiece runs p through the stream's encoder into encOut (emptied
// first), flushed, so that encOut holds p's encoded bytes.
func (c *Ctx) encodePiece(p []byte) error {
	c.encOut = c.encOut[:0]
	if _, err := c.encW.Write(p); err != nil {
		return err
	}
	return c.encW.Flush()
}

// engineWrite hands p to the engine the way m says.
func (c *Ctx) engineWrite(p []byte, m writeMode) error {
	switch m {
	case writeWait:
		return c.x.StreamWriteWait(p)
	case writeTry:
		return c.x.StreamTryWrite(p)
	case writeDirect:
		return c.x.StreamWriteDirect(p)
	}
	return c.x.StreamWrite(p)
}

// WriteString is Write for a string, without copying it first.
func (s *Stream) WriteString(str string) (int, error) { return s.Write(unsafeBytes(str)) }

// OnWritable runs fn once on the loop when the connection's output drops
// below its low water mark (after Write returned ErrBackpressure). Loop-only.
func (s *Stream) OnWritable(fn func()) {
	if !s.c.enter() {
		return
	}
	defer s.c.exit()
	s.c.x.OnWritable(fn)
}

// Close ends the body (the last chunk) and finishes the response. It
// returns ErrConnClosed when the client went away (nothing more is sent;
// a handler may return it: it is not logged as an error). Closing twice is
// a no-op (once the request ended, Close returns ErrStaleCtx).
// After Close the Ctx must not be used.
func (s *Stream) Close() error {
	c := s.c
	if !c.enter() {
		return ErrStaleCtx
	}
	defer c.exit()
	if !c.streaming {
		return nil
	}
	c.streaming = false
	for _, fn := range c.onFinish {
		fn(c)
	}
	if c.encW != nil {
		return streamErr(c.closeEncoded())
	}
	return streamErr(c.x.StreamEnd(c.trailers()))
}

// trailers returns the trailer fields added with Stream.Trailer, nil if none.
func (c *Ctx) trailers() []byte {
	if len(c.trailer) > 0 {
		return c.trailer
	}
	return nil
}

// Trailer adds a trailer field that Close sends after the last chunk (a
// checksum or a status computed while streaming). Clients only see
// trailers of a chunked body: for HTTP/1.0 they are dropped. Announce the
// names with SetHeader("Trailer", "Name") before Stream if clients need to
// expect them. The name and value are checked as for SetHeader (and names
// that frame the message, such as Content-Length, are refused); an invalid
// one is returned as an error wrapping ErrInvalidHeader and not added.
func (s *Stream) Trailer(name, value string) error {
	c := s.c
	if !c.enter() {
		return ErrStaleCtx
	}
	defer c.exit()
	if !c.streaming {
		return ErrResponded
	}
	if err := checkHeader(name, value); err != nil {
		return err
	}
	for _, bad := range [...]string{"Content-Type", "Content-Encoding", "Content-Range", "Trailer", "Host", "Authorization", "Set-Cookie"} {
		if len(name) == len(bad) && httpcodec.EqualFold(name, bad) {
			return fmt.Errorf("%w: %s cannot be a trailer", ErrInvalidHeader, bad)
		}
	}
	c.trailer = append(c.trailer, name...)
	c.trailer = append(c.trailer, ": "...)
	c.trailer = append(c.trailer, value...)
	c.trailer = append(c.trailer, "\r\n"...)
	return nil
}

// abortStream ends an open stream whose handler failed (an error or a
// panic after the head went out): no last chunk, and the connection
// closes once what was written is flushed, so the client sees the body
// truncated instead of complete.
func (c *Ctx) abortStream() {
	if !c.streaming {
		return
	}
	c.streaming = false
	for _, fn := range c.onFinish {
		fn(c)
	}
	if w := c.encW; w != nil {
		c.encW = nil
		_ = w.Close() // hands a pooled encoder back; its tail is dropped
	}
	_ = c.x.StreamAbort()
}

// streamErr gives the engine's stream errors the package's own: its
// "already finished" (the engine ended the stream because the client went
// away) and "connection closed" become ErrConnClosed, its backpressure
// ErrBackpressure; anything else is wrapped with the package's prefix.
func streamErr(err error) error {
	switch err {
	case nil:
		return nil
	case h1.ErrFinished:
		return ErrConnClosed
	}
	if e, ok := packageErr(err); ok {
		return e
	}
	return fmt.Errorf("eddy: stream: %w", err)
}
