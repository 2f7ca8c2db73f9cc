package client

import (
	"slices"
	"sync/atomic"

	"github.com/eddy-go/eddy/loop"
)

// loopPool is the session's state on one loop: its idle connections and waiting
// requests per host. Only that loop touches it, so it needs no lock. The limits
// are session-wide counters (atomics) shared by every loop's pool.
type loopPool struct {
	s     *Session
	l     *loop.Loop
	hosts map[string]*hostPool
	conns map[*pconn]struct{} // every connection of the session on this loop

	// byHost remembers the pool of a URL's host ("example.com", "[::1]:8080")
	// so a request to a host met before costs no allocation for its address
	// and key; bounded by maxByHost (cleared when full), checked against hosts.
	byHost map[string]*hostPool
	heads  [][]byte // request head buffers free for reuse (at most maxHeads)
	calls  []*call  // StartView's ended calls, free for reuse (at most maxFreeCalls)

	// The pool and URL host knownHost found last, checked before byHost.
	lastHost    *hostPool
	lastURLHost string
}

const (
	maxByHost   = 64
	maxHeads    = 64
	maxHeadKept = 4 << 10 // a larger head buffer is left to the garbage collector
)

// hostPool holds one host's idle connections (most recently used last) and its
// waiting exchanges (first come, first served) on one loop.
type hostPool struct {
	key     string
	addr    string // host:port dialed
	ctr     *hostCount
	idle    []*pconn
	wait    []*exchange
	conns   int  // connections of this host on this loop (ConnectionMade to ConnectionLost)
	dialing int  // dials in flight
	gone    bool // tidy forgot the pool: the loop pool holds it no more
}

// hostCount is a host's session-wide counters.
type hostCount struct {
	key     string
	refs    int          // loop pools holding the host; guarded by Session.countMu
	open    atomic.Int64 // connections open or being dialed
	waiting atomic.Int64 // exchanges waiting for a slot, on any loop
}

func newLoopPool(s *Session, l *loop.Loop) *loopPool {
	return &loopPool{s: s, l: l, hosts: make(map[string]*hostPool), conns: make(map[*pconn]struct{}),
		byHost: make(map[string]*hostPool)}
}

// host returns the pool of key (dialing addr), making it if needed. Loop-only.
func (lp *loopPool) host(key, addr string) *hostPool {
	hp := lp.hosts[key]
	if hp == nil {
		hp = &hostPool{key: key, addr: addr, ctr: lp.s.hostCount(key)}
		lp.hosts[key] = hp
	}
	return hp
}

// knownHost returns the pool a URL host was remembered with, if it still
// holds the host; nil otherwise. Loop-only.
func (lp *loopPool) knownHost(urlHost string) *hostPool {
	if hp := lp.lastHost; hp != nil && !hp.gone && lp.lastURLHost == urlHost {
		return hp // the host of the last request: no map lookup
	}
	hp := lp.byHost[urlHost]
	if hp != nil && lp.hosts[hp.key] == hp {
		lp.lastHost, lp.lastURLHost = hp, urlHost
		return hp
	}
	return nil
}

// rememberHost remembers hp as the pool of a URL host. Loop-only.
func (lp *loopPool) rememberHost(urlHost string, hp *hostPool) {
	if len(lp.byHost) >= maxByHost {
		clear(lp.byHost)
	}
	lp.byHost[urlHost] = hp
}

// headBuf returns an empty buffer for a request head. Loop-only.
func (lp *loopPool) headBuf() []byte {
	if n := len(lp.heads); n > 0 {
		h := lp.heads[n-1]
		lp.heads[n-1] = nil
		lp.heads = lp.heads[:n-1]
		return h
	}
	return make([]byte, 0, 256)
}

// putHead takes back a head buffer nothing refers to any more. Loop-only.
func (lp *loopPool) putHead(h []byte) {
	if cap(h) <= maxHeadKept && len(lp.heads) < maxHeads {
		lp.heads = append(lp.heads, h[:0])
	}
}

// acquire gives ex a connection: an idle one, a new one if a slot is free, else
// a place in the host's queue. Loop-only.
func (lp *loopPool) acquire(ex *exchange) {
	if lp.hosts[ex.hp.key] != ex.hp { // forgotten meanwhile (a retry): take the current one
		ex.hp = lp.host(ex.hp.key, ex.hp.addr)
	}
	lp.acquireHost(ex)
}

// acquireHost is acquire for an ex whose host pool is current (a hop whose
// exchange was made just now). Loop-only.
func (lp *loopPool) acquireHost(ex *exchange) {
	hp := ex.hp
	ex.trace.getConn(ex.addr)
	if pc := hp.popIdle(); pc != nil {
		pc.start(ex, true)
		return
	}
	ex.c.armTimer() // no connection watches the call's deadline until it has one
	if lp.s.takeSlot(hp.ctr) {
		lp.dial(ex)
		return
	}
	ex.queued = true
	hp.wait = append(hp.wait, ex)
	hp.ctr.waiting.Add(1)
	lp.s.waiting.Add(1)
	lp.s.evictIdle(hp.key, lp)
}

