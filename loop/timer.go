package loop

import (
	"math"
	"time"
)

// Timer is a function scheduled with CallLater or CallAt.
type Timer struct {
	fn    func()
	l     *Loop
	owner *Conn // the connection it works for (Loop.running when scheduled); nil: none
	at    time.Duration
	hidx  int32 // index in the heap; -1 = not scheduled (fired or cancelled)
}

// Cancel stops t from running; it does nothing if t already ran or was cancelled.
// Loop-only.
func (t *Timer) Cancel() {
	if t == nil || t.hidx < 0 {
		return
	}
	t.l.own.check("Timer.Cancel")
	t.l.timers.remove(int(t.hidx))
}

func (t *Timer) setHidx(i int32) { t.hidx = i }

// When is the time t fires, on the Time scale. Loop-only.
func (t *Timer) When() time.Duration { return t.at }

// CallLater runs fn on this loop after d (measured from a fresh clock read, not from
// Time, which was read when the running callback started). A panic in fn is recovered and logged (the loop goes on); if CallLater
// was called for a connection (in its Protocol callback, or in a function scheduled
// from one), that connection is aborted and its ConnectionLost gets ErrPanicked.
// Loop-only.
func (l *Loop) CallLater(d time.Duration, fn func()) *Timer {
	now := l.srv.now()
	if now > l.now {
		l.now = now
	}
	return l.CallAt(now+d, fn)
}

// CallAt runs fn on this loop at t on the Time scale (a past t runs on the next timer
// pass). Panics are handled as for CallLater. Loop-only.
func (l *Loop) CallAt(t time.Duration, fn func()) *Timer {
	l.own.check("Loop.CallAt")
	tm := &Timer{fn: fn, l: l, owner: l.running, at: t, hidx: -1}
	l.timers.push(t, tm)
	l.published(t)
	return tm
}

// never is the time of a connection's check entry when nothing is due.
const never = time.Duration(math.MaxInt64)

// heapEntry is one timer-heap entry: 16 bytes. Timers and connection checks live in two
// heaps of their own rather than in one heap of {at, *Timer, *Conn} entries, which would
// cost 24 bytes for each idle keep-alive connection instead of 16.
type heapEntry[P heaped] struct {
	at time.Duration
	p  P
}

// heaped is what a timer heap holds: *Timer or *Conn, which record their index.
type heaped interface{ setHidx(i int32) }

// timerHeap is a binary min-heap on at, touched only by its loop. Entries record their
// index so Cancel and Conn deadline moves are O(log n). With keep-alive deadlines every
// idle connection has an entry, so the entries live in chunks (no growth garbage).
type timerHeap[P heaped] struct{ items chunks[heapEntry[P]] }

func (h *timerHeap[P]) len() int { return h.items.len() }

// next is the time of the earliest entry, or never when the heap is empty.
func (h *timerHeap[P]) next() time.Duration {
	if h.items.len() == 0 {
		return never
	}
	return h.items.at(0).at
}

// when is the time of entry i.
func (h *timerHeap[P]) when(i int32) time.Duration { return h.items.at(int(i)).at }

func (h *timerHeap[P]) swap(i, j int) {
	a, b := h.items.at(i), h.items.at(j)
	*a, *b = *b, *a
	a.p.setHidx(int32(i))
	b.p.setHidx(int32(j))
}

func (h *timerHeap[P]) less(i, j int) bool { return h.items.at(i).at < h.items.at(j).at }

func (h *timerHeap[P]) push(at time.Duration, p P) {
	i := h.items.push(heapEntry[P]{at: at, p: p})
	p.setHidx(int32(i))
	h.up(i)
}

// pop removes the earliest entry, marks it unscheduled and returns it.
func (h *timerHeap[P]) pop() P {
	p := h.items.at(0).p
	h.remove(0)
	return p
}

func (h *timerHeap[P]) remove(i int) {
	last := h.items.len() - 1
	it := h.items.at(i)
	it.p.setHidx(-1)
	if i != last {
		*it = *h.items.at(last)
		it.p.setHidx(int32(i))
	}
	h.items.pop()
	if i < last {
		if !h.down(i) {
			h.up(i)
		}
	}
}

func (h *timerHeap[P]) fix(i int, at time.Duration) {
	h.items.at(i).at = at
	if !h.down(i) {
		h.up(i)
	}
}

func (h *timerHeap[P]) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !h.less(i, p) {
			return
		}
		h.swap(p, i)
		i = p
	}
}

func (h *timerHeap[P]) down(i int) bool {
	start := i
	n := h.items.len()
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		m := l
		if r := l + 1; r < n && h.less(r, l) {
			m = r
		}
		if !h.less(m, i) {
			break
		}
		h.swap(i, m)
		i = m
	}
	return i > start
}

// published tells the driver about a new deadline if it is the loop's earliest.
func (l *Loop) published(at time.Duration) {
	if int64(at) < l.nextAt.Load() {
		l.nextAt.Store(int64(at))
		l.srv.driver.poke(at)
	}
}

// runTimers is the task the driver posts when the loop's earliest deadline passed.
func (l *Loop) runTimers() {
	l.enter()
	l.timerPosted.Store(false)
	now := l.srv.now()
	l.now = now
	if p := l.postedAt.Load(); p != 0 {
		l.stats.noteLag(now - time.Duration(p))
	}
	// Entries added at or before now by the functions run here wait for the next pass,
	// so a timer that re-arms itself in the past cannot hold the loop.
	for budget := l.timers.len() + l.checks.len(); budget > 0; {
		budget = l.fireDue(now, budget)
	}
	next := int64(min(l.timers.next(), l.checks.next()))
	l.nextAt.Store(next)
	l.stats.timers.Store(int64(l.timers.len() + l.checks.len()))
	if next != math.MaxInt64 {
		l.srv.driver.poke(time.Duration(next))
	}
	l.exit()
}

// fireDue runs due entries, at most budget of them, under one recover, and returns the
// budget left: 0 when nothing more is due, or what remains after an entry panicked (the
// panic is handled by panicked; the caller goes on with the next entry).
func (l *Loop) fireDue(now time.Duration, budget int) (left int) {
	depth, cur, run := l.depth, l.cur, l.running
	defer func() {
		if v := recover(); v != nil {
			l.depth, l.cur = depth, cur
			l.panicked(v)
			left = budget - 1
		}
		l.running = run
	}()
	for ; budget > 0; budget-- {
		tn, cn := l.timers.next(), l.checks.next()
		if min(tn, cn) > now {
			break
		}
		l.stats.timersFired.Add(1)
		if tn <= cn {
			t := l.timers.pop()
			l.running = t.owner
			t.fn()
		} else {
			c := l.checks.pop()
			l.running = c
			c.onTimer(now)
		}
	}
	return 0
}
