package eddy_test

import (
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/internal/h1"
)

// TestHandlerTimeoutDefault: a zero HandlerTimeout means 60 s, for the app
// and for the engine; a negative one means none.
func TestHandlerTimeoutDefault(t *testing.T) {
	if got := eddy.New(eddy.Config{}).Config().HandlerTimeout; got != 60*time.Second {
		t.Errorf("default HandlerTimeout %v, want 60s", got)
	}
	if got := eddy.New(eddy.Config{HandlerTimeout: -1}).Config().HandlerTimeout; got >= 0 {
		t.Errorf("HandlerTimeout -1 became %v, want it kept negative (none)", got)
	}
	if h1.DefaultHandlerTimeout != 60*time.Second {
		t.Errorf("h1.DefaultHandlerTimeout %v", h1.DefaultHandlerTimeout)
	}
}
