package eddy

import (
	"errors"
	"strconv"

	"github.com/eddy-go/eddy/internal/h1"
	"github.com/eddy-go/eddy/loop"
)

// HTTPError is an error that is also a response: a handler (or middleware)
// returns one and the error handler answers with its status and message.
// It is aiohttp's HTTPException. Message is shown to the client; Err, if set,
// is the internal cause: it is logged, never sent.
//
// The ErrX sentinels are shared values: never modify them; build a new error
// with NewHTTPError or WithMessage instead.
type HTTPError struct {
	Status  int    // 400..599 (a 3xx status is answered as is, with no Location)
	Message string // sent to the client; empty means the status text
	Err     error  // internal cause, logged, not sent; may be nil
}

// NewHTTPError returns an HTTPError with status and message. An empty message
// means the standard status text ("Not Found").
func NewHTTPError(status int, message string) *HTTPError {
	return &HTTPError{Status: status, Message: message}
}

// Error returns "eddy: <status> <message>".
func (e *HTTPError) Error() string {
	s := "eddy: " + strconv.Itoa(e.Status) + " " + e.Text()
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the internal cause, for errors.Is and errors.As.
func (e *HTTPError) Unwrap() error { return e.Err }

// Text returns the message sent to the client: Message, or the status text
// when Message is empty.
func (e *HTTPError) Text() string {
	if e.Message != "" {
		return e.Message
	}
	return statusText(e.Status)
}

// WithMessage returns a copy of e with another client message; use it to
// specialise a sentinel: return eddy.ErrNotFound.WithMessage("no such user").
func (e *HTTPError) WithMessage(message string) *HTTPError {
	c := *e
	c.Message = message
	return &c
}

// Wrap returns a copy of e carrying err as its internal cause (logged, not
// sent to the client).
func (e *HTTPError) Wrap(err error) *HTTPError {
	c := *e
	c.Err = err
	return &c
}

// Is reports whether target is an HTTPError with the same status, so that
// errors.Is(err, eddy.ErrNotFound) holds for any 404 HTTPError.
func (e *HTTPError) Is(target error) bool {
	t, ok := target.(*HTTPError)
	return ok && t.Status == e.Status
}

// Sentinels for the common statuses. They are shared: do not modify them.
var (
	ErrBadRequest           = &HTTPError{Status: 400}
	ErrUnauthorized         = &HTTPError{Status: 401}
	ErrForbidden            = &HTTPError{Status: 403}
	ErrNotFound             = &HTTPError{Status: 404}
	ErrMethodNotAllowed     = &HTTPError{Status: 405}
	ErrNotAcceptable        = &HTTPError{Status: 406}
	ErrRequestTimeout       = &HTTPError{Status: 408}
	ErrConflict             = &HTTPError{Status: 409}
	ErrGone                 = &HTTPError{Status: 410}
	ErrContentTooLarge      = &HTTPError{Status: 413}
	ErrUnsupportedMediaType = &HTTPError{Status: 415}
	ErrUnprocessableEntity  = &HTTPError{Status: 422}
	ErrTooManyRequests      = &HTTPError{Status: 429}
	ErrInternalServerError  = &HTTPError{Status: 500}
	ErrNotImplemented       = &HTTPError{Status: 501}
	ErrServiceUnavailable   = &HTTPError{Status: 503}
)

// StatusOf returns the status an error is answered with: the Status of the
// first *HTTPError in err's chain, else 500.
func StatusOf(err error) int {
	if he := asHTTPError(err); he != nil && he.Status >= 100 && he.Status <= 999 {
		return he.Status
	}
	return 500
}

// asHTTPError is errors.As for *HTTPError without its allocation (the
// error path of a 404 must not allocate): the first *HTTPError in err's
// tree, depth first, or nil.
func asHTTPError(err error) *HTTPError {
	for err != nil {
		switch e := err.(type) {
		case *HTTPError:
			return e
		case interface{ Unwrap() error }:
			err = e.Unwrap()
		case interface{ Unwrap() []error }:
			for _, inner := range e.Unwrap() {
				if he := asHTTPError(inner); he != nil {
					return he
				}
			}
			return nil
		default:
			return nil
		}
	}
	return nil
}

// Errors of the package itself (misuse reported at run time, not at setup).
var (
	// ErrResponded is returned by a response method when the response was
	// already written (or started, for a stream).
	ErrResponded = errors.New("eddy: response already written")
	// ErrInvalidHeader is returned (wrapped) for a header name or value that
	// is not valid (which would allow header injection), or a header the
	// server writes itself (Content-Length, Transfer-Encoding, Date, Server,
	// Connection).
	ErrInvalidHeader = errors.New("eddy: invalid header")
	// ErrInvalidCookie is returned (wrapped) by SetCookie for a cookie with
	// an invalid name, value, path or domain.
	ErrInvalidCookie = errors.New("eddy: invalid cookie")
)

// Errors of the connection a request came on, as a Stream's methods return
// them and as the cause of Ctx.Context's cancellation (context.Cause).
// Compare with errors.Is.
var (
	// ErrConnClosed: the client went away (or, as a context cause, shut
	// down its sending side): stop producing. A stream's Write and Close
	// return it; a handler may return it and it is not logged as an error.
	ErrConnClosed error = &engineError{"eddy: client went away", h1.ErrConnClosed}
	// ErrBackpressure is returned by Stream.Write on the loop when the
	// connection's output is above its high water mark: nothing was queued;
	// continue from Stream.OnWritable. In the pool, Write blocks instead.
	ErrBackpressure error = &engineError{"eddy: output above the high water mark", h1.ErrBackpressure}
	// ErrHandlerTimeout is the cause of Ctx.Context's cancellation when the
	// handler ran past Config.HandlerTimeout (the server has answered 503
	// in its place; what the handler sends now is dropped).
	ErrHandlerTimeout error = &engineError{"eddy: handler timed out", h1.ErrHandlerTimeout}
	// ErrServerStopped is returned by Ctx.Complete when the server has
	// stopped: h did not run.
	ErrServerStopped error = &engineError{"eddy: server stopped", loop.ErrStopped}
)

// engineError is the package's face of one of the HTTP/1.1 engine's
// errors: the package's own message, and errors.Is(err, engine) holds, so
// code written against the engine's error keeps working.
type engineError struct {
	msg    string
	engine error
}

func (e *engineError) Error() string { return e.msg }

// Is reports whether target is the engine's error e stands for.
func (e *engineError) Is(target error) bool { return target == e.engine }

// engineCause gives the engine's cause of a context's cancellation the
// package's own error.
func engineCause(err error) error {
	if e, ok := packageErr(err); ok {
		return e
	}
	return err
}

// packageErr gives an engine error (a context's cancellation cause, a
// stream's error) the package's own face, and reports whether it did.
func packageErr(err error) (error, bool) {
	switch err {
	case h1.ErrConnClosed:
		return ErrConnClosed, true
	case h1.ErrHandlerTimeout:
		return ErrHandlerTimeout, true
	case h1.ErrBackpressure:
		return ErrBackpressure, true
	}
	return nil, false
}
