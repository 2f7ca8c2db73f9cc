package eddy

import (
	"context"
	"strings"
	"testing"
)

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
