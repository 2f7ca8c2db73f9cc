package h1

import (
	"testing"
	"time"
)

// TestHandlerTimeoutDefaultApplied: a zero HandlerTimeout means
// DefaultHandlerTimeout (60 s), a negative one none.
func TestHandlerTimeoutDefaultApplied(t *testing.T) {
	if got := (Config{}).Normalized().HandlerTimeout; got != 60*time.Second {
		t.Errorf("zero HandlerTimeout normalized to %v, want 60s", got)
	}
	if got := (Config{HandlerTimeout: -1}).Normalized().HandlerTimeout; got != 0 {
		t.Errorf("negative HandlerTimeout normalized to %v, want 0 (none)", got)
	}
	if got := (Config{HandlerTimeout: time.Second}).Normalized().HandlerTimeout; got != time.Second {
		t.Errorf("HandlerTimeout 1s normalized to %v", got)
	}
}
