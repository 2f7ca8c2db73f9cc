package h1

import (
	"strings"
	"testing"

	"github.com/eddy-go/eddy/loop"
)

// TestAssertLoopOnly: built with the eddydebug tag, the engine's Loop-only
// check panics off the loop (here from the test's goroutine, as a pool
// handler calling OnWritable would) and passes on it; without the tag
// nothing is checked.
func TestAssertLoopOnly(t *testing.T) {
	ts := startServer(t, Config{}, loop.Config{})
	cl := ts.dial(t)
	cl.send(get("/plain?a"))
	cl.expect("GET", 200, "plain a")
	c := ts.conn(t, 0)
	msg := func() (msg string) {
		defer func() {
			if r := recover(); r != nil {
				msg, _ = r.(string)
			}
		}()
		assertLoop(c.ls, "h1: Exchange.OnWritable")
		return ""
	}()
	on := onLoop(t, c, func() bool { assertLoop(c.ls, "on the loop"); return true })
	if !on {
		t.Fatal("on-loop check failed")
	}
	debug := strings.Contains(msg, "h1: Exchange.OnWritable is Loop-only")
	if debug != debugBuild {
		t.Fatalf("off-loop check gave %q (debug build: %v)", msg, debugBuild)
	}
}
