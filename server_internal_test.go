package eddy

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestEngineDeathReported: when the engine stops without a Shutdown (here
// forced by stopping it underneath the app, as an accept error would),
// the app says so loudly, runs cleanup, and Wait returns an error.
func TestEngineDeathReported(t *testing.T) {
	var cleaned atomic.Bool
	var logs strings.Builder
	app := New(Config{Logger: slogTo(&logs)})
	app.OnCleanup(func(context.Context) error { cleaned.Store(true); return nil })
	if err := app.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	if err := app.srv.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- app.Wait() }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "stopped on its own") {
			t.Fatalf("Wait = %v, want an error saying the server stopped on its own", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Wait did not return after the engine stopped")
	}
	if !cleaned.Load() {
		t.Error("cleanup hooks did not run")
	}
	if !app.draining.Load() {
		t.Error("readiness still healthy after the engine died")
	}
	if err := app.Shutdown(context.Background()); err == nil {
		t.Error("Shutdown after the death reported no error")
	}
}
