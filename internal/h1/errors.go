package h1

import (
	"errors"

	"github.com/eddy-go/eddy/httpcodec"
)

// Errors returned by the streaming methods and Hijack.
var (
	// ErrBackpressure: the connection's output is above its high water mark
	// (or the stream's own queue is full while earlier responses are still
	// pending). p was not queued; continue from OnWritable.
	ErrBackpressure = errors.New("h1: output above the high water mark")
	// ErrFinished: the exchange was already finished (by the handler, or by
	// the engine after a handler timeout).
	ErrFinished = errors.New("h1: exchange already finished")
	// ErrConnClosed: the connection went away; nothing more will be sent.
	ErrConnClosed = errors.New("h1: connection closed")
	// ErrNotStreaming: StreamWrite or StreamEnd before StreamStart.
	ErrNotStreaming = errors.New("h1: stream not started")
	// ErrHandlerTimeout is the cause of Exchange.Context's cancellation when
	// Config.HandlerTimeout passed.
	ErrHandlerTimeout = errors.New("h1: handler timeout")
	// ErrNotOnLoop: a loop-only method was called from Serve in the pool or
	// after Detach.
	ErrNotOnLoop = errors.New("h1: loop-only method called off the loop")
)

// Engine-generated failures, pre-built so the error path does not allocate.
// Their Reason becomes the short text body of the answer.
var (
	errHeadTimeout    = &httpcodec.Error{Status: 408, Reason: "request head timeout"}
	errBodyTimeout    = &httpcodec.Error{Status: 408, Reason: "request body timeout"}
	errBodySlow       = &httpcodec.Error{Status: 408, Reason: "request body too slow"}
	errBodyBudget     = &httpcodec.Error{Status: 503, Reason: "server busy: too many request bodies in flight"}
	errHandlerTimeout = &httpcodec.Error{Status: 503, Reason: "handler timeout"}
	errPoolFull       = &httpcodec.Error{Status: 503, Reason: "server busy"}
	errNoResponse     = &httpcodec.Error{Status: 500, Reason: "handler returned without a response"}
	errBodyTooLarge   = httpcodec.ErrBodyTooLarge
	errBadRequest     = &httpcodec.Error{Status: 400, Reason: "bad request"}
)

// codecError returns err as a *httpcodec.Error, or a plain 400 for anything
// else (the parsers only return *Error; this keeps a surprise from turning
// into a panic).
func codecError(err error) *httpcodec.Error {
	if e, ok := err.(*httpcodec.Error); ok && e != nil {
		return e
	}
	return errBadRequest
}
