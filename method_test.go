package eddy

import (
	"testing"
)

// TestCustomMethodsTakenAsIs: any token other than a misspelt standard
// method is a custom method, matched case-sensitively.
func TestCustomMethodsTakenAsIs(t *testing.T) {
	h := func(*Ctx) error { return nil }
	a := New(Config{})
	for _, m := range []string{"PURGE", "purge", "PROPFIND", "M-SEARCH", "X_1"} {
		if r := a.Handle(m, "/x", h); r.Method() != m {
			t.Errorf("Handle(%q): method %q", m, r.Method())
		}
	}
}
