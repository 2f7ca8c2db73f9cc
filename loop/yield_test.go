package loop

import (
	"testing"
	"time"
)

// TestEnterYields: the outermost callback yields the loop's P (runtime.Gosched) when
// yieldEvery of the loop's clock has passed since the last yield, or while an accepted
// connection is on its way to a loop, and only then; a nested callback never does. A busy loop otherwise keeps its P until the runtime
// preempts it (10 ms), and with one P the accept goroutine and the enrollers wait
// that long at every step of handing a connection over.
func TestEnterYields(t *testing.T) {
	l := newLoop(&Server{startNano: nanotime()}, 0)
	call := func() {
		l.enter()
		l.enter() // a nested callback (a close inside one)
		l.exit()
		l.exit()
	}
	yields := func() int64 { return l.Stats().Yields }

	call() // the first callback yields: nothing has run yet
	if got := yields(); got != 1 {
		t.Fatalf("after the first callback: %d yields, want 1", got)
	}
	for range 100 {
		call()
	}
	if l.srv.now() < l.yieldAt {
		if got := yields(); got != 1 {
			t.Fatalf("within %v of the last yield: %d yields, want 1", yieldEvery, got)
		}
	}
	for want := int64(2); want <= 4; want++ {
		at := l.yieldAt
		for l.srv.now() < at {
			time.Sleep(yieldEvery / 4)
		}
		call()
		if got := yields(); got != want {
			t.Fatalf("a callback %v after the last yield: %d yields, want %d", yieldEvery, got, want)
		}
		if l.yieldAt < at+yieldEvery {
			t.Fatalf("next yield at %v, want at least %v", l.yieldAt, at+yieldEvery)
		}
	}
	// An accepted connection on its way (an enroller holds a slot): every callback.
	l.srv.enrolling = make(chan struct{}, 1)
	l.srv.enrolling <- struct{}{}
	before := yields()
	for range 3 {
		call()
	}
	if got := yields() - before; got != 3 {
		t.Fatalf("3 callbacks while a connection was being handed over: %d yields, want 3", got)
	}
	<-l.srv.enrolling
	// An enrollment in progress on any path (enrollAccepted: a PROXY-protocol
	// connection, ServeConn): every callback as well.
	l.srv.handing.Add(1)
	before = yields()
	for range 3 {
		call()
	}
	if got := yields() - before; got != 3 {
		t.Fatalf("3 callbacks during an enrollment: %d yields, want 3", got)
	}
	l.srv.handing.Add(-1)
}
