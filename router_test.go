package eddy

import (
	"context"
	"strings"
	"testing"
)

// routeCases feeds the matching test, the allocation test and the
// benchmarks: every route of routeTable, and requests with the pattern
// (and method) they must reach and the parameters they must bind.
var routeTable = []struct{ method, pattern string }{
	{"GET", "/"},
	{"GET", "/plaintext"},
	{"GET", "/users"},
	{"POST", "/users"},
	{"GET", "/users/new"},
	{"GET", "/users/{id}"},
	{"PUT", "/users/{id}"},
	{"GET", "/users/{id}/edit"},
	{"GET", "/users/{id}/posts/{post}"},
	{"GET", "/n/{num:[0-9]+}"},
	{"GET", "/n/{word:[a-z]+}"},
	{"GET", "/n/{other}"},
	{"GET", "/static/{path:.*}"},
	{"GET", "/static/special"},
	{"GET", "/files/{name:.+\\.txt}"},
	{"POST", "/upload/{rest:.+}"},
	{"GET", "/a/{x}/c"},
	{"GET", "/a/b/d"},
	{"", "/any"},
	{"PROPFIND", "/dav"},
	{"GET", "/trailing/"},
}

type routeCase struct {
	method, path string
	pattern      string   // "" = 404; "405" = method not allowed
	params       []string // name, value pairs
}

var routeCases = []routeCase{
	{"GET", "/", "/", nil},
	{"GET", "/plaintext", "/plaintext", nil},
	{"HEAD", "/plaintext", "/plaintext", nil},
	{"GET", "/users", "/users", nil},
	{"POST", "/users", "/users", nil},
	{"DELETE", "/users", "405", nil},
	{"GET", "/users/new", "/users/new", nil},
	{"GET", "/users/42", "/users/{id}", []string{"id", "42"}},
	{"PUT", "/users/new", "/users/{id}", []string{"id", "new"}}, // static "new" has no PUT: backtracks
	{"GET", "/users/42/edit", "/users/{id}/edit", []string{"id", "42"}},
	{"GET", "/users/new/edit", "/users/{id}/edit", []string{"id", "new"}},
	{"GET", "/users/7/posts/9", "/users/{id}/posts/{post}", []string{"id", "7", "post", "9"}},
	{"GET", "/users/", "", nil}, // empty segment never binds a {param}
	{"GET", "/users/42/", "", nil},
	{"GET", "/n/123", "/n/{num:[0-9]+}", []string{"num", "123"}},
	{"GET", "/n/abc", "/n/{word:[a-z]+}", []string{"word", "abc"}},
	{"GET", "/n/ABC", "/n/{other}", []string{"other", "ABC"}}, // {param} wins over regexes: ABC
	{"GET", "/static/special", "/static/special", nil},
	{"GET", "/static/css/site.css", "/static/{path:.*}", []string{"path", "css/site.css"}},
	{"GET", "/static/", "/static/{path:.*}", []string{"path", ""}},
	{"GET", "/static", "", nil},
	{"GET", "/files/a/b.txt", "/files/{name:.+\\.txt}", []string{"name", "a/b.txt"}},
	{"GET", "/files/a.png", "", nil},
	{"POST", "/upload/x/y", "/upload/{rest:.+}", []string{"rest", "x/y"}},
	{"POST", "/upload/", "", nil},
	{"GET", "/a/b/c", "/a/{x}/c", []string{"x", "b"}}, // static b has no c: backtracks into {x}
	{"GET", "/a/b/d", "/a/b/d", nil},
	{"PATCH", "/any", "/any", nil},
	{"BREW", "/any", "/any", nil},
	{"PROPFIND", "/dav", "/dav", nil},
	{"GET", "/dav", "405", nil},
	{"GET", "/trailing/", "/trailing/", nil},
	{"GET", "/trailing", "", nil},
	{"GET", "/nope", "", nil},
	{"GET", "", "", nil},
	{"GET", "nope", "", nil},
}

func newTestApp(t testing.TB) *App {
	t.Helper()
	a := New(Config{})
	for _, r := range routeTable {
		a.Handle(r.method, r.pattern, func(*Ctx) error { return nil })
	}
	a.freeze()
	return a
}

func (m *matcher) set(method, path string) {
	m.method, _ = methodOf([]byte(method))
	m.custom = ""
	if m.method == mOther {
		m.custom = method
	}
	m.path = path
}

// TestRouterMatch runs every case through the tree alone and with the
// static-path shortcut: both must give the same answer.
func TestRouterMatch(t *testing.T) {
	a := newTestApp(t)
	if len(a.statics.slots) == 0 {
		t.Fatal("freeze built no static-path index")
	}
	for _, statics := range []*staticIndex{nil, &a.statics} {
		testRouterMatch(t, a, statics)
	}
}

