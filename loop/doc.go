// Package loop is eddy's event-loop runtime, asyncio's model in Go: N single-threaded
// loops (one per GOMAXPROCS) driven by epoll/kqueue through gnet v2, each running every
// callback of its connections, its timers and the functions posted to it, one at a time,
// with no locks on the hot path. It is the only package that imports gnet, and the base
// for custom protocols: implement Protocol, start a Server.
//
//	srv, err := loop.New(loop.Config{Addr: "127.0.0.1:6380"}, func() loop.Protocol { return &echo{} })
//	err = srv.Start()
//	...
//	err = srv.Drain(ctx) // stop accepting, let connections finish, stop
//
// Connections the caller accepted or created itself (socket activation, one end of a
// socketpair, tests) are served with Server.ServeConn; a Config without an Addr starts
// a server that has no listener at all and serves only those.
//
// The layer guards against gnet v2.9.7's behaviours that lose or misroute data: writes
// after close are refused (gnet reuses fd numbers); bytes a protocol leaves unconsumed
// are kept and offered again (gnet is level-triggered); Close flushes before closing
// (gnet truncates); output and input are bounded (gnet has no backpressure); timers,
// deadlines and a coarse clock exist (gnet has none); reading paused long enough really
// stops (gnet cannot stop reading: the connection leaves its poller); the server owns its
// listener so a drain refuses new connections before it closes old ones; an engine that
// stops on its own is reported by Wait.
//
// A peer that half-closes (sends FIN after its request, and keeps reading) gets all its
// output. gnet closes a connection at the peer's EOF, writing only what the kernel takes
// at once, so the layer does not use gnet's output buffer: Write and Writev write to the
// socket themselves and queue (one copy) what the kernel does not take, flushed when the
// kernel signals room (see Flow control). At the EOF, a connection with output queued,
// or whose protocol implements EOFReceiver, is kept alive on a duplicate of its socket,
// outside gnet, until it closes; it still counts in NumConns and MaxConns until then.
//
// # Memory
//
// An idle connection costs the loop a 64-byte Conn and one 16-byte entry in its loop's
// check heap, which is also the loop's connection list; state needed only while output
// is pending or while closing is kept aside for those connections alone. The heaps grow
// in fixed chunks, so a burst of accepts leaves no old arrays behind. Beside that, gnet
// keeps 256 bytes per connection and the remote address it takes from the accepted
// net.TCPConn (80 bytes); its copy of the local address is replaced by one the loop's
// connections share, and its UDP-only copy of the remote one is cleared, when gnet is
// the release the loop was checked against (v2.9.7). TestIdleConnMemory holds the whole
// under 512 bytes of heap. A protocol that hands its connection to another
// (Conn.SetProtocol, as HTTP does at a WebSocket upgrade) is not kept.
//
// # Writing a protocol
//
// A protocol is a type with the three Protocol methods, made once per connection by the
// Factory given to New. Everything about one connection happens on its loop, one call
// at a time, so a protocol keeps its state in plain fields, without locks:
//
//	type session struct{ out []byte }
//
//	func (s *session) ConnectionMade(c *loop.Conn)      { c.SetDeadlineAfter(time.Minute) }
//	func (s *session) ConnectionLost(*loop.Conn, error) {}
//	func (s *session) DataReceived(c *loop.Conn, data []byte) int {
//		n := 0
//		for {
//			i := bytes.IndexByte(data[n:], '\n')
//			if i < 0 {
//				break // an incomplete line: leave it, it is offered again with more
//			}
//			s.out = append(s.out, data[n:n+i+1]...) // answer the line (here: echo it)
//			n += i + 1
//		}
//		_ = c.Write(s.out) // one write for everything this call parsed
//		s.out = s.out[:0]
//		c.SetDeadlineAfter(time.Minute) // an idle timeout
//		return n
//	}
//
//	srv, _ := loop.New(loop.Config{Addr: ":7000"}, func() loop.Protocol { return &session{} })
//	err := srv.Run(context.Background(), 25*time.Second) // serve until SIGINT/SIGTERM, then drain
//
// The contract:
//
//   - ConnectionMade runs first, once; ConnectionLost last, once, with nil for a clean
//     close (ours or the peer's EOF) or the cause (ErrTimeout, ErrWriteStall,
//     ErrInboundOverflow, ErrPanicked, a socket error). It is never called from inside
//     another call on the connection.
//   - DataReceived is offered every unconsumed byte and returns how many it consumed
//     from the front. While it consumes something and bytes remain, it is called again
//     at once with the rest, so it may parse one message per call or all of them. What
//     it leaves is kept (copied out of gnet's reach when needed) and offered again, with
//     the new bytes behind it, on the next arrival.
//   - Optional interfaces add events: EOFReceiver (the peer half-closed; answer, then
//     Close; a pipelining protocol that pauses reading needs it to answer what was
//     still unread at the EOF), WriteFlow (the outbound buffer passed Config.HighWater, then fell to
//     Config.LowWater), Timeouter (the deadline passed; without it the connection is
//     aborted), Drainer (the server drains: close when idle).
//
// # Ownership
//
// The data given to Protocol.DataReceived is loop memory: valid until the call returns;
// copy it to keep it. Bytes the protocol does not consume are kept by the connection
// (not by reference to data) and offered again. Write and Writev copy what the kernel
// does not take at once, so callers may reuse their buffers when the call returns.
// SendFile takes the file it is given: the connection sends its bytes with sendfile(2)
// (never through user space), in order with the writes around it, and closes it once
// they are sent or dropped (the connection closed first); a piece of it not in the page
// cache is read into it by an executor job first, so the loop does not wait for the disk
// (except when the executor refuses the job, or a page is evicted between the check
// and the send). A Conn must not be used after
// ConnectionLost returned, except through its Handle (which reports ErrClosed).
//
// A message that arrives in many pieces (a large value) is best consumed as it
// arrives, into the protocol's own buffer: each byte is then copied once, and with
// ReadDirect (a DataReceived that consumes all it was offered reads what the socket
// holds straight into that buffer) not even that: the bytes skip gnet. A protocol
// that needs the message whole calls SetReceiveHint with its size and returns 0: it is
// not offered again until that many bytes are buffered, and gnet is not asked to
// rebuild a contiguous view of everything buffered on every arrival (which costs the
// square of the size over the read size).
//
// # Flow control
//
// Output: Write sends at once what the kernel takes and queues the rest, flushed as soon
// as the kernel signals room (the server's own epoll instance watches queued sockets for
// EPOLLOUT: gnet keeps its own to itself), and retried from the connection's timer as a
// fallback (every millisecond while the peer reads fast, backing off to every 64 ms). A
// WriteFlow protocol is told when the queue passes HighWater and when it falls to
// LowWater; a peer that reads nothing for Config.WriteTimeout is aborted with
// ErrWriteStall (ErrLinger if it was closing: Close and Shutdown flush under the same
// bound). A pipelining protocol pauses reading in PauseWriting and resumes it in
// ResumeWriting, so a client that does not read its replies stops being read.
//
// Input: PauseReading stops DataReceived calls until the matching ResumeReading. Pauses
// are counted, so independent reasons (output waiting, an executor job under way, an
// application limit) each hold one and reading resumes when the last is released. A
// paused connection that keeps receiving is taken out of gnet's poller once 64 KiB are
// buffered (gnet itself cannot stop reading): the kernel stops reading for it and TCP's
// window closes, so a client may pipeline any number of requests before it reads a reply
// and is served in full with bounded memory (LoopStats.Parks counts these). Unconsumed
// input is bounded by Config.MaxInbound, or SetMaxInbound per connection; past it the
// connection is aborted with ErrInboundOverflow.
//
// # Timers and deadlines
//
// Each connection has one deadline (SetDeadline on the Time scale, SetDeadlineAfter
// relative to now): when it passes, Timeouter.Timeout runs, or the connection is aborted.
// Moving it is a field write. Loop.CallLater and CallAt schedule functions on a loop (a
// Timer, cancellable); Loop.CallLaterThreadsafe and Server.CallLater do it from any
// goroutine, for work that belongs to no connection. Loop.Time is the loop's coarse
// monotonic clock; Loop.Second the wall clock's Unix second (for dates and expiry).
//
// # Executor
//
// Blocking work (disk, DNS, a database) goes to Conn.RunInExecutor(job, done): job runs
// on a pool goroutine, done on the connection's loop afterwards, and only if the
// connection is still open (its answer has nobody to go to otherwise). Loop.RunInExecutor
// is the same for work of no connection. ErrExecutorFull says the pool and its queue are
// full (answer "busy"); pause reading while a job is under way if the protocol must not
// parse ahead of it.
//
// # Drain
//
// Server.Drain (and Server.Run on SIGINT or SIGTERM) stops accepting, calls
// Drainer.Drain on every connection (or Close, which flushes), and waits for them to
// close, then stops. A Drainer closes at once when no request is under way, else when
// the one under way is answered.
//
// # Examples
//
// examples/resp in eddy's repository is a Redis-protocol server on this package
// (pipelining, backpressure through WriteFlow); examples/memcache a memcached
// text-protocol server (every command of memcached's text protocol, large values
// consumed as they arrive, pipelined clients that do not read, an idle timeout, a
// drain), checked byte for byte against a real memcached and measured against it and
// against the same engine on raw gnet.
//
// # Goroutines
//
// Each Loop is one goroutine. Protocol methods, Timer functions, CallSoon and
// CallSoonThreadsafe functions, Handle.Post functions and RunInExecutor done functions
// all run on the loop of their connection, one at a time, and must not block. A panic
// in any of them is recovered on the loop: it is logged with its stack and counted
// (LoopStats.Panics), the connection the function worked for is aborted
// (ConnectionLost gets ErrPanicked), and the loop goes on; a protocol that answers a
// panic of its DataReceived itself implements DataRecoverer. Methods
// documented "Loop-only" may be called only there; methods documented "Safe for
// concurrent use" may be called from any goroutine. To reach a connection from another
// goroutine, use its Handle. Blocking work goes to RunInExecutor (a bounded pool);
// dialing runs off the loop (Loop.Dial) and the new connection is enrolled on the loop
// you choose, so a client's upstream connection can share the loop of the downstream
// one.
//
// Built with the eddydebug tag (go test -tags eddydebug), the Loop-only methods that
// change state (Conn writes, closes, deadlines and reading, CallSoon, CallAt and
// CallLater, Timer.Cancel, Annotate, Dial) panic when called from a goroutine other than
// their loop's; Loop.AssertLoopOnly puts the same check in a protocol's own methods.
// Without the tag the checks compile to nothing.
//
// Besides the loops, a Server runs one driver goroutine (timer wake-ups, the wall
// clock's second, the watchdog), one accept goroutine and 16 enrollers that hand its
// connections to the loops (unless Config.ReusePort, or without an Addr), each to the
// loop with the fewest connections, counting those on their way (gnet's shared worker
// pool does each hand-over: at most one task per enroller at a time), and the
// executor's workers, plus the spares that stand in for
// workers waiting in BlockingWait (at most Config.PoolSpare). No goroutine or time.Timer is created per connection or
// per request: a connection whose output waits for the peer is retried from its loop's
// timer heap, by its loop.
//
// # Latency: what a loop must never wait behind
//
// A loop's goroutine holds a Go scheduler P while it runs. With GOMAXPROCS=1 (every
// one-CPU container) it holds the only one, and every other goroutine that becomes
// runnable takes that P away from it: the Go scheduler hands the P over while the loop
// sits in a system call (a read, a write, epoll_wait), and the loop, when the call
// returns, waits on the run queue, often moved to another thread, which then has to be
// scheduled by the kernel. One such wait costs microseconds on an idle machine and up to
// a kernel time slice (milliseconds) on a busy one; a few hundred a second showed as
// p99 latency. So the layer keeps the loop's P to itself while it serves:
//
//   - Nothing wakes on a clock. Each callback reads the monotonic clock itself (one vDSO
//     call) for Time and deadlines; the driver sleeps until the earliest deadline of any
//     loop, or the next wall-clock second while callbacks run (Second), and an idle
//     server makes no wake-ups at all. A connection's deadline moves with a field write,
//     not a timer, so the earliest deadline is rarely sooner than a timeout.
//   - Posting to a loop (CallSoonThreadsafe, Handle.Post, executor completions) wakes it
//     once per batch through its own poller (an eventfd), never through a goroutine.
//   - Write and Writev make raw system calls: the socket is non-blocking, so the write
//     cannot block, and the loop keeps its P through it (the scheduler is not told, and
//     does not hand the P over, as it may during a read or epoll_wait through gnet).
//   - No lock the loop takes is held across work by another goroutine: the post queue's
//     mutex guards a slice swap.
//   - The accept goroutine runs only when a connection arrives, the executor's workers
//     only when a job was given to them.
//   - A new connection does not wait behind the others' traffic one by one: handing it
//     to a loop takes one iteration of that loop, so the accept goroutine passes them to
//     16 enrollers that hand them over side by side instead of one after another. 512
//     connections arriving while 256 others kept the loops busy waited up to 0.5-1.8 s
//     for their first response before, 0.17-0.42 s after with one loop, 0.07-0.12 s
//     with two (a raw gnet server, whose loops accept themselves: 0.04-0.10 s).
//
// The other side of keeping the P: a loop under load never blocks (every epoll_wait
// finds work), so with as many Ps as loops no other goroutine would run until the
// runtime preempted the loop, after 10 ms. Handing a connection over takes several
// goroutines in turn (the accept goroutine, an enroller, gnet's pool worker), so 128 new
// connections took 71-107 ms to reach a busy loop, and wrk measured p99 latencies of
// tens of milliseconds for whole runs. A loop therefore yields its P (runtime.Gosched,
// counted in LoopStats.Yields) before a callback once a millisecond, and before every
// callback while an accepted connection is on its way to a loop: 2.3-3.6 ms for the
// same 128 connections.
//
// What remains is the application's to keep off the loop's P: executor jobs
// (RunInExecutor) and any goroutine the application starts compete with the loops for
// GOMAXPROCS Ps, so a busy pool on one CPU delays the loop by its jobs' run time; give
// such a process more than one CPU, or fewer loops than GOMAXPROCS. Garbage collection
// runs on the same Ps: a protocol that allocates per request pays in pauses as well as
// in CPU.
package loop