// unqueue removes a waiting ex (timed out or cancelled). Loop-only.
func (lp *loopPool) unqueue(ex *exchange) {
	hp := ex.hp
	for i, w := range hp.wait {
		if w == ex {
			hp.wait = slices.Delete(hp.wait, i, i+1) // zeroes the tail: ex is not kept reachable
			break
		}
	}
	ex.queued = false
	hp.ctr.waiting.Add(-1)
	lp.s.waiting.Add(-1)
	lp.tidy(hp) // a cancelled waiter may have been all that kept hp
}

// shift takes the first waiting exchange of hp, nil if none. Loop-only.
func (lp *loopPool) shift(hp *hostPool) *exchange {
	if len(hp.wait) == 0 {
		return nil
	}
	ex := hp.wait[0]
	hp.wait[0] = nil
	hp.wait = hp.wait[1:]
	if len(hp.wait) == 0 {
		hp.wait = nil
	}
	ex.queued = false
	hp.ctr.waiting.Add(-1)
	lp.s.waiting.Add(-1)
	return ex
}

// release takes back a connection whose response ended cleanly and may be
// reused: to a waiting exchange of its host, else to the idle list (closed if
// the host has waiters on other loops, so they can dial). Loop-only.
func (lp *loopPool) release(pc *pconn) {
	hp := pc.hp
	if lp.s.closed.Load() {
		pc.close()
		return
	}
	if ex := lp.shift(hp); ex != nil {
		pc.start(ex, true)
		return
	}
	if hp.ctr.waiting.Load() > 0 {
		pc.close() // frees a slot for a waiter on another loop
		return
	}
	pc.setIdle()
	hp.idle = append(hp.idle, pc)
}

// popIdle returns the most recently used live idle connection, nil if none.
func (hp *hostPool) popIdle() *pconn {
	for len(hp.idle) > 0 {
		pc := hp.idle[len(hp.idle)-1]
		hp.idle[len(hp.idle)-1] = nil
		hp.idle = hp.idle[:len(hp.idle)-1]
		if !pc.dead && !pc.c.Closed() {
			return pc
		}
	}
	return nil
}

// dropIdle removes pc from the idle list.
func (hp *hostPool) dropIdle(pc *pconn) {
	for i, p := range hp.idle {
		if p == pc {
			hp.idle = append(hp.idle[:i], hp.idle[i+1:]...)
			return
		}
	}
}

// gone forgets a closed connection and frees its slot. Loop-only.
func (lp *loopPool) gone(pc *pconn) {
	if _, ok := lp.conns[pc]; !ok {
		return
	}
	delete(lp.conns, pc)
	pc.hp.dropIdle(pc)
	pc.hp.conns--
	lp.s.freeSlot(pc.hp.ctr) // before tidy may forget the counters
	lp.tidy(pc.hp)
}

// tidy forgets hp once it holds nothing, so a session that met many hosts
// (a server redirecting to ever new ones) keeps no state for the past ones on
// its loops. Loop-only.
func (lp *loopPool) tidy(hp *hostPool) {
	if len(hp.idle) == 0 && len(hp.wait) == 0 && hp.conns == 0 && hp.dialing == 0 && lp.hosts[hp.key] == hp {
		delete(lp.hosts, hp.key)
		hp.gone = true
		lp.s.dropHostCount(hp.ctr)
	}
}

// serveWaiters gives free slots and idle connections to waiting exchanges.
// Loop-only.
func (lp *loopPool) serveWaiters() {
	for _, hp := range lp.hosts {
		for len(hp.wait) > 0 {
			if pc := hp.popIdle(); pc != nil {
				pc.start(lp.shift(hp), true)
				continue
			}
			if !lp.s.takeSlot(hp.ctr) {
				break
			}
			lp.dial(lp.shift(hp))
		}
	}
}

// closeIdleOf closes one idle connection of host key, if any. Loop-only.
func (lp *loopPool) closeIdleOf(key string) {
	if hp := lp.hosts[key]; hp != nil {
		if pc := hp.popIdle(); pc != nil {
			pc.close()
		}
	}
}

// shutdown fails the waiting exchanges and closes every connection (Session.Close).
// Loop-only.
func (lp *loopPool) shutdown() {
	for _, hp := range lp.hosts {
		for ex := lp.shift(hp); ex != nil; ex = lp.shift(hp) {
			ex.fail(ErrClosed)
		}
	}
	for pc := range lp.conns {
		if pc.ex != nil {
			pc.fail(ErrClosed)
		} else {
			pc.close()
		}
	}
}
