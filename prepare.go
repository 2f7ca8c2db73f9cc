package eddy

import (
	"errors"
	"io"

	"github.com/eddy-go/eddy/internal/h1"
)

// errPrepareRespond: a prepare hook changes the response being sent; it
// cannot send another one.
var errPrepareRespond = errors.New("eddy: response method called from an OnPrepare hook")

// OnPrepare registers fn to run just before the response head is sent
// (aiohttp's on_response_prepare): once per response, after the handler
// chose status, headers and body, for a whole response (Text, JSON, Blob,
// the body buffered by Write, the error handler's answer) and for a stream
// (at Ctx.Stream). Hooks run in registration order, on the goroutine
// sending the response, with the request still valid. fn may change the
// status (Status), the headers (SetHeader, AddHeader, DelHeader,
// SetCookie), read the body of a whole response (PreparedBody) and have the
// body encoded (EncodeBody); a response method called from fn returns an
// error. Passing a func value made once (not a new closure per request)
// keeps it allocation-free.
func (c *Ctx) OnPrepare(fn func(*Ctx)) {
	if !c.enter() {
		return
	}
	defer c.exit()
	c.prepare, c.used = append(c.prepare, fn), true
}

// PreparedBody returns the body of the whole response being prepared and
// true, inside an OnPrepare hook; for a stream (whose body is not written
// yet) and outside a hook it returns nil and false.
// Borrowed: valid until the hook returns; copy it to keep it.
func (c *Ctx) PreparedBody() ([]byte, bool) {
	if !c.enter() {
		return nil, false
	}
	defer c.exit()
	if !c.preparing || c.prepStream {
		return nil, false
	}
	return c.prepBody, true
}

// EncodeWriter encodes a response body into the writer it was opened on
// (gzip.Writer, flate.Writer and zstd.Encoder are ones): Flush pushes what
// was written so far to that writer, Close the rest.
type EncodeWriter interface {
	io.WriteCloser
	Flush() error
}

// BodyEncoder describes how EncodeBody encodes a body.
type BodyEncoder struct {
	// Open returns a writer encoding into dst, for one response: a whole
	// body is written then closed; a stream's pieces are each written then
	// flushed, so the client gets them as they are produced, and the
	// writer is closed when the stream is. Open may hand out pooled
	// writers and take them back in their Close.
	Open func(dst io.Writer) EncodeWriter
	// OffloadAbove: a whole body of at least this many bytes, answered by
	// an on-loop handler, is encoded in the worker pool (the loop is not
	// held while it is compressed), then sent from the loop; the handler
	// still returns at once. Zero encodes every body where it is sent.
	OffloadAbove int
}

// EncodeBody has the body of the response being prepared encoded by e
// (compression): call it from an OnPrepare hook, which also sets the
// matching Content-Encoding. The Content-Length of a whole response is
// the encoded length; a stream is encoded piece by piece as it is
// written, and a Write on the loop still returns ErrBackpressure, having
// queued nothing, above the high water mark. e is kept, not copied: make it
// once. Outside a hook it does nothing.
func (c *Ctx) EncodeBody(e *BodyEncoder) {
	if !c.enter() {
		return
	}
	defer c.exit()
	if c.preparing && e != nil && e.Open != nil {
		c.enc = e
	}
}

// runPrepare runs the OnPrepare hooks for a whole response (body) or a
// stream. It returns the error of a header a hook set badly.
func (c *Ctx) runPrepare(body []byte, stream bool) error {
	c.preparing, c.prepBody, c.prepStream, c.enc = true, body, stream, nil
	hooks := c.prepare
	for _, fn := range hooks {
		fn(c)
	}
	c.preparing, c.prepBody = false, nil
	return c.hdrErr
}

// encodeWhole encodes body with the encoder a hook chose, into the Ctx's
// reusable buffer.
func (c *Ctx) encodeWhole(body []byte) ([]byte, error) {
	c.encOut = c.encOut[:0]
	c.encSink.s = c.ctxState
	w := c.enc.Open(&c.encSink)
	_, err := w.Write(body)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	return c.encOut, nil
}

