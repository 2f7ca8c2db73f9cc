package middleware

import (
	"net/http"
	"testing"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/eddytest"
)

// TestProxy: the test client connects from 127.0.0.1, a trusted proxy for
// the "trusted" app and an untrusted peer for the "untrusted" one.
func TestProxy(t *testing.T) {
	handler := func(c *eddy.Ctx) error {
		ci := ClientOf(c)
		return c.Text(addrOf(c.RemoteAddr()).String() + " " + ci.Addr.String() + " " + ci.Proto + " " + ci.Host)
	}
	start := func(cfg ProxyConfig) *eddytest.Server {
		app := eddy.New(eddy.Config{})
		app.Use(Proxy(cfg))
		app.Get("/", handler)
		return eddytest.New(t, app)
	}
	xff := start(ProxyConfig{TrustedProxies: []string{"127.0.0.1", "10.0.0.0/8", "fd00::/8"}})
	fwd := start(ProxyConfig{TrustedProxies: []string{"127.0.0.0/8", "10.0.0.0/8"}, Forwarded: true})
	untrusted := start(ProxyConfig{TrustedProxies: []string{"10.0.0.0/8"}})
	var none *eddytest.Server
	{
		app := eddy.New(eddy.Config{})
		app.Get("/", handler)
		none = eddytest.New(t, app)
	}
	type lines = [][2]string
	cases := []struct {
		name string
		s    *eddytest.Server
		h    lines
		want string
	}{
		{"no headers", xff, nil, "127.0.0.1 127.0.0.1  "},
		{"one hop", xff, lines{{"X-Forwarded-For", "203.0.113.7"}}, "203.0.113.7 203.0.113.7  "},
		{"spoofed left", xff, lines{{"X-Forwarded-For", "1.1.1.1, 203.0.113.7"}}, "203.0.113.7 203.0.113.7  "},
		{"trusted hops skipped", xff, lines{{"X-Forwarded-For", "1.1.1.1, 203.0.113.7, 10.0.0.2, 10.1.1.1"}}, "203.0.113.7 203.0.113.7  "},
		{"lines joined", xff, lines{{"X-Forwarded-For", "1.1.1.1, 203.0.113.7"}, {"X-Forwarded-For", "10.0.0.2"}}, "203.0.113.7 203.0.113.7  "},
		{"lines joined, spoof in second line", xff, lines{{"X-Forwarded-For", "10.0.0.2"}, {"X-Forwarded-For", "198.51.100.1"}}, "198.51.100.1 198.51.100.1  "},
		{"all trusted", xff, lines{{"X-Forwarded-For", "10.0.0.3, 10.0.0.2"}}, "10.0.0.3 10.0.0.3  "},
		{"garbage stops", xff, lines{{"X-Forwarded-For", "203.0.113.7, bogus, 10.0.0.2"}}, "10.0.0.2 10.0.0.2  "},
		{"with port", xff, lines{{"X-Forwarded-For", "203.0.113.7:5555"}}, "203.0.113.7 203.0.113.7  "},
		{"ipv6", xff, lines{{"X-Forwarded-For", "2001:db8::1, fd00::5"}}, "2001:db8::1 2001:db8::1  "},
		{"proto and host", xff, lines{{"X-Forwarded-For", "203.0.113.7"}, {"X-Forwarded-Proto", "https"}, {"X-Forwarded-Host", "api.example.com"}},
			"203.0.113.7 203.0.113.7 https api.example.com"},
		{"proto last value", xff, lines{{"X-Forwarded-Proto", "http, https"}}, "127.0.0.1 127.0.0.1 https "},
		{"bad proto and host", xff, lines{{"X-Forwarded-Proto", "gopher"}, {"X-Forwarded-Host", "a b"}}, "127.0.0.1 127.0.0.1  "},
		{"untrusted peer: xff ignored", untrusted, lines{{"X-Forwarded-For", "203.0.113.7"}, {"X-Forwarded-Proto", "https"}, {"X-Forwarded-Host", "evil"}},
			"127.0.0.1 127.0.0.1  "},
		{"no middleware: xff ignored", none, lines{{"X-Forwarded-For", "203.0.113.7"}}, "127.0.0.1 127.0.0.1  "},
		{"forwarded", fwd, lines{{"Forwarded", `for=203.0.113.7;proto=https;host=api.example.com`}}, "203.0.113.7 203.0.113.7 https api.example.com"},
		{"forwarded spoofed left", fwd, lines{{"Forwarded", `for=1.1.1.1;proto=http, for=203.0.113.7;proto=https, for=10.0.0.2;proto=http`}},
			"203.0.113.7 203.0.113.7 https "},
		{"forwarded ipv6 quoted", fwd, lines{{"Forwarded", `for="[2001:db8::1]:4711";proto=https`}}, "2001:db8::1 2001:db8::1 https "},
		{"forwarded unknown stops", fwd, lines{{"Forwarded", `for=203.0.113.7, for=unknown, for=10.0.0.2`}}, "10.0.0.2 10.0.0.2  "},
		{"forwarded obfuscated stops", fwd, lines{{"Forwarded", `for=_hidden`}}, "127.0.0.1 127.0.0.1  "},
		{"forwarded ignores xff", fwd, lines{{"X-Forwarded-For", "203.0.113.9"}}, "127.0.0.1 127.0.0.1  "},
		{"forwarded lines joined", fwd, lines{{"Forwarded", `for=1.1.1.1`}, {"Forwarded", `for=10.0.0.2`}}, "1.1.1.1 1.1.1.1  "},
		{"forwarded quoted garbage stops", fwd, lines{{"Forwarded", `for=1.1.1.1, for="203.0.113.7;x"`}}, "127.0.0.1 127.0.0.1  "},
	}
	for _, tc := range cases {
		req, err := http.NewRequest("GET", tc.s.URL+"/", nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range tc.h {
			req.Header.Add(l[0], l[1])
		}
		r := tc.s.Do(t, req)
		if r.Text() != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, r.Text(), tc.want)
		}
	}
}

func TestProxyConfigPanics(t *testing.T) {
	for name, cfg := range map[string]ProxyConfig{
		"none": {},
		"bad":  {TrustedProxies: []string{"10.0.0.0/33"}},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			Proxy(cfg)
		}()
	}
}
