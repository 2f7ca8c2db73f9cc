package middleware

import (
	"net/http"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/eddytest"
)

func TestCORS(t *testing.T) {
	app := eddy.New(eddy.Config{})
	app.Use(CORS(CORSConfig{
		AllowOrigins:     []string{"https://app.example.com"},
		AllowMethods:     []string{"GET", "POST", "DELETE"},
		AllowHeaders:     []string{"Content-Type", "X-Token"},
		ExposeHeaders:    []string{"X-Total"},
		AllowCredentials: true,
		MaxAge:           10 * time.Minute,
	}))
	app.Get("/items", func(c *eddy.Ctx) error { return c.Text("items") })
	app.Delete("/items", func(c *eddy.Ctx) error { return c.Text("deleted") })
	app.Get("/fail", func(c *eddy.Ctx) error { return eddy.ErrForbidden })
	public := CORS(CORSConfig{AllowOrigins: []string{"*"}, AllowMethods: []string{"GET"}})
	app.Get("/public", func(c *eddy.Ctx) error { return c.Text("public") }, eddy.With(public))
	app.Options("/public", Preflight, eddy.With(public))
	s := eddytest.New(t, app)

	const app1, evil = "https://app.example.com", "https://evil.example"
	type hdrs = map[string]string
	cases := []struct {
		name, method, path string
		req                hdrs
		status             int
		want               hdrs // "" means absent
	}{
		{"no origin", "GET", "/items", nil, 200, hdrs{"Access-Control-Allow-Origin": ""}},
		{"allowed", "GET", "/items", hdrs{"Origin": app1}, 200, hdrs{
			"Access-Control-Allow-Origin": app1, "Access-Control-Allow-Credentials": "true",
			"Access-Control-Expose-Headers": "X-Total", "Vary": "Origin", "Access-Control-Allow-Methods": ""}},
		{"allowed, case", "GET", "/items", hdrs{"Origin": "HTTPS://APP.EXAMPLE.COM"}, 200, hdrs{
			"Access-Control-Allow-Origin": "HTTPS://APP.EXAMPLE.COM"}},
		{"refused", "GET", "/items", hdrs{"Origin": evil}, 200, hdrs{
			"Access-Control-Allow-Origin": "", "Vary": "Origin"}},
		{"error answer", "GET", "/fail", hdrs{"Origin": app1}, 403, hdrs{"Access-Control-Allow-Origin": app1}},
		{"preflight", "OPTIONS", "/items", hdrs{"Origin": app1, "Access-Control-Request-Method": "DELETE",
			"Access-Control-Request-Headers": "X-Token"}, 204, hdrs{
			"Access-Control-Allow-Origin": app1, "Access-Control-Allow-Methods": "GET, POST, DELETE",
			"Access-Control-Allow-Headers": "Content-Type, X-Token", "Access-Control-Max-Age": "600",
			"Access-Control-Allow-Credentials": "true", "Allow": ""}},
		{"preflight refused", "OPTIONS", "/items", hdrs{"Origin": evil, "Access-Control-Request-Method": "DELETE"}, 204, hdrs{
			"Access-Control-Allow-Origin": "", "Access-Control-Allow-Methods": ""}},
		{"preflight unknown path", "OPTIONS", "/nowhere", hdrs{"Origin": app1, "Access-Control-Request-Method": "GET"}, 204, hdrs{
			"Access-Control-Allow-Origin": app1}},
		{"plain OPTIONS", "OPTIONS", "/items", hdrs{"Origin": app1}, 204, hdrs{
			"Allow": "DELETE, GET, HEAD, OPTIONS", "Access-Control-Allow-Origin": app1, "Access-Control-Allow-Methods": ""}},
		{"route policy", "GET", "/public", hdrs{"Origin": evil}, 200, hdrs{
			"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Credentials": "", "Access-Control-Expose-Headers": ""}},
		{"route preflight", "OPTIONS", "/public", hdrs{"Origin": evil, "Access-Control-Request-Method": "GET",
			"Access-Control-Request-Headers": "X-A"}, 204, hdrs{
			"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "GET",
			"Access-Control-Allow-Headers": "X-A", "Access-Control-Max-Age": ""}},
	}
	for _, tc := range cases {
		h := http.Header{}
		for k, v := range tc.req {
			h.Set(k, v)
		}
		r := s.Request(t, tc.method, tc.path, nil, eddytest.Headers(h))
		if r.Status != tc.status {
			t.Errorf("%s: status %d, want %d", tc.name, r.Status, tc.status)
		}
		for k, v := range tc.want {
			if got := r.Header.Get(k); got != v {
				t.Errorf("%s: %s %q, want %q", tc.name, k, got, v)
			}
		}
	}
}
