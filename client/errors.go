package client

import (
	"errors"
	"fmt"
)

var (
	// ErrClosed is returned for a request on a closed session.
	ErrClosed = errors.New("client: session closed")
	// ErrTimeout wraps every timeout; the error also says which one passed.
	ErrTimeout = errors.New("client: timeout")
	// ErrTooManyRedirects is returned when a response would be the
	// (Config.MaxRedirects+1)-th redirect in a row.
	ErrTooManyRedirects = errors.New("client: too many redirects")
	// ErrBadResponse wraps every malformed response: a head the strict
	// parser rejects, a broken chunked body, garbage on an idle connection.
	ErrBadResponse = errors.New("client: malformed response")
	// ErrBodyTooLarge is returned when a body to be buffered (the loop-native
	// API, Response.Bytes) passes Config.MaxBodyBuffered, or a decompressed
	// body passes it.
	ErrBodyTooLarge = errors.New("client: body too large")
	// ErrConnLost is returned when the server closes the connection before
	// the response is complete.
	ErrConnLost = errors.New("client: connection lost before the response was complete")
	// ErrBodyLag is returned by a body read when its reader lagged more than
	// Config.MaxLag behind the server and the connection was aborted.
	ErrBodyLag = errors.New("client: body reader lagged too far behind the server")
	// ErrBodyClosed is returned by reads of a body after Close.
	ErrBodyClosed = errors.New("client: read on closed body")
	// ErrBadRequest is returned for a request that cannot be sent: no URL,
	// an unsupported scheme, a header name or value that is not valid HTTP.
	ErrBadRequest = errors.New("client: invalid request")
)

// Timeout errors, each wrapping ErrTimeout (errors.Is(err, ErrTimeout)).
var (
	ErrConnectTimeout = fmt.Errorf("%w: connect", ErrTimeout)
	ErrTotalTimeout   = fmt.Errorf("%w: total", ErrTimeout)
	ErrHeaderTimeout  = fmt.Errorf("%w: response header", ErrTimeout)
	ErrReadGapTimeout = fmt.Errorf("%w: no data between reads", ErrTimeout)
)

// StatusError is what Config.RaiseForStatus (and Response.RaiseForStatus)
// return for a status of 400 or more.
type StatusError struct {
	StatusCode int
	Status     string // "404 Not Found"
	URL        string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("client: %s: %s", e.URL, e.Status)
}

func badResponse(err error) error { return fmt.Errorf("%w: %v", ErrBadResponse, err) }

func badRequest(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrBadRequest, fmt.Sprintf(format, args...))
}

// errDiscarded ends a redirect whose body is too large to read and drop.
var errDiscarded = errors.New("client: redirect body dropped")
