package eddy

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"log/slog"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"
)

// rootOwn lists the Config fields the root package uses itself and hands
// to no layer, with who uses them.
var rootOwn = map[string]string{
	"Placement":       "the router (where a route's handler runs)",
	"MaxFormFields":   "Ctx.Form",
	"ShutdownTimeout": "Run's signal handling",
	"DrainDelay":      "Shutdown",
	"ReadinessPath":   "the router",
	"LivenessPath":    "the router",
	"ErrorHandler":    "the engine's hooks in the root package",
	"DotSegments":     "the router",
}

// notExposed lists the fields of loop.Config and h1.Config that Config
// does not set, and why.
var notExposed = map[string]string{
	"Addr":            "the argument of Run and Start",
	"Cause":           "set by the root: the engine's context causes become eddy's errors",
	"CloseLinger":     "the loop's default serves HTTP (the engine lingers itself after an error)",
	"MaxChunkExt":     "httpcodec's default bounds chunk-size lines",
	"MaxTrailerBytes": "httpcodec's default bounds trailers",
}

// distinct returns a Config whose every field holds a non-zero value that
// no other field of the same type holds, so a field copied to the wrong
// destination (or not at all) shows.
func distinct(t *testing.T) Config {
	t.Helper()
	var c Config
	v := reflect.ValueOf(&c).Elem()
	for i := range v.NumField() {
		f, name := v.Field(i), v.Type().Field(i).Name
		switch f.Kind() {
		case reflect.Int, reflect.Int64:
			f.SetInt(int64(1000 + i))
		case reflect.Uint8:
			f.SetUint(uint64(100 + i))
		case reflect.String:
			f.SetString("value of " + name)
		case reflect.Bool:
			f.SetBool(true)
		case reflect.Pointer:
			if f.Type() != reflect.TypeFor[*slog.Logger]() {
				t.Fatalf("Config.%s: no distinct value for %s; teach distinct", name, f.Type())
			}
			f.Set(reflect.ValueOf(slog.New(slog.NewTextHandler(io.Discard, nil))))
		case reflect.Func:
			if f.Type() != reflect.TypeFor[ErrorHandler]() {
				t.Fatalf("Config.%s: no distinct value for %s; teach distinct", name, f.Type())
			}
			f.Set(reflect.ValueOf(ErrorHandler(func(c *Ctx, err error) {})))
		default:
			t.Fatalf("Config.%s: no distinct value for kind %s; teach distinct", name, f.Kind())
		}
		if f.IsZero() {
			t.Fatalf("Config.%s is still zero", name)
		}
	}
	return c
}

// same compares field values; functions by their code pointer.
func same(a, b reflect.Value) bool {
	if a.Kind() == reflect.Func {
		return a.Pointer() == b.Pointer()
	}
	return reflect.DeepEqual(a.Interface(), b.Interface())
}

// fields returns the named fields of v's struct, embedded ones flattened.
func fields(v reflect.Value) map[string]reflect.Value {
	m := map[string]reflect.Value{}
	for _, sf := range reflect.VisibleFields(v.Type()) {
		if !sf.Anonymous {
			m[sf.Name] = v.FieldByIndex(sf.Index)
		}
	}
	return m
}

