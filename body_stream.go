package eddy

import (
	"bytes"
	"io"
	"mime/multipart"
)

type streamBodyOption struct{}

func (streamBodyOption) applyRoute(r *Route) { r.streamBody = true }

// StreamBody is a route option: the handler runs in the pool (it implies
// InPool) as soon as the request head arrives, and reads the body while it
// arrives, with Ctx.BodyReader or Ctx.MultipartReader, instead of the
// server buffering all of it first: for uploads larger than memory should
// hold. The route's MaxBody (set it: the default is 4 MiB), BodyTimeout
// and MinBodyRate hold as for a buffered body; past them the server
// answers (413, 408) and the reader fails; while the handler is behind,
// the wait is the handler's and those clocks stop. A handler that reads
// slowly, or stops for a while, slows the client down: the server stops
// reading the socket (with at most about 128 KiB buffered beyond the
// body's 512 KiB pipe), so TCP holds the client back, at any speed and
// however large the upload, without the server's memory growing. Body,
// BodyBytes, BindJSON and Form see an empty body on such a route, unless
// the body came whole with its head.
//
//	app.Post("/upload", upload, eddy.StreamBody, eddy.MaxBody(1<<30))
var StreamBody RouteOption = streamBodyOption{}

// BodyReader returns the request body as an io.Reader: on a StreamBody
// route, the body as it arrives (Read blocks until bytes come, and fails
// with io.ErrUnexpectedEOF when the body fails: the client left, was too
// slow or sent too much, and the server answered: ErrBodyIncomplete);
// elsewhere, a reader of
// the buffered body. It is valid until the handler returns.
func (c *Ctx) BodyReader() io.Reader {
	if !c.enter() {
		return eofReader{}
	}
	defer c.exit()
	c.bodyRd.c, c.used = c, true
	if !c.x.StreamsBody() {
		c.bodyRd.buf.Reset(c.x.Body())
	}
	return &c.bodyRd
}

// MultipartReader returns a reader of the parts of a multipart/form-data
// body, one by one as they arrive (mime/multipart), so that files go
// straight to disk on a StreamBody route: aiohttp's request.multipart().
// It answers 415 (an HTTPError) for another Content-Type and 400 for a
// malformed boundary.
func (c *Ctx) MultipartReader() (*multipart.Reader, error) {
	if !c.enter() {
		return nil, ErrStaleCtx
	}
	ct := c.x.Request().Header("Content-Type")
	c.exit()
	if !mediaTypeIs(ct, "multipart/form-data") {
		return nil, errNotForm
	}
	boundary, err := multipartBoundary(ct)
	if err != nil {
		return nil, err
	}
	return multipart.NewReader(c.BodyReader(), boundary), nil
}

// bodyReader reads a Ctx's body: streamed through the engine, or from
// the buffered bytes. One per Ctx state, reused.
type bodyReader struct {
	c   *Ctx
	buf bytes.Reader
}

func (r *bodyReader) Read(p []byte) (int, error) {
	c := r.c
	if !c.enter() {
		return 0, ErrStaleCtx
	}
	defer c.exit()
	if c.x.StreamsBody() {
		n, err := c.x.ReadBody(p)
		if err == io.ErrUnexpectedEOF {
			err = ErrBodyIncomplete
		}
		return n, err
	}
	return r.buf.Read(p)
}

// ErrBodyIncomplete is what reading a streamed body returns when the body
// will not arrive whole: the client went away, stopped sending (408) or
// sent more than MaxBody (413); the server answered in the handler's
// place. Both errors.Is(err, io.ErrUnexpectedEOF) and errors.Is(err,
// ErrConnClosed) hold, so a handler may simply return it: it is not
// logged as a server error.
var ErrBodyIncomplete error = bodyIncomplete{}

type bodyIncomplete struct{}

func (bodyIncomplete) Error() string { return "eddy: request body cut short" }

func (bodyIncomplete) Is(target error) bool {
	return target == io.ErrUnexpectedEOF || target == ErrConnClosed
}

type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }
