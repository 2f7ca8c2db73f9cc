// Package layers holds the test that enforces the module's layering: which
// package may import which, checked on every package's direct imports
// (its code and its tests). It has no code of its own.
//
// The layers, from the bottom: loop/ is the only package that talks to gnet
// and knows no HTTP; httpcodec/ (and ws/) parse and write bytes and import
// nothing outside the standard library (ws: gobwas/ws); internal/h1 is the
// HTTP/1.1 engine on loop/ and httpcodec/; the root package composes them;
// client/ composes loop/, httpcodec/ and ws/; eddytest/, examples/ and
// bench/ are on top and are imported by no package.
package layers

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"path"
	"strings"
	"testing"
)

const module = "github.com/eddy-go/eddy"

// gnet is the import path prefix of every gnet package (gnet/v2 and its
// subpackages): only loop/ may import one.
const gnet = "github.com/panjf2000/gnet/"

// rule lists what the packages matching pkg may import directly, beyond
// the standard library and themselves. An entry is a package of the module
// ("" is the root package, "loop", "internal/h1") or, when it ends in "/", a
// prefix of outside import paths (gnet). imports holds for the package's
// code, tests for its test files (in addition to imports).
type rule struct {
	pkg     string // relative to the module; "examples/*" matches every direct subfolder
	imports []string
	tests   []string
	// future marks a rule written ahead of its package: it may match none.
	future bool
}

var rules = []rule{
	{pkg: "loop", imports: []string{gnet, "golang.org/x/sys/"}, tests: []string{"internal/idleconns"}},
	{pkg: "httpcodec"},
	{pkg: "internal/h1", imports: []string{"httpcodec", "loop"}, tests: []string{"internal/idleconns"}},
	{pkg: "internal/idleconns"},
	{pkg: "internal/layers"},
	{pkg: "", imports: []string{"httpcodec", "internal/h1", "loop", "ws"}, tests: []string{"eddytest", "internal/idleconns", "golang.org/x/sys/"}},
	{pkg: "eddytest", imports: []string{"", "ws"}},
	// The middleware set: on the root package; klauspost/compress for the
	// codings (brotli lives in a module of its own).
	{pkg: "bind", imports: []string{"", "httpcodec"}, tests: []string{"eddytest"}},
	{pkg: "httpbridge", imports: []string{"", "httpcodec"}, tests: []string{"eddytest"}},
	{pkg: "middleware", imports: []string{"", "httpcodec", "github.com/klauspost/compress/"}, tests: []string{"eddytest"}},
	{pkg: "examples/*", imports: []string{"", "loop", "httpcodec", "ws", "client", "middleware", "bind", "httpbridge", "examples/memcache/engine"}, tests: []string{"eddytest", "internal/browser"}},
	{pkg: "examples/memcache/engine"},
	{pkg: "internal/browser", imports: []string{"ws"}},
	{pkg: "bench/server", imports: []string{"", "ws"}, tests: []string{"eddytest"}},
	{pkg: "ws", imports: []string{"httpcodec", "github.com/gobwas/"}},
	{pkg: "client", imports: []string{"loop", "httpcodec", "ws", "github.com/gobwas/"},
		tests: []string{"", "eddytest", "internal/idleconns"}},
}

// heavy lists modules the core module must never download: peers for
// comparison live in bench/peers, a module of its own.
var heavy = []string{
	"github.com/valyala/fasthttp",
	"github.com/prometheus/",
	"go.opentelemetry.io/",
	"github.com/molecule-man/go-brrr", // middleware/brotli, a module of its own
	"github.com/goccy/go-json",        // bind/fastjson, a module of its own
	"github.com/bytedance/sonic",      // the codecs bind/fastjson/compare measures
	"github.com/segmentio/encoding",
	"github.com/json-iterator/go",
}

// pkg is what go list says of one package of the module.
type pkg struct {
	ImportPath   string
	Imports      []string
	TestImports  []string
	XTestImports []string
	Error        *struct{ Err string }
}

// listPackages returns every package of the module (run from its root).
func listPackages(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-e", "-json=ImportPath,Imports,TestImports,XTestImports,Error", "./...")
	cmd.Dir = "../.."
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.Bytes())
	}
	var list []pkg
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p pkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("go list output: %v", err)
		}
		if p.Error != nil {
			t.Fatalf("go list %s: %s", p.ImportPath, p.Error.Err)
		}
		list = append(list, p)
	}
	if len(list) < 2 {
		t.Fatalf("go list found %d packages", len(list))
	}
	return list
}

// rel is p's path relative to the module ("" for the root package), and
// false for a path outside the module.
func rel(p string) (string, bool) {
	if p == module {
		return "", true
	}
	r, ok := strings.CutPrefix(p, module+"/")
	return r, ok
}

// standard reports a standard library path: its first element has no dot.
func standard(p string) bool {
	first, _, _ := strings.Cut(p, "/")
	return !strings.Contains(first, ".")
}

// ruleFor returns the rule for the module package at r, or nil.
func ruleFor(r string) *rule {
	for i := range rules {
		pat := rules[i].pkg
		if pat == r {
			return &rules[i]
		}
		if dir, ok := strings.CutSuffix(pat, "/*"); ok && path.Dir(r) == dir {
			return &rules[i]
		}
	}
	return nil
}

// allowed reports whether imp (a non-standard import path) is in list.
func allowed(imp string, list []string) bool {
	r, inModule := rel(imp)
	for _, a := range list {
		switch {
		case strings.HasSuffix(a, "/") && !inModule:
			if strings.HasPrefix(imp, a) {
				return true
			}
		case inModule && a == r:
			return true
		}
	}
	return false
}

func TestLayering(t *testing.T) {
	used := map[*rule]bool{}
	for _, p := range listPackages(t) {
		self, ok := rel(p.ImportPath)
		if !ok {
			t.Errorf("go list reports %s, outside the module", p.ImportPath)
			continue
		}
		r := ruleFor(self)
		if r == nil {
			t.Errorf("package %s has no layering rule: add one to internal/layers", p.ImportPath)
			continue
		}
		used[r] = true
		check := func(kind string, imports, allow []string) {
			for _, imp := range imports {
				if standard(imp) || imp == p.ImportPath {
					continue
				}
				if strings.HasPrefix(imp, gnet) && self != "loop" {
					t.Errorf("%s (%s) imports %s: only loop/ may import gnet", p.ImportPath, kind, imp)
					continue
				}
				if !allowed(imp, allow) {
					t.Errorf("%s (%s) imports %s, which its layer may not", p.ImportPath, kind, imp)
				}
			}
		}
		check("code", p.Imports, r.imports)
		withTests := append(append([]string(nil), r.imports...), r.tests...)
		check("tests", p.TestImports, withTests)
		check("external tests", p.XTestImports, withTests)
	}
	for i := range rules {
		if r := &rules[i]; !used[r] && !r.future {
			t.Errorf("rule %q matches no package: remove it or mark it future", r.pkg)
		}
	}
}

func TestNoHeavyDependencies(t *testing.T) {
	cmd := exec.Command("go", "list", "-e", "-deps", "-test", "-f",
		"{{if not .Standard}}{{.ImportPath}}{{end}}", "./...")
	cmd.Dir = "../.."
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, h := range heavy {
			if strings.HasPrefix(dep, h) {
				t.Errorf("core module depends on %s; it belongs in bench/peers", dep)
			}
		}
	}
}
