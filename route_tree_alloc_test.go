//go:build !race

package eddy

import (
	"testing"
)

func TestRouterMatchAllocs(t *testing.T) {
	a := newTestApp(t)
	for _, tc := range routeCases {
		var m matcher
		m.set(tc.method, tc.path)
		if n := testing.AllocsPerRun(100, func() { m.lookup(&a.tree, &a.statics) }); n != 0 {
			t.Errorf("%s %q: %v allocations per match, want 0", tc.method, tc.path, n)
		}
	}
}
