package loop

import (
	"strings"
	"testing"
)

// TestAssertLoopOnly: with the eddydebug build tag, a Loop-only method
// called off the loop panics with a message naming it; on the loop it
// passes. Without the tag nothing is checked.
func TestAssertLoopOnly(t *testing.T) {
	s := startServer(t, Config{Loops: 1}, func() Protocol { return echoProto{} })
	l := s.Loops()[0]
	onLoop(t, l, func() { l.AssertLoopOnly("on the loop") }) // never panics
	msg := func() (msg string) {
		defer func() {
			if r := recover(); r != nil {
				msg, _ = r.(string)
			}
		}()
		l.AssertLoopOnly("loop_test: off the loop")
		return ""
	}()
	switch {
	case debugBuild && !strings.Contains(msg, "loop: loop_test: off the loop is Loop-only"):
		t.Fatalf("eddydebug build: off-loop call gave %q, want a panic naming it", msg)
	case !debugBuild && msg != "":
		t.Fatalf("build without eddydebug: off-loop call panicked: %q", msg)
	}
}
