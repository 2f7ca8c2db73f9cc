package eddy_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/eddytest"
)

func TestStateKeys(t *testing.T) {
	userKey := eddy.NewKey[string]("user")
	countKey := eddy.NewKey[int]("count")
	dbKey := eddy.NewKey[*strings.Builder]("db")
	if userKey.Name() != "user" {
		t.Fatalf("Key.Name = %q, want user", userKey.Name())
	}
	app := eddy.New(eddy.Config{})
	app.OnStartup(func(ctx context.Context) error {
		dbKey.SetApp(app, &strings.Builder{})
		return nil
	})
	app.Use(func(next eddy.Handler) eddy.Handler {
		return func(c *eddy.Ctx) error {
			userKey.Set(c, c.Header("X-User"))
			return next(c)
		}
	})
	app.Get("/", func(c *eddy.Ctx) error {
		u, ok := userKey.Get(c)
		_, hasCount := countKey.Get(c) // never set on this request
		db, hasDB := dbKey.GetApp(c.App())
		return c.Text(fmt.Sprintf("%s %v %v %v", u, ok, hasCount, hasDB && db != nil))
	})
	s := eddytest.New(t, app)
	for _, u := range []string{"ada", "bob"} {
		if r := s.Get(t, "/", eddytest.Header("X-User", u)); r.Text() != u+" true false true" {
			t.Errorf("state: %q", r.Text())
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("SetApp on a running app did not panic")
		}
	}()
	dbKey.SetApp(app, nil)
}