// encodeSink is the io.Writer encoders write into: it appends to the
// Ctx's encOut.
type encodeSink struct{ s *ctxState }

func (w *encodeSink) Write(p []byte) (int, error) {
	w.s.encOut = append(w.s.encOut, p...)
	return len(p), nil
}

var errEncoderPanicked = errors.New("eddy: the response body encoder panicked")

// offloadEncode sends a whole response whose body is encoded in the pool:
// the response counts as finished now (further response methods fail),
// the request is detached so it outlives the handler, and the loop sends
// the encoded body when the job is done. It reports false, having done
// nothing, when the pool refused the job.
func (c *Ctx) offloadEncode(body []byte) bool {
	c.encIn = append(c.encIn[:0], body...)
	var out []byte
	// Set unless the job returns: an encoder that panics (the pool recovers
	// it and still runs done) answers 500, not an empty 200 under
	// Content-Encoding.
	err := errEncoderPanicked
	c.deferResponse()
	rerr := c.loop.RunInExecutor(
		func() {
			// Holding the state: reset cannot run (and drop or reuse
			// encIn and encOut) while the job encodes, even if the
			// client leaves meanwhile.
			if !c.enter() {
				err = ErrConnClosed
				return
			}
			defer c.exit()
			out, err = c.encodeWhole(c.encIn)
		},
		func() {
			if !c.current() {
				return
			}
			if err != nil {
				c.app.log.Error("eddy: encoding a response body", "error", err)
				c.status, c.hdr, c.hasCT, c.ctLead = 500, c.hdr[:0], false, ""
				out = append(c.encOut[:0], "Internal Server Error"...)
				c.hdr = append(c.hdr, ctText...)
			}
			c.written = int64(len(out))
			c.finishing()
			c.x.Respond(c.status, c.hdr, out)
		})
	if rerr != nil {
		c.defers.Add(^uint32(0))
		return false
	}
	c.responded = true
	return true
}

// streamEncoded writes p through the stream's encoder. On the loop it
// first asks the engine for room (an empty write), so that above the high
// water mark it returns ErrBackpressure before the encoder took p.
func (c *Ctx) streamEncoded(p []byte, m writeMode) error {
	// Ask first whether the connection takes more now, where the write
	// would not wait: refused after encoding, p would be lost in the
	// encoder's state.
	switch {
	case m == writeTry || m == writeDirect:
		if err := c.x.StreamTryWrite(nil); err != nil {
			return err
		}
	case m == writeQueue && !c.inPool:
		if err := c.x.StreamWrite(nil); err != nil {
			return err
		}
	}
	if err := c.encodePiece(p); err != nil {
		return err
	}
	if len(c.encOut) == 0 {
		return nil
	}
	if m == writeDirect {
		m = writeTry // encOut is the Ctx's buffer: queued, as any piece
	}
	return c.writePiece(c.encOut, m)
}

// closeEncoded closes the stream's encoder and writes its tail, then ends
// the stream. On the loop above the high water mark the tail waits for
// room (OnWritable) and the stream ends then.
func (c *Ctx) closeEncoded() error {
	c.encOut = c.encOut[:0]
	w := c.encW
	c.encW = nil
	if err := w.Close(); err != nil {
		_ = c.x.StreamAbort()
		return err
	}
	c.encTail = append(c.encTail[:0], c.encOut...)
	return c.writeTail()
}

// writeTail writes the encoder's tail and ends the stream.
func (c *Ctx) writeTail() error {
	if len(c.encTail) > 0 {
		err := c.x.StreamWrite(c.encTail)
		if err == h1.ErrBackpressure && !c.inPool {
			// Rare (the output is above its high water mark as the stream
			// closes): the closure is made only then.
			c.x.OnWritable(func() {
				if c.current() {
					if err := c.writeTail(); err != nil {
						c.app.log.Debug("eddy: ending an encoded stream", "error", streamErr(err))
					}
				}
			})
			return nil
		}
		if err != nil {
			return err
		}
		c.written += int64(len(c.encTail))
		c.encTail = c.encTail[:0]
	}
	return c.x.StreamEnd(c.trailers())
}
