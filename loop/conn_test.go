package loop

import (
	"errors"
	"testing"
	"time"
)

// SetDeadlineAfter arms the deadline relative to the loop's clock; d <= 0 clears it.
func TestSetDeadlineAfter(t *testing.T) {
	for _, tc := range []struct {
		name    string
		d       time.Duration
		timeout bool
	}{{"armed", 30 * time.Millisecond, true}, {"cleared", -1, false}} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRecorder(nil)
			var armedAt time.Duration
			p := &madeHook{recorder: r, made: func(c *Conn) {
				c.SetDeadline(c.Loop().Time() + 20*time.Millisecond)
				c.SetDeadlineAfter(tc.d)
				armedAt = c.Loop().Time()
				if got := c.Deadline(); tc.d > 0 && got != armedAt+tc.d || tc.d <= 0 && got != 0 {
					t.Errorf("Deadline %v after SetDeadlineAfter(%v) at %v", got, tc.d, armedAt)
				}
			}}
			s := startServer(t, Config{Loops: 1}, func() Protocol { return p })
			dial(t, s)
			recv(t, r.made, "ConnectionMade")
			if !tc.timeout {
				select {
				case err := <-r.lost:
					t.Fatalf("ConnectionLost %v with the deadline cleared", err)
				case <-time.After(100 * time.Millisecond): // checking that nothing happens
				}
				return
			}
			if err := recv(t, r.lost, "ConnectionLost"); !errors.Is(err, ErrTimeout) {
				t.Fatalf("ConnectionLost %v, want ErrTimeout", err)
			}
		})
	}
}
