package h1

import (
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/eddy-go/eddy/loop"
)

// Pool bounds: what a loop keeps for reuse after a burst.
const (
	maxKeptBuffer    = 64 << 10 // larger buffers are dropped on release, not pooled
	maxFreeExchanges = 1024     // free exchanges kept per loop
	maxKeptOutput    = 1 << 20  // a larger per-loop output buffer is dropped after a write
)

// engine is shared by every connection of a server.
type engine struct {
	cfg Config
	h   Handler
	d   DirectServer // h, when it is one

	mu    sync.Mutex
	loops atomic.Pointer[[]*loopState] // indexed by Loop.Index; grown copy-on-write

	// unbound is every new conn's loopState until ConnectionMade binds the
	// loop's: it only carries e, so conn needs no engine pointer of its own.
	unbound loopState
}

// loopState is what one loop shares between its connections. Loop-only.
type loopState struct {
	e *engine
	l scheduler // the *loop.Loop (a fake in the socketless tests)
	// loop is l as its concrete type (nil under the fake), so the calls made
	// for every request (Annotate, Time) are direct and inlined instead of
	// interface calls: about 50 instructions a request.
	loop *loop.Loop

	// out collects the responses of one batch for outConn; it is handed to
	// the connection in one Conn.Write. Saves a syscall per response.
	out     []byte
	outConn *conn

	free []*Exchange // recycled exchanges, LIFO
	// spare is the free exchange handed out first, before free's: the one
	// a bare request answered at once takes and gives back (beginBare),
	// two pointer stores instead of the list's shrink and append.
	spare *Exchange

	// bodyBytes is the capacity of the buffers of bodies still arriving on
	// this loop (the sum of their Exchange.held), bounded by
	// Config.BodyBudget.
	bodyBytes int64

	// peerConn is the connection whose DataReceived runs or ran last, and
	// peerLC its *loop.Conn (nil under the tests' fake transport), set as
	// DataReceived starts: see known.
	peerConn *conn
	peerLC   *loop.Conn

	// addrConn's remote address and PROXY header, asked once per run of
	// requests from one connection rather than once per request (about 40
	// instructions): they do not change while the connection lives.
	// ConnectionLost forgets a connection that goes.
	addrConn  *conn
	peer      net.Addr
	peerProxy *loop.ProxyHeader

	// pre is the cached start of a 200 head (status line, Server, Date) for
	// the wall-clock second preSec; see rebuildPrefix.
	pre    []byte
	preSec int64
	sec    int64         // the second current last read
	secAt  time.Duration // the loop time it was read at

	// hot is the whole head of the loop's last plain response (status 200,
	// no header lines but hotLead, Content-Length hotClen, HTTP/1.1
	// keep-alive) for the second preSec: the next one like it is one copy
	// (see Exchange.RespondLead). hotClen < 0: none.
	hot     []byte
	hotLead string
	hotClen int64
	hotCL   int           // where hot's Content-Length line starts: hot for another length is hot[:hotCL] and a new line
	hotAt   time.Duration // the loop time at which current last held (hotCurrent); -1: none

	// resume is, while DirectServer.ServeDirect runs, the offset in the
	// batch's input just past its exchange's head (where unwind goes on
	// when ServeDirect panics), 0 outside it; serving is that exchange
	// (left as it is once ServeDirect returns, and stored again only when
	// it changes, which spares the write barrier's test of two pointer
	// stores a request; DataReceived clears it at the batch's end, so no
	// exchange is kept past its batch).
	serving *Exchange
	resume  int
	in      []byte // the input of the running DataReceived, for unwind (set and cleared by that call)

	// drainBy is the loop time at which the loop's idle connections close
	// while the server drains (its first Drain call plus DrainIdleGrace):
	// one for the loop, not a field of every connection. 0: not draining.
	drainBy time.Duration
}

// NewFactory returns the loop.Factory for a server: one engine connection
// per accepted connection. It panics if h is nil.
func NewFactory(cfg Config, h Handler) loop.Factory {
	if h == nil {
		panic("h1: nil Handler")
	}
	e := newEngine(cfg, h)
	return func() loop.Protocol { return &conn{ls: &e.unbound} }
}

// newEngine returns the engine for cfg and h.
func newEngine(cfg Config, h Handler) *engine {
	e := &engine{cfg: cfg.Normalized(), h: h}
	e.d, _ = h.(DirectServer)
	e.unbound.e = e
	return e
}

