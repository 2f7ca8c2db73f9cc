package loop

import (
	"strings"
	"testing"
	"time"
)

// The driver's "callback still running" report names the loop's Annotate label (read
// through labelBox, so the race detector checks the hand-over too).
func TestWatchdogStuckNamesLabel(t *testing.T) {
	var logs logBuffer
	reported := func() bool {
		for _, line := range strings.Split(logs.String(), "\n") {
			if strings.Contains(line, "loop: callback still running") {
				return strings.Contains(line, "what=GET/stuck/{id}")
			}
		}
		return false
	}
	s := startServer(t, Config{Loops: 1, SlowCallback: 20 * time.Millisecond, Logger: logs.logger()}, func() Protocol {
		return &funcProto{data: func(c *Conn, d []byte) int {
			c.Loop().Annotate("GET/stuck/{id}")
			// Stay busy until the driver reported us (or give up after 10 s).
			for t0 := time.Now(); time.Since(t0) < 10*time.Second && !strings.Contains(logs.String(), "still running"); {
				time.Sleep(time.Millisecond) // a blocked callback, as the watchdog sees it
			}
			_ = c.Write(d)
			return len(d)
		}}
	})
	c := dial(t, s)
	expectEcho(t, c, "x")
	if !reported() {
		t.Fatalf("no stuck report naming the label:\n%s", logs.String())
	}
	if st := s.Loops()[0].Stats(); st.Stuck < 1 {
		t.Fatalf("stats: %+v", st)
	}
}

// labelBox hands a consistent label from one writer to another goroutine.
func TestLabelBox(t *testing.T) {
	var b labelBox
	if got := b.load(); got != "" {
		t.Fatalf("empty box: %q", got)
	}
	labels := []string{"", "a", "GET /users/{id}", strings.Repeat("x", 300)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 20000 {
			b.store(labels[i%len(labels)])
		}
	}()
	for {
		got := b.load()
		ok := got == "?"
		for _, l := range labels {
			ok = ok || got == l
		}
		if !ok {
			t.Fatalf("torn label %q", got)
		}
		select {
		case <-done:
			if got := b.load(); got != labels[19999%len(labels)] {
				t.Fatalf("last label %q", got)
			}
			return
		default:
		}
	}
}
