package loop

import (
	"fmt"
	"net"
	"sync"
	"testing"
	"time"
)

// TestAcceptSpreadsLoops dials connections one after another and side by side and
// checks that the loops end with the same number, give or take one. gnet's own choice
// counted only registered connections, so the enrollers working side by side put most
// of a burst on one loop (16 dialled one after another: 13 and 3).
func TestAcceptSpreadsLoops(t *testing.T) {
	for _, tc := range []struct {
		loops, conns int
		together     bool // dial from conns goroutines at once
	}{
		{2, 16, false},
		{2, 64, true},
		{3, 48, false},
		{4, 64, true},
	} {
		t.Run(fmt.Sprintf("loops=%d/conns=%d/together=%v", tc.loops, tc.conns, tc.together), func(t *testing.T) {
			s := startServer(t, Config{Loops: tc.loops}, func() Protocol { return echoProto{} })
			if tc.together {
				var wg sync.WaitGroup
				for range tc.conns {
					wg.Go(func() {
						c, err := net.DialTimeout("tcp", s.Addr().String(), 5*time.Second)
						if err != nil {
							t.Error(err)
							return
						}
						t.Cleanup(func() { c.Close() })
					})
				}
				wg.Wait()
			} else {
				for range tc.conns {
					dial(t, s)
				}
			}
			waitFor(t, 10*time.Second, "every connection opened", func() bool { return s.NumConns() == tc.conns })
			lo, hi := int64(tc.conns), int64(0)
			var counts []int64
			for _, l := range s.Loops() {
				n := l.Stats().Conns
				counts = append(counts, n)
				lo, hi = min(lo, n), max(hi, n)
			}
			if hi-lo > 1 {
				t.Fatalf("connections per loop %v: want them even, give or take one", counts)
			}
		})
	}
}
