package loop

import (
	"io"
	"math/rand"
	"testing"
	"time"
)

// idleWindow is how long an idle server is watched for wake-ups. The driver used to
// wake every 5 ms (60 times in this window); now it must not wake at all.
const idleWindow = 300 * time.Millisecond

// An idle server makes no wake-ups: once no callback ran for a second and no deadline
// is due, the driver sleeps and no loop callback runs, with or without idle connections
// held. When traffic resumes, the clock and Second are right and timers fire.
func TestIdleServerMakesNoWakeups(t *testing.T) {
	cases := []struct {
		name  string
		loops int
		conns int // idle connections held during the window (each echoed once before)
	}{
		{"one loop, no connections", 1, 0},
		{"one loop, idle connections", 1, 3},
		{"two loops, idle connections", 2, 4},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := startServer(t, Config{Loops: tc.loops}, func() Protocol { return echoProto{} })
			for range tc.conns {
				c := dial(t, s)
				echoOnce(t, c)
			}
			d := &s.driver
			// The driver goes idle a second or two after the last callback.
			waitFor(t, 10*time.Second, "the driver to go idle", d.idle.Load)
			wakes, calls := d.wakes.Load(), totalCallbacks(s)
			time.Sleep(idleWindow) // the window watched, not a synchronisation
			if n := d.wakes.Load() - wakes; n != 0 {
				t.Errorf("the driver woke %d times in %v of idleness, want 0", n, idleWindow)
			}
			if n := totalCallbacks(s) - calls; n != 0 {
				t.Errorf("the loops ran %d callbacks in %v of idleness, want 0", n, idleWindow)
			}
			if !d.idle.Load() {
				t.Error("the driver left idleness with nothing to do")
			}

			// Traffic resumes: Second is the wall clock's, read on the loop and off it,
			// and the driver keeps it from now on.
			l := s.Loops()[0]
			before, beforeTime := time.Now().Unix(), s.now()
			var onSec int64
			var onTime time.Duration
			onLoop(t, l, func() { onSec, onTime = l.Second(), l.Time() })
			after, afterTime := time.Now().Unix(), s.now()
			if onSec < before || onSec > after {
				t.Errorf("Second on the loop after idleness %d, wall clock %d..%d", onSec, before, after)
			}
			if onTime < beforeTime || onTime > afterTime {
				t.Errorf("Time after idleness %v, server clock %v..%v", onTime, beforeTime, afterTime)
			}
			if d.idle.Load() {
				t.Error("the driver stayed idle after a callback ran")
			}
			if sec := l.Second(); sec < before || sec > time.Now().Unix() {
				t.Errorf("Second off the loop after idleness %d, wall clock %d..%d", sec, before, time.Now().Unix())
			}
		})
	}
}

// A timer scheduled while the driver is idle wakes it and fires on time.
func TestTimerWakesIdleDriver(t *testing.T) {
	s := startServer(t, Config{Loops: 1}, func() Protocol { return echoProto{} })
	d := &s.driver
	waitFor(t, 10*time.Second, "the driver to go idle", d.idle.Load)
	l := s.Loops()[0]
	fired := make(chan time.Duration, 1)
	var at time.Duration
	onLoop(t, l, func() {
		tm := l.CallLater(20*time.Millisecond, func() { fired <- l.Time() })
		at = tm.When()
	})
	if got := recv(t, fired, "the timer"); got < at {
		t.Fatalf("timer ran at %v, before its time %v", got, at)
	}
	// With nothing due any more it goes idle again.
	waitFor(t, 10*time.Second, "the driver to go idle again", d.idle.Load)
}

// echoOnce sends one byte on c and reads it back.
func echoOnce(t *testing.T, c io.ReadWriter) {
	t.Helper()
	if _, err := c.Write([]byte{'x'}); err != nil {
		t.Fatal(err)
	}
	var b [1]byte
	if _, err := io.ReadFull(c, b[:]); err != nil {
		t.Fatal(err)
	}
}

// Deadlines published on two loops at once, from callbacks and from timer passes (which
// publish while the driver may be scanning), all fire, none before its time.
func TestDriverLosesNoDeadline(t *testing.T) {
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewSource(seed))
	s := startServer(t, Config{Loops: 2}, func() Protocol { return echoProto{} })
	const perLoop, chain = 100, 20
	type fired struct{ at, want time.Duration }
	done := make(chan fired, 2*(perLoop+chain))
	for _, l := range s.Loops() {
		delays := make([]time.Duration, perLoop+chain)
		for i := range delays {
			delays[i] = time.Duration(rng.Intn(3000)) * time.Microsecond
		}
		// A chain of timers, each scheduled by the one before from inside a timer pass.
		var next func(i int)
		next = func(i int) {
			tm := l.CallLater(delays[perLoop+i], nil)
			tm.fn = func() {
				done <- fired{l.srv.now(), tm.When()}
				if i+1 < chain {
					next(i + 1)
				}
			}
		}
		_ = l.CallSoonThreadsafe(func() { next(0) })
		// And timers scheduled by posted functions, batched or not.
		for _, d := range delays[:perLoop] {
			_ = l.CallSoonThreadsafe(func() {
				tm := l.CallLater(d, nil)
				tm.fn = func() { done <- fired{l.srv.now(), tm.When()} }
			})
		}
	}
	for range 2 * (perLoop + chain) {
		f := recv(t, done, "a timer")
		if f.at < f.want {
			t.Fatalf("a timer fired at %v, before its time %v", f.at, f.want)
		}
	}
}

// totalCallbacks sums the callbacks s's loops ran, as the driver's callbacks does
// (which is driver-only: it counts its calls).
func totalCallbacks(s *Server) int64 {
	var n int64
	for _, l := range s.loops {
		n += l.stats.callbacks.Load()
	}
	return n
}

// A driver pass sums the loops' callbacks once, busy or going idle (it used to count
// them again after marking itself idle): callbacks counts its own calls (sums), the
// pass its runs (wakes).
func TestDriverSumsCallbacksOncePerPass(t *testing.T) {
	s := startServer(t, Config{Loops: 2}, func() Protocol { return echoProto{} })
	c := dial(t, s)
	echoOnce(t, c)
	d := &s.driver
	waitFor(t, 10*time.Second, "the driver to go idle", d.idle.Load)
	d.stop()
	<-d.doneC // the driver's fields are ours from here
	if d.sums != d.wakes.Load() {
		t.Fatalf("%d passes summed the callbacks %d times, want once each", d.wakes.Load(), d.sums)
	}
}
