package h1

import (
	"fmt"
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

// TestAssertFresh: built with the eddydebug tag, the check after resetBare
// (beginBare's and reset's written-out copy of reset's stores) passes for
// an exchange resetBare leaves as reset would, and names the field when a
// store is missing from it; without the tag nothing is checked.
func TestAssertFresh(t *testing.T) {
	cases := []struct {
		name  string
		dirty func(x *Exchange) // before resetBare
		field string            // the field the check names; "" for none
	}{
		{name: "what resetBare clears", dirty: func(x *Exchange) {
			x.c = &conn{}
			x.headReq = true
			x.state = stWritten
			x.lf = lfDirect | lfRouted
			x.plan = Plan{InPool: true}
			x.started = 5
			x.sf = sfFinished
		}},
		{name: "a body resetBare leaves", dirty: func(x *Exchange) { x.body = []byte("b") }, field: "Exchange.body"},
		{name: "a count resetBare leaves", dirty: func(x *Exchange) { x.got = 7 }, field: "Exchange.got"},
		{name: "a recorded status resetBare leaves", dirty: func(x *Exchange) { x.status = 200 }, field: "Exchange.status"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			x := new(Exchange)
			x.reset()
			tc.dirty(x)
			x.resetBare()
			msg := func() (msg string) {
				defer func() {
					if r := recover(); r != nil {
						msg = fmt.Sprint(r)
					}
				}()
				assertFresh(x, "h1: test")
				return ""
			}()
			want := debugBuild && tc.field != ""
			if got := msg != ""; got != want || want && !strings.Contains(msg, tc.field+" is") {
				t.Fatalf("check gave %q (debug build: %v, want the field %q named)", msg, debugBuild, tc.field)
			}
		})
	}
}
