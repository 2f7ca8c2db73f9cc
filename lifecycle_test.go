package eddy

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestLifecycleOrder(t *testing.T) {
	var trace []string
	step := func(name string, err error) Hook {
		return func(context.Context) error { trace = append(trace, name); return err }
	}
	pair := func(name string, err error) Setup {
		return func(context.Context) (Hook, error) {
			trace = append(trace, "setup "+name)
			if err != nil {
				return nil, err
			}
			return step("teardown "+name, nil), nil
		}
	}
	boom := errors.New("boom")
	tests := []struct {
		name  string
		build func(a *App)
		want  string
		err   bool
	}{
		{"ok", func(a *App) {
			a.OnStartup(step("start1", nil))
			a.CleanupCtx(pair("A", nil))
			a.OnCleanup(step("cleanup1", nil))
			a.CleanupCtx(pair("B", nil))
			a.OnShutdown(step("shutdown1", nil))
			a.OnStartup(step("start2", nil))
			a.OnCleanup(step("cleanup2", nil))
		}, "start1, setup A, setup B, start2 | shutdown1 | teardown B, teardown A, cleanup1, cleanup2", false},
		{"setup fails", func(a *App) {
			a.CleanupCtx(pair("A", nil))
			a.CleanupCtx(pair("B", boom))
			a.OnStartup(step("never", nil))
			a.OnCleanup(step("cleanup", nil))
		}, "setup A, setup B | teardown A, cleanup", true},
		{"startup panics", func(a *App) {
			a.CleanupCtx(pair("A", nil))
			a.OnStartup(func(context.Context) error { panic("oops") })
		}, "setup A | teardown A", true},
		{"cleanup errors do not stop cleanup", func(a *App) {
			a.CleanupCtx(pair("A", nil))
			a.OnCleanup(step("c1", boom))
			a.OnCleanup(step("c2", nil))
		}, "setup A | | teardown A, c1, c2", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			trace = nil
			a := New(Config{})
			tc.build(a)
			ctx := context.Background()
			var phases []string
			tds, err := a.hooks.startup(ctx)
			phases = append(phases, strings.Join(trace, ", "))
			trace = nil
			if (err != nil) != tc.err {
				t.Fatalf("startup error %v, want error %v", err, tc.err)
			}
			if err == nil {
				a.hooks.shutdown(ctx)
				phases = append(phases, strings.Join(trace, ", "))
				trace = nil
			}
			a.hooks.cleanup(ctx, tds)
			phases = append(phases, strings.Join(trace, ", "))
			got := strings.Join(phases, " | ")
			got = strings.ReplaceAll(got, " |  |", " | |")
			if got != tc.want {
				t.Errorf("order:\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}
