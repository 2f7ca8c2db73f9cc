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
