package loop

import (
	"bytes"
	"io"
	"testing"
	"time"
)

// Queued output is flushed when the kernel signals room (EPOLLOUT through the server's
// watcher), not only by the timer's poll, and arrives whole and in order; a watched
// connection that closes leaves no registration behind.
func TestWritableWakesQueue(t *testing.T) {
	out := pattern(16<<20, 11)
	bw := &bigWriter{out: out}
	s := startServer(t, Config{Loops: 1}, func() Protocol { return bw })
	// At least three rounds; more (up to 30) while no flush was woken by
	// the watcher: on a loaded machine the timer's pass can drain every
	// queue of a round before the watcher's signal reaches the loop.
	for round := 0; round < 3 || round < 30 && s.Loops()[0].Stats().Writable == 0; round++ {
		c := dial(t, s)
		if _, err := c.Write([]byte("go\n")); err != nil {
			t.Fatal(err)
		}
		got := make([]byte, len(out))
		if _, err := io.ReadFull(c, got); err != nil || !bytes.Equal(got, out) {
			t.Fatalf("round %d: output corrupted or cut: %v", round, err)
		}
		c.Close()
	}
	if w := s.Loops()[0].Stats().Writable; w == 0 {
		t.Fatal("no flush was woken by the kernel's EPOLLOUT in 30 rounds")
	}
	waitFor(t, 5*time.Second, "no connection left", func() bool { return s.NumConns() == 0 })
	s.watch.mu.Lock()
	n := len(s.watch.conns)
	s.watch.mu.Unlock()
	if n != 0 {
		t.Fatalf("%d connections still registered with the watcher", n)
	}
}