// loopState returns l's state, creating it on first use. The fast path is
// one atomic load and an index.
func (e *engine) loopState(l *loop.Loop) *loopState {
	i := l.Index()
	if p := e.loops.Load(); p != nil && i < len(*p) && (*p)[i] != nil {
		return (*p)[i]
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	var cur []*loopState
	if p := e.loops.Load(); p != nil {
		cur = *p
	}
	if i < len(cur) && cur[i] != nil {
		return cur[i]
	}
	n := len(cur)
	if i >= n {
		n = i + 1
	}
	next := make([]*loopState, n)
	copy(next, cur)
	next[i] = &loopState{e: e, l: l, loop: l, hotAt: -1}
	e.loops.Store(&next)
	return next[i]
}

// peek returns the exchange the next acquire will hand out, so the parser
// can fill its Request before the engine knows the head is complete; a
// head that is not complete leaves it in the free list.
func (ls *loopState) peek() *Exchange {
	if x := ls.spare; x != nil {
		return x
	}
	if len(ls.free) == 0 {
		ls.free = append(ls.free, newExchange(ls))
	}
	return ls.free[len(ls.free)-1]
}

// acquire takes the exchange peek returned.
func (ls *loopState) acquire() *Exchange {
	x := ls.peek()
	ls.take()
	return x
}

// take removes the exchange peek returned (the spare, else the last of the
// free list) from the free exchanges, when peek ran
// since the list last changed (the parser's turn in consume): acquire
// without its call and its second peek.
func (ls *loopState) take() {
	if ls.spare != nil {
		ls.spare = nil
		return
	}
	n := len(ls.free) - 1
	ls.free[n] = nil
	ls.free = ls.free[:n]
}

// recycle returns x to the free list.
func (ls *loopState) recycle(x *Exchange) {
	x.reset()
	if len(ls.free) < maxFreeExchanges {
		ls.free = append(ls.free, x)
	}
}

// peerOf returns c's remote address and PROXY header. Loop-only.
func (ls *loopState) peerOf(c *conn) (net.Addr, *loop.ProxyHeader) {
	if ls.addrConn != c {
		ls.setPeer(c)
	}
	return ls.peer, ls.peerProxy
}

// setPeer makes c the connection peerOf names: peerOf's work when c is
// not it already, out of line so that peerOf inlines. The *loop.Conn is
// usually known already (c's DataReceived runs): no type check.
//
//go:noinline
func (ls *loopState) setPeer(c *conn) {
	ls.addrConn = c
	lc := ls.known(c)
	if lc == nil {
		lc, _ = c.lc.(*loop.Conn)
	}
	if lc != nil {
		ls.peer, ls.peerProxy = lc.RemoteAddr(), lc.ProxyHeader()
		return
	}
	ls.peer, ls.peerProxy = c.lc.RemoteAddr(), nil // the tests' fake has no PROXY header
}

// current reports whether the cached prefix ls.pre (and ls.hot with it)
// is for the loop's wall-clock second (Loop.Second), which it leaves in
// ls.sec. The second is read once per callback (the loop's Time changes
// with every callback), not once per response. Loop-only.
func (ls *loopState) current() bool {
	if l := ls.loop; l == nil || l.Time() != ls.secAt {
		ls.readSecond()
	}
	return ls.sec == ls.preSec && ls.pre != nil
}

// hotCurrent is current for RespondLead's cached head: when it holds, it
// records the loop time, so that the callback's later responses skip it.
// Loop-only.
func (ls *loopState) hotCurrent() bool {
	l := ls.loop
	if l == nil {
		return ls.current() // the tests' fake loop
	}
	// current and readSecond written out, with Loop.Second inlined: one
	// call instead of four (about 40 instructions a keep-alive request,
	// whose callback reads the second each time).
	if t := l.Time(); t != ls.secAt {
		ls.secAt = t
		ls.sec = l.Second()
	}
	if ls.sec != ls.preSec || ls.pre == nil {
		return false
	}
	ls.hotAt = l.Time()
	return true
}

// readSecond is current's read of the second.
func (ls *loopState) readSecond() {
	if l := ls.loop; l != nil {
		ls.secAt = l.Time()
		ls.sec = l.Second()
		return
	}
	ls.sec = ls.l.Second() // the tests' fake loop
}

// now is the loop's clock (Loop.Time), read directly from the real loop:
// an inlined field load instead of an interface call, a few times per
// request. Loop-only.
func (ls *loopState) now() time.Duration {
	if l := ls.loop; l != nil {
		return l.Time()
	}
	return ls.l.Time()
}
