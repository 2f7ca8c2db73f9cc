package loop

import "errors"

// Errors returned by the package. They are pre-built so the failure paths do not allocate.
var (
	// ErrClosed: the connection is closed (or closing); nothing was sent or posted.
	ErrClosed = errors.New("loop: connection closed")
	// ErrStopped: the server (or the loop) has stopped; the call did nothing.
	ErrStopped = errors.New("loop: stopped")
	// ErrExecutorFull: every executor worker is busy and the queue is full. An HTTP
	// server answers 503.
	ErrExecutorFull = errors.New("loop: executor full")
	// ErrInboundOverflow: more than Config.MaxInbound unconsumed bytes were buffered.
	ErrInboundOverflow = errors.New("loop: inbound buffer overflow")
	// ErrWriteStall: output was pending with no progress for Config.WriteTimeout.
	ErrWriteStall = errors.New("loop: write stalled")
	// ErrTimeout: the connection's deadline passed and its Protocol is not a Timeouter.
	ErrTimeout = errors.New("loop: deadline exceeded")
	// ErrLinger: Close or Shutdown (or the peer's EOF, which closes a protocol without
	// EOFReceived) gave up with output still unsent: it made no progress for
	// Config.WriteTimeout.
	ErrLinger = errors.New("loop: close linger expired with output unsent")
	// ErrEngineStopped is wrapped by the error Wait returns when the engine stopped on
	// its own (for example gnet's accept failing with EMFILE in ReusePort mode).
	ErrEngineStopped = errors.New("loop: engine stopped on its own")
	// ErrStarted: Start was called twice.
	ErrStarted = errors.New("loop: server already started")
	// ErrNotStarted: the call needs a started server.
	ErrNotStarted = errors.New("loop: server not started")
	// ErrBadConsumed: DataReceived returned a count outside [0, len(data)]; the
	// connection is aborted with this error.
	ErrBadConsumed = errors.New("loop: DataReceived returned an invalid count")
	// ErrPanicked: a function running for the connection on its loop (a Protocol method,
	// a Handle.Post function, a timer or CallSoon function scheduled for it) panicked;
	// the panic was logged and the connection aborted.
	ErrPanicked = errors.New("loop: callback panicked")
)

var errNilProtocol = errors.New("loop: nil Protocol")

// errWriteFailed is the close reason of a failed write when its own error was not kept.
var errWriteFailed = errors.New("loop: write failed")