func testRouterMatch(t *testing.T, a *App, statics *staticIndex) {
	for _, tc := range routeCases {
		var m matcher
		m.set(tc.method, tc.path)
		r := m.lookup(&a.tree, statics)
		got := ""
		switch {
		case r != nil:
			got = r.pattern
		case m.first != nil:
			got = "405"
		}
		if got != tc.pattern {
			t.Errorf("%s %q (static index %v): matched %q, want %q", tc.method, tc.path, statics != nil, got, tc.pattern)
			continue
		}
		if r == nil {
			continue
		}
		if len(r.params)*2 != len(tc.params) {
			t.Errorf("%s %q: %d params, want %v", tc.method, tc.path, len(r.params), tc.params)
			continue
		}
		for i := 0; i < len(tc.params); i += 2 {
			j := r.paramIndex(tc.params[i])
			if j < 0 {
				t.Errorf("%s %q: no param %q", tc.method, tc.path, tc.params[i])
				continue
			}
			p := m.params[j]
			if v := tc.path[p[0]:p[1]]; v != tc.params[i+1] {
				t.Errorf("%s %q: %s = %q, want %q", tc.method, tc.path, tc.params[i], v, tc.params[i+1])
			}
		}
	}
}

func TestRouterAllow(t *testing.T) {
	a := newTestApp(t)
	tests := []struct{ path, allow string }{
		{"/users", "GET, HEAD, OPTIONS, POST"},
		{"/users/1", "GET, HEAD, OPTIONS, PUT"},
		{"/dav", "OPTIONS, PROPFIND"},
		{"/any", "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, TRACE"},
	}
	for _, tc := range tests {
		var m matcher
		m.set("OPTIONS", tc.path)
		if r := m.lookup(&a.tree, &a.statics); r != nil && tc.path != "/any" {
			t.Errorf("OPTIONS %s matched %s", tc.path, r.pattern)
		}
		if m.first == nil {
			t.Fatalf("OPTIONS %s: no endpoint", tc.path)
		}
		if m.first.allow != tc.allow {
			t.Errorf("Allow for %s = %q, want %q", tc.path, m.first.allow, tc.allow)
		}
	}
}

func TestRouterManyStatics(t *testing.T) {
	a := New(Config{})
	for i := 0; i < 40; i++ {
		a.Get("/s/"+strings.Repeat("x", i+1), func(*Ctx) error { return nil })
	}
	a.freeze()
	for i := 0; i < 40; i++ {
		var m matcher
		p := "/s/" + strings.Repeat("x", i+1)
		m.set("GET", p)
		if r := m.lookup(&a.tree, &a.statics); r == nil || r.pattern != p {
			t.Fatalf("%s not matched", p)
		}
	}
}

func TestRouterSetupPanics(t *testing.T) {
	h := func(*Ctx) error { return nil }
	tests := []struct {
		name string
		fn   func(a *App)
		want string
	}{
		{"no slash", func(a *App) { a.Get("x", h) }, "must start with '/'"},
		{"mixed segment", func(a *App) { a.Get("/{a}.html", h) }, "one whole {param}"},
		{"bad name", func(a *App) { a.Get("/{1a}", h) }, "invalid parameter name"},
		{"dup name", func(a *App) { a.Get("/{a}/{a}", h) }, "appears twice"},
		{"bad regex", func(a *App) { a.Get("/{a:[}", h) }, "parameter \"a\""},
		{"empty regex", func(a *App) { a.Get("/{a:}", h) }, "empty regular expression"},
		{"too many", func(a *App) { a.Get("/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}/{i}", h) }, "more than 8"},
		{"nil handler", func(a *App) { a.Get("/x", nil) }, "nil handler"},
		{"bad method", func(a *App) { a.Handle("GE T", "/x", h) }, "invalid method"},
		{"method with slash", func(a *App) { a.Handle("GET/1", "/x", h) }, "invalid method"},
		{"lowercase get", func(a *App) { a.Handle("get", "/x", h) }, "did you mean GET?"},
		{"mixed-case delete", func(a *App) { a.Handle("Delete", "/x", h) }, "did you mean DELETE?"},
		{"lowercase options", func(a *App) { a.Group("/g").Handle("options", "/x", h) }, "did you mean OPTIONS?"},
		{"connect route", func(a *App) { a.Handle("CONNECT", "/x", h) }, "CONNECT routes never match"},
		{"duplicate", func(a *App) { a.Get("/x", h); a.Get("/x", h) }, "registered twice"},
		{"duplicate param route", func(a *App) { a.Get("/u/{a}", h); a.Get("/u/{b}", h) }, "registered twice"},
		{"duplicate name", func(a *App) { a.Get("/x", h, Name("n")); a.Get("/y", h, Name("n")) }, "used twice"},
		{"bad prefix", func(a *App) { a.Group("/api/") }, "prefix"},
		{"after start", func(a *App) { a.freeze(); a.Get("/late", h) }, "frozen"},
		{"use after start", func(a *App) { a.freeze(); a.Use(func(n Handler) Handler { return n }) }, "frozen"},
		{"hook after start", func(a *App) { a.freeze(); a.OnStartup(func(ctx context.Context) error { return nil }) }, "frozen"},
		{"nil middleware", func(a *App) { a.Use(nil) }, "nil middleware"},
		{"mount self", func(a *App) { a.Mount("/x", a) }, "Mount"},
		{"MaxBody 0", func(a *App) { a.Get("/x", h, MaxBody(0)) }, "MaxBody"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				v := recover()
				s, _ := v.(string)
				if !strings.HasPrefix(s, "eddy: ") || !strings.Contains(s, tc.want) {
					t.Fatalf("panic %v, want one containing %q", v, tc.want)
				}
			}()
			tc.fn(New(Config{}))
		})
	}
}

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

