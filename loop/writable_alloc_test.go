//go:build !race

package loop

import "testing"

// The watcher's event posts the connection's flush to its loop without allocating (a
// method value c.writable would be allocated at each event).
func TestSignalWritableAllocs(t *testing.T) {
	l := &Loop{tsPending: true} // a wake-up already pending: post only queues
	c := &Conn{loop: l}
	c.signalWritable() // the queue's first growth
	n := testing.AllocsPerRun(100, func() {
		c.signalWritable()
		l.tsq = l.tsq[:0]
	})
	if n != 0 {
		t.Fatalf("signalWritable allocates %v times per event, want 0", n)
	}
}
