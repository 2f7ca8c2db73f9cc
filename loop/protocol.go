package loop

// Factory makes the Protocol for one accepted connection. It runs on the connection's
// loop, once per connection.
type Factory func() Protocol

// Protocol is asyncio's protocol: the callbacks of one connection. Every method runs on
// the connection's loop goroutine and must not block.
type Protocol interface {
	// ConnectionMade is called once, first.
	ConnectionMade(c *Conn)
	// DataReceived is offered every unconsumed inbound byte. data is loop memory, valid
	// until the call returns; copy it to keep it. It returns how many bytes it consumed
	// from the front of data. While it consumes something and bytes remain, it is called
	// again at once with the rest (so a protocol may parse one message per call). The
	// unconsumed rest stays buffered and is offered again, with new bytes appended, on the
	// next arrival or after ResumeReading.
	DataReceived(c *Conn, data []byte) (consumed int)
	// ConnectionLost is called exactly once, last, never from inside another call on c
	// (it is scheduled with CallSoon). err is nil for a clean close (ours or the peer's
	// EOF), else the cause: ErrStopped, ErrTimeout, ErrWriteStall, ErrInboundOverflow, a
	// socket error...
	ConnectionLost(c *Conn, err error)
}

// EOFReceiver is implemented by protocols that answer after the peer's EOF (asyncio's
// eof_received): a peer that half-closes (shuts down its write side, as HTTP/1.0 tools,
// "nc -N" and some proxies do after their request) may still read everything written to
// it. EOFReceived runs once, on the loop, after every byte the peer sent before its EOF
// was offered to DataReceived (while reading is paused it waits for ResumeReading; what
// DataReceived leaves unconsumed then can never complete). The connection stays open for
// writes, timers and deadlines, Close, Shutdown (which then closes once the output is
// flushed: there is no EOF left to wait for) and Abort; ConnectionLost runs once it
// closes. The protocol must close it when it has nothing more to send: the peer will not.
//
// Without it, the peer's EOF closes the connection: at once if no output is queued, else
// after the queued output is flushed (bounded by Config.WriteTimeout), as Close does; writes
// after the EOF then return ErrClosed; input not yet offered (reading was paused) is
// dropped. Either way ConnectionLost gets nil. A pipelining protocol that pauses reading
// therefore implements it, closing in EOFReceived: a client that sends its requests and
// half-closes then gets every reply.
type EOFReceiver interface {
	EOFReceived(c *Conn)
}

// WriteFlow is implemented by protocols that want asyncio's flow control: PauseWriting
// when the outbound buffer passes Config.HighWater, ResumeWriting when it falls to
// Config.LowWater again. Both run on the loop.
type WriteFlow interface {
	PauseWriting(c *Conn)
	ResumeWriting(c *Conn)
}

// Timeouter is implemented by protocols that handle their own deadline (Conn.SetDeadline).
// Without it, a passed deadline aborts the connection with ErrTimeout. Runs on the loop.
type Timeouter interface {
	Timeout(c *Conn)
}

// Drainer is implemented by protocols that finish their work before closing when the
// server drains: Drain asks the protocol to close c as soon as it is idle. Without it,
// Drain calls c.Close (which flushes pending output). Runs on the loop.
type Drainer interface {
	Drain(c *Conn)
}

// DataRecoverer is implemented by protocols that recover some panics of their own
// DataReceived, for the price of the recover the loop pays anyway (one deferred call per
// arrival, not one per DataReceived call and another in the protocol). When a
// DataReceived or EOFReceived call for c panics with v, the loop first asks DataPanicked,
// on the loop, for c: a protocol that handles v (a panic of its DataReceived that it
// answers itself, such as an application handler's that it turns into an error response)
// returns how many bytes that DataReceived call consumed and true, and the loop goes on
// as if DataReceived had returned n: it is offered the rest, then EOFReceived as usual.
// Any other panic (false: the protocol does not know it, or it came from EOFReceived) is
// handled as every callback's panic is: logged, counted, and c is aborted with
// ErrPanicked. The stack the loop logs is still the panic's, since DataPanicked runs while
// the panic unwinds. A panic inside DataPanicked is the loop's (it aborts c); one of
// the calls after it is asked about in turn.
type DataRecoverer interface {
	DataPanicked(c *Conn, v any) (consumed int, ok bool)
}
