package loop

import (
	"context"
	"testing"
	"time"
)

// CallLater from any goroutine: Server.CallLater and Loop.CallLaterThreadsafe run fn on
// a loop after d; after Stop they report ErrStopped.
func TestCallLaterThreadsafe(t *testing.T) {
	s, err := New(Config{Addr: "127.0.0.1:0", Loops: 2}, func() Protocol { return echoProto{} })
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CallLater(time.Millisecond, func(*Loop) {}); err != ErrNotStarted {
		t.Fatalf("CallLater before Start: %v, want ErrNotStarted", err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	ran := make(chan time.Duration, 2)
	start := time.Now()
	if err := s.CallLater(20*time.Millisecond, func(l *Loop) {
		l.AssertLoopOnly("Server.CallLater fn")
		ran <- time.Since(start)
	}); err != nil {
		t.Fatal(err)
	}
	l := s.Loops()[1]
	if err := l.CallLaterThreadsafe(20*time.Millisecond, func() {
		l.CallSoon(func() { ran <- time.Since(start) }) // a Loop-only call: fn runs on l
	}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if d := recv(t, ran, "the timer"); d < 20*time.Millisecond {
			t.Fatalf("ran after %v, before its 20 ms", d)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.CallLater(time.Millisecond, func(*Loop) {}); err != ErrStopped {
		t.Fatalf("CallLater after Stop: %v, want ErrStopped", err)
	}
}