func TestGroupsAndMountMiddlewareOrder(t *testing.T) {
	var trace []string
	mw := func(name string) Middleware {
		return func(next Handler) Handler {
			return func(c *Ctx) error {
				trace = append(trace, name)
				return next(c)
			}
		}
	}
	h := func(*Ctx) error { trace = append(trace, "h"); return nil }
	a := New(Config{})
	a.Use(mw("app1"), mw("app2"))
	api := a.Group("/api", mw("api"))
	v1 := api.Group("/v1")
	v1.Get("/x", h, With(mw("route")))
	v1.Use(mw("v1")) // after the route: still applies (composed at start)
	sub := New(Config{})
	sub.Use(mw("sub"))
	sub.Group("/g", mw("subg")).Get("/y", h)
	api.Mount("/sub", sub)
	a.freeze()

	tests := []struct {
		path string
		want string
	}{
		{"/api/v1/x", "app1 app2 api v1 route h"},
		{"/api/sub/g/y", "app1 app2 api sub subg h"},
	}
	for _, tc := range tests {
		var m matcher
		m.set("GET", tc.path)
		r := m.lookup(&a.tree, &a.statics)
		if r == nil {
			t.Fatalf("%s not matched", tc.path)
		}
		trace = trace[:0]
		if err := r.serve(&Ctx{}); err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(trace, " "); got != tc.want {
			t.Errorf("%s: order %q, want %q", tc.path, got, tc.want)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("adding to a mounted app did not panic")
		}
	}()
	sub.Get("/late", h)
}

func TestURL(t *testing.T) {
	h := func(*Ctx) error { return nil }
	a := New(Config{})
	a.Get("/users/{id}", h, Name("user"))
	a.Get("/n/{num:[0-9]+}/x", h, Name("num"))
	a.Get("/static/{path:.*}", h, Name("static"))
	sub := New(Config{})
	sub.Get("/p/{id}", h, Name("subp"))
	a.Mount("/sub", sub)
	tests := []struct {
		name  string
		pairs []string
		want  string
		err   string
	}{
		{"user", []string{"id", "42"}, "/users/42", ""},
		{"user", []string{"id", "a b/c?"}, "/users/a%20b%2Fc%3F", ""},
		{"num", []string{"num", "7"}, "/n/7/x", ""},
		{"num", []string{"num", "x"}, "", "does not match"},
		{"static", []string{"path", "css/a b.css"}, "/static/css/a%20b.css", ""},
		{"subp", []string{"id", "1"}, "/sub/p/1", ""},
		{"user", nil, "", "missing parameter"},
		{"user", []string{"id", ""}, "", "empty parameter"},
		{"user", []string{"id", "1", "x", "2"}, "", "unknown parameter"},
		{"user", []string{"id"}, "", "odd number"},
		{"nope", nil, "", "no route named"},
	}
	for _, tc := range tests {
		got, err := a.URL(tc.name, tc.pairs...)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("URL(%s, %q) = %q, %v; want error %q", tc.name, tc.pairs, got, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("URL(%s, %q) = %q, %v; want %q", tc.name, tc.pairs, got, err, tc.want)
		}
	}
}

func TestPathUnescape(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"/a%20b", "/a b", true},
		{"/a%2Fb", "/a%2Fb", true},
		{"/a%2fb", "/a%2fb", true},
		{"/%41%42", "/AB", true},
		{"/a%2", "", false},
		{"/a%zz", "", false},
		{"/a%", "", false},
		{"/plain", "/plain", true},
	}
	for _, tc := range tests {
		got, ok := appendPathUnescape(nil, []byte(tc.in))
		if ok != tc.ok || ok && string(got) != tc.want {
			t.Errorf("appendPathUnescape(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func BenchmarkRouter(b *testing.B) {
	a := newTestApp(b)
	for _, tc := range []routeCase{routeCases[1], routeCases[11], routeCases[18]} {
		b.Run(strings.ReplaceAll(tc.path[1:], "/", "_"), func(b *testing.B) {
			var m matcher
			m.set(tc.method, tc.path)
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if m.lookup(&a.tree, &a.statics) == nil {
					b.Fatal("no match")
				}
			}
		})
	}
}
