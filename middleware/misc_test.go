package middleware

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/eddytest"
)

func TestSecure(t *testing.T) {
	cases := []struct {
		name string
		cfg  SecureConfig
		want map[string]string
	}{
		{"defaults", SecureConfig{}, map[string]string{
			"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
			"Referrer-Policy": "strict-origin-when-cross-origin", "Strict-Transport-Security": "",
			"Content-Security-Policy": ""}},
		{"all", SecureConfig{HSTSMaxAge: 365 * 24 * time.Hour, HSTSIncludeSubdomains: true, HSTSPreload: true,
			ContentSecurityPolicy: "default-src 'self'", FrameOptions: "SAMEORIGIN", ReferrerPolicy: "no-referrer",
			CrossOriginOpenerPolicy: "same-origin"}, map[string]string{
			"Strict-Transport-Security": "max-age=31536000; includeSubDomains; preload",
			"Content-Security-Policy":   "default-src 'self'", "X-Frame-Options": "SAMEORIGIN",
			"Referrer-Policy": "no-referrer", "Cross-Origin-Opener-Policy": "same-origin"}},
		{"off", SecureConfig{ContentTypeOptions: "-", FrameOptions: "-", ReferrerPolicy: "-"}, map[string]string{
			"X-Content-Type-Options": "", "X-Frame-Options": "", "Referrer-Policy": ""}},
	}
	for _, tc := range cases {
		app := eddy.New(eddy.Config{})
		app.Use(Secure(tc.cfg))
		app.Get("/", func(c *eddy.Ctx) error { return c.Text("ok") })
		s := eddytest.New(t, app)
		for _, path := range []string{"/", "/missing"} {
			r := s.Get(t, path)
			for k, v := range tc.want {
				if got := r.Header.Get(k); got != v {
					t.Errorf("%s %s: %s %q, want %q", tc.name, path, k, got, v)
				}
			}
		}
	}
}

func TestRequestID(t *testing.T) {
	n := 0
	app := eddy.New(eddy.Config{})
	app.Use(RequestID(RequestIDConfig{}))
	app.Get("/", func(c *eddy.Ctx) error { return c.Text(RequestIDOf(c)) })
	fixed := eddy.New(eddy.Config{})
	fixed.Use(RequestID(RequestIDConfig{Header: "X-Trace", IgnoreIncoming: true,
		Generate: func() string { n++; return fmt.Sprint("gen-", n) }}))
	fixed.Get("/", func(c *eddy.Ctx) error { return c.Text(RequestIDOf(c)) })
	s, f := eddytest.New(t, app), eddytest.New(t, fixed)
	cases := []struct {
		name   string
		s      *eddytest.Server
		header string
		in     string
		want   string // "*" for a generated 32-hex ID
	}{
		{"generated", s, "X-Request-ID", "", "*"},
		{"accepted", s, "X-Request-ID", "abc-123", "abc-123"},
		{"too long", s, "X-Request-ID", strings.Repeat("a", 129), "*"},
		{"space", s, "X-Request-ID", "a b", "*"},
		{"ignored", f, "X-Trace", "abc", "gen-1"},
	}
	for _, tc := range cases {
		var opts []eddytest.Option
		if tc.in != "" {
			opts = append(opts, eddytest.Header(tc.header, tc.in))
		}
		r := tc.s.Get(t, "/", opts...)
		echo := r.Header.Get(tc.header)
		if echo != r.Text() {
			t.Errorf("%s: echoed %q, handler saw %q", tc.name, echo, r.Text())
		}
		if tc.want == "*" {
			if len(echo) != 32 || strings.Trim(echo, "0123456789abcdef") != "" {
				t.Errorf("%s: generated %q", tc.name, echo)
			}
		} else if echo != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, echo, tc.want)
		}
	}
}

func TestRateLimit(t *testing.T) {
	var mu sync.Mutex
	now := time.Unix(1000, 0)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	app := eddy.New(eddy.Config{})
	app.Use(RateLimit(RateLimitConfig{Rate: 0.5, Burst: 2, Now: clock,
		Key: func(c *eddy.Ctx) string { return c.Header("X-Key") }}))
	app.Get("/", func(c *eddy.Ctx) error { return c.Text("ok") })
	s := eddytest.New(t, app)
	steps := []struct {
		key     string
		advance time.Duration
		status  int
		retry   string
	}{
		{"a", 0, 200, ""},
		{"a", 0, 200, ""},
		{"a", 0, 429, "2"},
		{"b", 0, 200, ""}, // its own bucket
		{"a", time.Second, 429, "1"},
		{"a", time.Second, 200, ""},
		{"a", 0, 429, "2"},
		{"a", 10 * time.Second, 200, ""}, // refilled to Burst, not beyond
		{"a", 0, 200, ""},
		{"a", 0, 429, "2"},
	}
	for i, st := range steps {
		advance(st.advance)
		r := s.Get(t, "/", eddytest.Header("X-Key", st.key))
		if r.Status != st.status || r.Header.Get("Retry-After") != st.retry {
			t.Errorf("step %d (%s): %d Retry-After %q, want %d %q", i, st.key, r.Status, r.Header.Get("Retry-After"), st.status, st.retry)
		}
	}
}

