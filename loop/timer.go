package loop

import (
	"math"
	"time"
)

// Timer is a function scheduled with CallLater or CallAt.
type Timer struct {
	fn   func()
	l    *Loop
	at   time.Duration
	hidx int32 // index in the heap; -1 = not scheduled (fired or cancelled)
}

// Cancel stops t from running; it does nothing if t already ran or was cancelled.
// Loop-only.
func (t *Timer) Cancel() {
	if t == nil || t.hidx < 0 {
		return
	}
	t.l.timers.remove(int(t.hidx))
}

// When is the time t fires, on the Time scale. Loop-only.
func (t *Timer) When() time.Duration { return t.at }

// CallLater runs fn on this loop after d (measured from a fresh clock read, not the
// coarse Time). Loop-only.
func (l *Loop) CallLater(d time.Duration, fn func()) *Timer {
	now := l.srv.now()
	if now > l.now {
		l.now = now
	}
	return l.CallAt(now+d, fn)
}

// CallAt runs fn on this loop at t on the Time scale (a past t runs on the next timer
// pass). Loop-only.
func (l *Loop) CallAt(t time.Duration, fn func()) *Timer {
	tm := &Timer{fn: fn, l: l, at: t, hidx: -1}
	l.timers.push(timerItem{at: t, t: tm})
	l.published(t)
	return tm
}

// timerItem is one heap entry: a Timer or a connection's single "check me" entry.
type timerItem struct {
	at time.Duration
	t  *Timer
	c  *Conn
}

// timerHeap is a binary min-heap on at, touched only by its loop. Entries record their
// index so Cancel and Conn deadline moves are O(log n). With keep-alive deadlines every
// idle connection has an entry, so the entries live in chunks (no growth garbage).
type timerHeap struct{ items chunks[timerItem] }

func (h *timerHeap) len() int { return h.items.len() }

// first is the earliest entry (len > 0).
func (h *timerHeap) first() *timerItem { return h.items.at(0) }

// when is the time of entry i.
func (h *timerHeap) when(i int32) time.Duration { return h.items.at(int(i)).at }

func setIdx(it *timerItem, i int) {
	if it.t != nil {
		it.t.hidx = int32(i)
	} else {
		it.c.hidx = int32(i)
	}
}

func (h *timerHeap) swap(i, j int) {
	a, b := h.items.at(i), h.items.at(j)
	*a, *b = *b, *a
	setIdx(a, i)
	setIdx(b, j)
}

func (h *timerHeap) less(i, j int) bool { return h.items.at(i).at < h.items.at(j).at }

func (h *timerHeap) push(it timerItem) {
	i := h.items.push(it)
	setIdx(h.items.at(i), i)
	h.up(i)
}

// pop removes the earliest entry and marks it unscheduled.
func (h *timerHeap) pop() timerItem {
	it := *h.items.at(0)
	h.remove(0)
	return it
}

func (h *timerHeap) remove(i int) {
	last := h.items.len() - 1
	it := h.items.at(i)
	if it.t != nil {
		it.t.hidx = -1
	} else {
		it.c.hidx = -1
	}
	if i != last {
		*it = *h.items.at(last)
		setIdx(it, i)
	}
	h.items.pop()
	if i < last {
		if !h.down(i) {
			h.up(i)
		}
	}
}

func (h *timerHeap) fix(i int, at time.Duration) {
	h.items.at(i).at = at
	if !h.down(i) {
		h.up(i)
	}
}

func (h *timerHeap) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !h.less(i, p) {
			return
		}
		h.swap(p, i)
		i = p
	}
}

func (h *timerHeap) down(i int) bool {
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
	for budget := l.timers.len(); budget > 0 && l.timers.len() > 0 && l.timers.first().at <= now; budget-- {
		it := l.timers.pop()
		l.stats.timersFired.Add(1)
		if it.t != nil {
			it.t.fn()
		} else {
			it.c.onTimer(now)
		}
	}
	next := int64(math.MaxInt64)
	if l.timers.len() > 0 {
		next = int64(l.timers.first().at)
	}
	l.nextAt.Store(next)
	l.stats.timers.Store(int64(l.timers.len()))
	if next != math.MaxInt64 {
		l.srv.driver.poke(time.Duration(next))
	}
	l.exit()
}
