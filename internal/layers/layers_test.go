// Package layers holds the test that enforces DESIGN.md's layering: which
// package may import which. It has no code of its own.
package layers

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/eddy-go/eddy"

// rules lists, per package of the core module, the non-standard imports it
// must never reach, directly or through another package. "*" forbids every
// non-standard import.
var rules = []struct {
	pkg       string
	forbidden []string
}{
	{"httpcodec", []string{"*"}},
	{"loop", []string{module + "/httpcodec", module + "/ws", module + "/internal/h1", module + "/client", module}},
	{"ws", []string{module + "/loop", "github.com/panjf2000/gnet/v2", module + "/internal/h1", module}},
	{"internal/h1", []string{module, module + "/client"}},
	{"client", []string{module, module + "/internal/h1"}},
}

// heavy lists modules the core module must never download: peers for
// comparison live in bench/peers, a module of its own.
var heavy = []string{
	"github.com/valyala/fasthttp",
	"github.com/prometheus/",
	"go.opentelemetry.io/",
}

// deps returns the non-standard packages pkg depends on, or ok=false if the
// package does not exist (yet).
func deps(t *testing.T, pattern string) (list []string, ok bool) {
	t.Helper()
	out, err := exec.Command("go", "list", "-e", "-deps", "-f",
		"{{if not .Standard}}{{.ImportPath}}{{end}}", pattern).CombinedOutput()
	if err != nil {
		t.Fatalf("go list %s: %v\n%s", pattern, err, out)
	}
	list = append(list, strings.Fields(string(out))...)
	return list, len(list) > 0
}

func TestLayering(t *testing.T) {
	for _, r := range rules {
		t.Run(r.pkg, func(t *testing.T) {
			self := module + "/" + r.pkg
			list, ok := deps(t, "../../"+r.pkg)
			if !ok || !contains(list, self) {
				t.Skipf("package %s does not exist yet", r.pkg)
			}
			for _, dep := range list {
				if dep == self {
					continue
				}
				for _, f := range r.forbidden {
					if f == "*" || dep == f {
						t.Errorf("%s imports %s (forbidden by DESIGN.md section 1)", self, dep)
					}
				}
			}
		})
	}
}

func TestNoHeavyDependencies(t *testing.T) {
	list, _ := deps(t, "../../...")
	for _, dep := range list {
		for _, h := range heavy {
			if strings.HasPrefix(dep, h) {
				t.Errorf("core module depends on %s; it belongs in bench/peers", dep)
			}
		}
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