// TestConfigReachesLayers sets every Config field to a distinct value and
// checks each arrives, under its own name, in the loop.Config or h1.Config
// the server is built with, or is listed as the root's own; and that every
// field of those layers is set from Config or listed as not exposed. A new
// field without a destination fails here.
func TestConfigReachesLayers(t *testing.T) {
	c := distinct(t)
	lc, hc := c.layers("127.0.0.1:0")
	layers := map[string]map[string]reflect.Value{
		"loop.Config": fields(reflect.ValueOf(lc)),
		"h1.Config":   fields(reflect.ValueOf(hc)),
	}
	root := fields(reflect.ValueOf(c))
	for name, want := range root {
		var dests []string
		for layer, fs := range layers {
			got, ok := fs[name]
			if !ok {
				continue
			}
			dests = append(dests, layer)
			if got.Type() != want.Type() {
				t.Errorf("Config.%s is a %s, %s.%s a %s", name, want.Type(), layer, name, got.Type())
			} else if !same(got, want) {
				t.Errorf("Config.%s = %v reaches %s.%s as %v", name, want, layer, name, got)
			}
		}
		_, own := rootOwn[name]
		switch {
		case own && len(dests) > 0:
			t.Errorf("Config.%s is listed as the root's own but %v has it", name, dests)
		case !own && len(dests) == 0:
			t.Errorf("Config.%s reaches no layer: give loop.Config or h1.Config a field of that name and set it in Config.layers, or list it in rootOwn", name)
		}
	}
	for name := range rootOwn {
		if _, ok := root[name]; !ok {
			t.Errorf("rootOwn lists %s, which Config does not have", name)
		}
	}
	for layer, fs := range layers {
		for name, v := range fs {
			_, fromRoot := root[name]
			_, skip := notExposed[name]
			switch {
			case fromRoot && skip:
				t.Errorf("%s.%s is listed in notExposed but Config has it", layer, name)
			case !fromRoot && !skip:
				t.Errorf("%s.%s is not set from Config: add a Config field of that name or list it in notExposed", layer, name)
			case skip && name != "Addr" && name != "Cause" && !v.IsZero():
				t.Errorf("%s.%s is not exposed but set to %v", layer, name, v)
			}
		}
	}
}

// configDocs returns the doc comment of every field of Config, as written
// in config.go, with its lines joined by spaces.
func configDocs(t *testing.T) map[string]string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "config.go", nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	docs := map[string]string{}
	ast.Inspect(f, func(n ast.Node) bool {
		ts, ok := n.(*ast.TypeSpec)
		if !ok || ts.Name.Name != "Config" {
			return true
		}
		for _, fl := range ts.Type.(*ast.StructType).Fields.List {
			for _, id := range fl.Names {
				docs[id.Name] = strings.Join(strings.Fields(fl.Doc.Text()), " ")
			}
		}
		return false
	})
	if len(docs) == 0 {
		t.Fatal("no Config in config.go")
	}
	return docs
}

