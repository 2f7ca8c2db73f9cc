package loop

import (
	"io"
	"math/rand"
	"slices"
	"testing"
	"time"
)

// chunks grows without copying, keeps at most one spare chunk, and zeroes what it pops
// (so popped pointers keep nothing alive).
func TestChunks(t *testing.T) {
	cases := []struct{ push, popTo int }{
		{0, 0},
		{1, 0},
		{chunkLen, chunkLen - 1},
		{chunkLen + 1, chunkLen},
		{3*chunkLen + 5, chunkLen},
		{3*chunkLen + 5, 0},
		{5 * chunkLen, 2*chunkLen + 1},
	}
	for _, tc := range cases {
		var a chunks[*int]
		vals := make([]int, tc.push)
		var first *[chunkLen]*int
		for i := range vals {
			if got := a.push(&vals[i]); got != i {
				t.Fatalf("%+v: push %d returned index %d", tc, i, got)
			}
			if i == 0 {
				first = a.c[0]
			}
		}
		if tc.push > 0 && a.c[0] != first {
			t.Fatalf("%+v: the first chunk moved while growing", tc)
		}
		for i := range vals {
			if *a.at(i) != &vals[i] {
				t.Fatalf("%+v: entry %d is wrong", tc, i)
			}
		}
		for a.len() > tc.popTo {
			a.pop()
		}
		if a.len() != tc.popTo {
			t.Fatalf("%+v: len %d", tc, a.len())
		}
		if need := (tc.popTo + chunkMask) / chunkLen; len(a.c) > need+1 {
			t.Fatalf("%+v: %d chunks kept for %d entries, want at most %d", tc, len(a.c), tc.popTo, need+1)
		}
		for i := tc.popTo; i < len(a.c)*chunkLen; i++ {
			if a.c[i/chunkLen][i%chunkLen] != nil {
				t.Fatalf("%+v: popped entry %d still holds its pointer", tc, i)
			}
		}
	}
}

// The check heap under random pushes, moves and removals keeps its order and every
// connection's index, and pops in time order.
func TestCheckHeapRandom(t *testing.T) {
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewSource(seed))
	var h timerHeap[*Conn]
	var in []*Conn // connections with an entry
	check := func(step int) {
		t.Helper()
		if h.len() != len(in) {
			t.Fatalf("step %d: heap has %d entries, want %d", step, h.len(), len(in))
		}
		for i := range h.len() {
			e := h.items.at(i)
			if int(e.p.hidx) != i {
				t.Fatalf("step %d: entry %d records index %d", step, i, e.p.hidx)
			}
			if i > 0 && h.items.at((i-1)/2).at > e.at {
				t.Fatalf("step %d: entry %d is earlier than its parent", step, i)
			}
		}
	}
	for step := range 5000 {
		switch op := rng.Intn(10); {
		case op < 5 || len(in) == 0:
			c := &Conn{hidx: -1}
			h.push(time.Duration(rng.Intn(1000)), c)
			in = append(in, c)
		case op < 7:
			c := in[rng.Intn(len(in))]
			h.fix(int(c.hidx), time.Duration(rng.Intn(1000)))
		default:
			k := rng.Intn(len(in))
			c := in[k]
			h.remove(int(c.hidx))
			if c.hidx != -1 {
				t.Fatalf("step %d: a removed entry keeps index %d", step, c.hidx)
			}
			in = slices.Delete(in, k, k+1)
		}
		check(step)
	}
	var prev time.Duration
	for h.len() > 0 {
		at := h.next()
		c := h.pop()
		if at < prev || c.hidx != -1 {
			t.Fatalf("popped %v after %v (index %d)", at, prev, c.hidx)
		}
		prev = at
	}
	if h.next() != never {
		t.Fatal("an empty heap has a next time")
	}
}

// A connection's outState exists only while output is pending: once the peer has read
// everything, the loop holds no per-connection output state (an idle connection costs
// only its Conn).
func TestOutStateReleased(t *testing.T) {
	s := startServer(t, Config{Loops: 1}, func() Protocol {
		return &funcProto{data: func(c *Conn, d []byte) int {
			_ = c.Write(make([]byte, 32<<20)) // more than the socket buffers take at once
			return len(d)
		}}
	})
	l := s.Loops()[0]
	outs := func() (n int) {
		onLoop(t, l, func() { n = len(l.outs) })
		return n
	}
	c := dial(t, s)
	mustWrite(t, c, "go")
	waitFor(t, 5*time.Second, "output pending", func() bool { return outs() == 1 })
	if _, err := io.ReadFull(c, make([]byte, 32<<20)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "outState released", func() bool { return outs() == 0 })
	var free int
	onLoop(t, l, func() { free = l.nfreeOut })
	if free != 1 {
		t.Fatalf("%d outStates kept for reuse, want 1", free)
	}
}
