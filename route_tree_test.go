package eddy

import (
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
	m.method = methodOf([]byte(method))
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