// TestConfigDocumentedDefaults checks every default written in Config's
// field docs against the value the app runs with (App.Config, which each
// layer resolves), with GOMAXPROCS at 1 and at its own value. A field whose
// doc mentions a default must have a row here.
func TestConfigDocumentedDefaults(t *testing.T) {
	rows := []struct {
		field, doc string
		want       func(procs int) any
	}{
		{"Network", `Default (the loop's): "tcp".`, func(int) any { return "tcp" }},
		{"Loops", "Default (the loop's): GOMAXPROCS.", func(p int) any { return p }},
		{"ReusePort", "The default (false)", func(int) any { return false }},
		{"Placement", "default OnLoop.", func(int) any { return OnLoop }},
		{"PoolWorkers", "Default (the loop's): 4*GOMAXPROCS, at least 8.", func(p int) any { return max(8, 4*p) }},
		{"PoolQueue", "Default (the loop's): 1024.", func(int) any { return 1024 }},
		{"PoolSpare", "Default (the loop's): 4*PoolWorkers.", func(p int) any { return 4 * max(8, 4*p) }},
		{"MaxRequestLine", "Default (the engine's): 8 KiB.", func(int) any { return 8 << 10 }},
		{"MaxHeaderBytes", "Default (the engine's): 32 KiB.", func(int) any { return 32 << 10 }},
		{"MaxHeaders", "Default (the engine's): 100.", func(int) any { return 100 }},
		{"MaxBody", "Default (the engine's): 4 MiB.", func(int) any { return int64(4 << 20) }},
		{"MaxFormFields", "Default 1000.", func(int) any { return 1000 }},
		{"PipelineDepth", "Default (the engine's): 16.", func(int) any { return 16 }},
		{"HighWater", "Default (the loop's): 64 KiB and 16 KiB.", func(int) any { return 64 << 10 }},
		{"LowWater", "Default (the loop's): 64 KiB and 16 KiB.", func(int) any { return 16 << 10 }},
		{"MaxInbound", "Default (the loop's): 1 MiB.", func(int) any { return 1 << 20 }},
		{"HeaderTimeout", "Default (the engine's): 10 s.", func(int) any { return 10 * time.Second }},
		{"BodyTimeout", "Default (the engine's): 30 s.", func(int) any { return 30 * time.Second }},
		{"WriteTimeout", "Default (the loop's): 30 s.", func(int) any { return 30 * time.Second }},
		{"IdleTimeout", "Default (the engine's): 75 s.", func(int) any { return 75 * time.Second }},
		{"HandlerTimeout", "Default (the engine's): 60 s.", func(int) any { return 60 * time.Second }},
		{"ShutdownTimeout", "default 25 s", func(int) any { return 25 * time.Second }},
		{"DrainDelay", "Default: 1 s when ReadinessPath is set, else none", func(int) any { return time.Duration(0) }},
		{"DrainIdleGrace", "Default (the engine's): 500 ms.", func(int) any { return 500 * time.Millisecond }},
		{"ServerName", `"" (the default) sends none.`, func(int) any { return "" }},
		{"Logger", "default slog.Default().", func(int) any { return slog.Default() }},
		{"ErrorHandler", "default DefaultErrorHandler.", func(int) any { return ErrorHandler(DefaultErrorHandler) }},
		{"MinBodyRate", "Default (the engine's): 240 B/s", func(int) any { return int64(240) }},
		{"BodyRateGrace", "Default (the engine's): 5 s.", func(int) any { return 5 * time.Second }},
		{"BodyBudget", "Default (the engine's): 64 MiB.", func(int) any { return int64(64 << 20) }},
		{"DropUnderscoreHeaders", "Default false: kept.", func(int) any { return false }},
		{"DotSegments", "by default (DotSegmentsReject)", func(int) any { return DotSegmentsReject }},
	}
	docs := configDocs(t)
	covered := map[string]bool{}
	for _, r := range rows {
		covered[r.field] = true
		if !strings.Contains(docs[r.field], r.doc) {
			t.Errorf("Config.%s's doc does not say %q:\n%s", r.field, r.doc, docs[r.field])
		}
	}
	for name, doc := range docs {
		if strings.Contains(strings.ToLower(doc), "default") && !covered[name] {
			t.Errorf("Config.%s documents a default that no row checks: %s", name, doc)
		}
	}
	for _, procs := range []int{1, runtime.GOMAXPROCS(0)} {
		prev := runtime.GOMAXPROCS(procs)
		got := reflect.ValueOf(New(Config{}).Config())
		runtime.GOMAXPROCS(prev)
		for _, r := range rows {
			want := reflect.ValueOf(r.want(procs))
			if g := got.FieldByName(r.field); !same(g, want) {
				t.Errorf("GOMAXPROCS %d: Config.%s defaults to %v; its doc says %q", procs, r.field, g, r.doc)
			}
		}
	}
	// DrainDelay's default depends on ReadinessPath.
	if d := New(Config{ReadinessPath: "/ready"}).Config().DrainDelay; d != time.Second {
		t.Errorf("DrainDelay with ReadinessPath defaults to %v, want 1s", d)
	}
}

// TestConfigKeepsNegatives: App.Config fills in zero fields only; a value
// that means "none" is reported as given.
func TestConfigKeepsNegatives(t *testing.T) {
	got := New(Config{HandlerTimeout: -1, MinBodyRate: -1, BodyBudget: -1, PoolSpare: -1, DrainIdleGrace: -1}).Config()
	if got.HandlerTimeout != -1 || got.MinBodyRate != -1 || got.BodyBudget != -1 || got.PoolSpare != -1 || got.DrainIdleGrace != -1 {
		t.Errorf("negative fields changed: %+v", got)
	}
}
