//go:build !eddydebug

package loop

// owner is the loop's goroutine check; without the eddydebug build tag it
// records nothing and its methods are empty, inlined away: zero cost.
type owner struct{}

func (*owner) enter()       {}
func (*owner) check(string) {}

// debugBuild reports whether the eddydebug checks are compiled in.
const debugBuild = false
