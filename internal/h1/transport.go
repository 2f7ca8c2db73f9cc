package h1

import (
	"net"
	"time"

	"github.com/eddy-go/eddy/loop"
)

// transport is what the engine uses of its connection: *loop.Conn in
// production, a fake in the tests that drive the connection's state machine
// without sockets. Every method is called on the connection's loop only.
// The engine makes one call per write, per batch or per state change, never
// per byte, so the interface costs an indirect call where a direct one was.
type transport interface {
	Write(p []byte) error
	Writev(bufs [][]byte) error
	Close() error
	Shutdown() error
	Abort()
	PauseReading()
	ResumeReading()
	SetDeadline(t time.Duration)
	Closed() bool
	RemoteAddr() net.Addr
}

// scheduler is what the engine uses of its loop: *loop.Loop in production,
// a seeded deterministic fake in the tests. Time, Second and CallSoon are
// called on the loop only; CallSoonThreadsafe,
// RunInExecutor's job side and BlockingWait from other goroutines too.
type scheduler interface {
	Time() time.Duration
	Second() int64
	CallSoon(fn func())
	CallSoonThreadsafe(fn func()) error
	RunInExecutor(job, done func()) error
	BlockingWait(wait func())
}

var (
	_ transport = (*loop.Conn)(nil)
	_ scheduler = (*loop.Loop)(nil)
)