// TestRateLimitBounded: a client inventing keys cannot grow the table
// past MaxKeys, and a limited key survives eviction while refilled ones go.
func TestRateLimitBounded(t *testing.T) {
	now := time.Unix(1000, 0)
	l := newLimiter(RateLimitConfig{Rate: 1, Burst: 1, MaxKeys: 64, Now: func() time.Time { return now }})
	if _, ok := l.take("limited"); !ok {
		t.Fatal("first take refused")
	}
	for i := 0; i < 10000; i++ {
		l.take(fmt.Sprint("k", i))
		now = now.Add(time.Millisecond)
	}
	if n := l.size(); n > 64 {
		t.Fatalf("%d buckets held, bound 64", n)
	}
	if _, ok := l.take("k9999"); ok {
		t.Error("the newest key lost its bucket (evicted while limiting)")
	}
}

func TestCSRF(t *testing.T) {
	app := eddy.New(eddy.Config{})
	app.Use(CSRF(CSRFConfig{TrustedOrigins: []string{"https://admin.example.com"}}))
	app.Post("/", func(c *eddy.Ctx) error { return c.Text("done") })
	app.Get("/", func(c *eddy.Ctx) error { return c.Text("read") })
	ds := eddy.New(eddy.Config{})
	ds.Use(CSRF(CSRFConfig{DoubleSubmit: true}))
	ds.Get("/form", func(c *eddy.Ctx) error { return c.Text(CSRFToken(c)) })
	ds.Post("/form", func(c *eddy.Ctx) error { return c.Text("posted") })
	s, d := eddytest.New(t, app), eddytest.New(t, ds)
	self := s.URL
	type hdrs = map[string]string
	cases := []struct {
		name   string
		method string
		h      hdrs
		status int
	}{
		{"get cross-site", "GET", hdrs{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil"}, 200},
		{"same-origin", "POST", hdrs{"Sec-Fetch-Site": "same-origin"}, 200},
		{"user typed", "POST", hdrs{"Sec-Fetch-Site": "none"}, 200},
		{"cross-site", "POST", hdrs{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil"}, 403},
		{"same-site", "POST", hdrs{"Sec-Fetch-Site": "same-site", "Origin": "https://sub.example.com"}, 403},
		{"trusted cross-site", "POST", hdrs{"Sec-Fetch-Site": "cross-site", "Origin": "https://admin.example.com"}, 200},
		{"origin matches host", "POST", hdrs{"Origin": self}, 200},
		{"origin mismatch", "POST", hdrs{"Origin": "https://evil"}, 403},
		{"no headers (not a browser)", "POST", nil, 200},
	}
	for _, tc := range cases {
		h := http.Header{}
		for k, v := range tc.h {
			h.Set(k, v)
		}
		r := s.Request(t, tc.method, "/", []byte("x"), eddytest.Headers(h))
		if r.Status != tc.status {
			t.Errorf("%s: %d, want %d", tc.name, r.Status, tc.status)
		}
	}
	// Double submit: the token cookie from a GET must come back.
	r := d.Get(t, "/form")
	var token string
	for _, ck := range (&http.Response{Header: r.Header}).Cookies() {
		if ck.Name == "_csrf" {
			token = ck.Value
		}
	}
	if token == "" || r.Text() != token {
		t.Fatalf("token cookie %q, CSRFToken %q", token, r.Text())
	}
	form := url.Values{"_csrf": {token}}
	dcases := []struct {
		name   string
		cookie string
		opts   []eddytest.Option
		body   string
		status int
	}{
		{"header", token, []eddytest.Option{eddytest.Header("X-CSRF-Token", token)}, "", 200},
		{"form", token, []eddytest.Option{eddytest.ContentType("application/x-www-form-urlencoded")}, form.Encode(), 200},
		{"no cookie", "", []eddytest.Option{eddytest.Header("X-CSRF-Token", token)}, "", 403},
		{"mismatch", token, []eddytest.Option{eddytest.Header("X-CSRF-Token", token+"x")}, "", 403},
		{"nothing sent", token, nil, "", 403},
	}
	for _, tc := range dcases {
		opts := tc.opts
		if tc.cookie != "" {
			opts = append(opts, eddytest.Header("Cookie", "_csrf="+tc.cookie))
		}
		r := d.Request(t, "POST", "/form", []byte(tc.body), opts...)
		if r.Status != tc.status {
			t.Errorf("double submit %s: %d %q, want %d", tc.name, r.Status, r.Body, tc.status)
		}
	}
}

// flip changes a one-character base64url string to another.
func flip(s string) string {
	if s == "A" {
		return "B"
	}
	return "A"
}

func TestSessions(t *testing.T) {
	key := []byte(strings.Repeat("k", 32))
	old := []byte(strings.Repeat("o", 32))
	newApp := func(keys ...[]byte) *eddytest.Server {
		app := eddy.New(eddy.Config{})
		app.Use(Sessions(SessionConfig{Keys: keys, MaxAge: time.Hour}))
		app.Get("/visit", func(c *eddy.Ctx) error {
			s := SessionOf(c)
			n, _ := s.Get("n").(float64)
			s.Set("n", n+1)
			return c.Text(fmt.Sprint(n+1, " ", s.New))
		})
		app.Get("/peek", func(c *eddy.Ctx) error { return c.Text(fmt.Sprint(SessionOf(c).Get("n"))) })
		app.Get("/none", func(c *eddy.Ctx) error { return c.Text("untouched") })
		app.Get("/logout", func(c *eddy.Ctx) error { SessionOf(c).Invalidate(); return c.Text("bye") })
		app.Get("/fail", func(c *eddy.Ctx) error { SessionOf(c).Set("n", 99); return eddy.ErrBadRequest })
		return eddytest.New(t, app)
	}
	s := newApp(key)
	cookieOf := func(r *eddytest.Response) string {
		for _, ck := range (&http.Response{Header: r.Header}).Cookies() {
			if ck.Name == "EDDY_SESSION" {
				if ck.MaxAge < 0 {
					return "deleted"
				}
				return ck.Value
			}
		}
		return ""
	}
	r := s.Get(t, "/visit")
	ck := cookieOf(r)
	if r.Text() != "1 true" || ck == "" || !strings.Contains(r.Header.Get("Set-Cookie"), "HttpOnly") {
		t.Fatalf("first visit: %q, Set-Cookie %q", r.Text(), r.Header.Get("Set-Cookie"))
	}
	with := func(v string) eddytest.Option { return eddytest.Header("Cookie", "EDDY_SESSION="+v) }
	r = s.Get(t, "/visit", with(ck))
	if r.Text() != "2 false" {
		t.Fatalf("second visit: %q", r.Text())
	}
	ck2 := cookieOf(r)
	if r := s.Get(t, "/none", with(ck2)); r.Header.Get("Set-Cookie") != "" {
		t.Errorf("untouched session was written: %q", r.Header.Get("Set-Cookie"))
	}
	if r := s.Get(t, "/peek", with(ck2)); r.Text() != "2" || r.Header.Get("Set-Cookie") != "" {
		t.Errorf("peek: %q %q", r.Text(), r.Header.Get("Set-Cookie"))
	}
	// Tampering: any changed byte makes a new session.
	payload, mac, _ := strings.Cut(ck2, ".")
	tampered := []string{payload[:len(payload)-1] + flip(payload[len(payload)-1:]) + "." + mac, payload + "." + flip(mac[:1]) + mac[1:], payload, "garbage", ""}
	for _, v := range tampered {
		if r := s.Get(t, "/visit", with(v)); r.Text() != "1 true" {
			t.Errorf("tampered %q: %q", v, r.Text())
		}
	}
	// Errors still save (the session is written on the error answer).
	if r := s.Get(t, "/fail", with(ck2)); r.Status != 400 || cookieOf(r) == "" {
		t.Errorf("error answer: %d, cookie %q", r.Status, cookieOf(r))
	}
	if r := s.Get(t, "/logout", with(ck2)); cookieOf(r) != "deleted" {
		t.Errorf("logout: Set-Cookie %q", r.Header.Get("Set-Cookie"))
	}
	// Rotation: a server signing with a new key still reads the old one's.
	oldSrv := newApp(old)
	oldCk := cookieOf(oldSrv.Get(t, "/visit"))
	rotated := newApp(key, old)
	if r := rotated.Get(t, "/visit", with(oldCk)); r.Text() != "2 false" {
		t.Errorf("rotated keys: %q", r.Text())
	}
	if r := s.Get(t, "/visit", with(oldCk)); r.Text() != "1 true" {
		t.Errorf("unknown key accepted: %q", r.Text())
	}
}
