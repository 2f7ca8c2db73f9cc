package loop

import (
	"context"
	"errors"
	"io"
	"os"
	"os/signal"
	"syscall"
	"testing"
	"time"
)

// Run serves until its context ends or SIGTERM/SIGINT arrives, then drains: a
// connection open at that moment is asked to finish (here: closed after one more reply).
func TestRunDrainsOnSignal(t *testing.T) {
	for _, tc := range []struct {
		name string
		stop func(cancel context.CancelFunc)
	}{
		{"context", func(cancel context.CancelFunc) { cancel() }},
		{"SIGTERM", func(context.CancelFunc) { _ = syscall.Kill(syscall.Getpid(), syscall.SIGTERM) }},
		{"SIGINT", func(context.CancelFunc) { _ = syscall.Kill(syscall.Getpid(), syscall.SIGINT) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The test's own Notify keeps a signal sent before Run's Notify from
			// killing the test process.
			mine := make(chan os.Signal, 8)
			signal.Notify(mine, syscall.SIGINT, syscall.SIGTERM)
			defer signal.Stop(mine)
			r := newRecorder(nil)
			s, err := New(Config{Addr: "127.0.0.1:0", Loops: 1}, func() Protocol { return r })
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Start(); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			res := make(chan error, 1)
			go func() { res <- s.Run(ctx, 5*time.Second) }()
			c := dial(t, s)
			recv(t, r.made, "ConnectionMade")
			// Run's signal.Notify may not be in place yet: signal until it returns.
			deadline := time.Now().Add(10 * time.Second)
			for done := false; !done; {
				tc.stop(cancel)
				select {
				case err := <-res:
					if err != nil {
						t.Fatalf("Run: %v", err)
					}
					done = true
				case <-time.After(20 * time.Millisecond): // re-send interval while Run starts
					if time.Now().After(deadline) {
						t.Fatal("Run did not return")
					}
				}
			}
			if err := recv(t, r.lost, "ConnectionLost"); err != nil {
				t.Fatalf("ConnectionLost: %v, want nil (drained)", err)
			}
			if _, err := c.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
				t.Fatalf("client read %v, want EOF", err)
			}
		})
	}
}
