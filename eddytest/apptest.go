package eddytest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/eddy-go/eddy"
)

// servers holds the Server Test started for each app, until its test ends.
var servers struct {
	sync.Mutex
	m map[*eddy.App]*Server
}

// Test sends req to app and returns the response with its body read whole
// (fiber's app.Test, aiohttp's test client in one call): the request runs
// through the app's parser, router, middleware and handler as a client's
// would. req's URL may be a bare path ("/users/1"): scheme and host are
// filled in. The response's Body is an in-memory reader (no Close
// needed); a transport error fails t.
//
// The app is started on first use, on a loopback address, and stopped
// when t ends (as New does): eddy's engine runs on sockets, so Test sends
// over a loopback connection rather than in memory. Call Test first from
// the test that owns app (not from a subtest that ends before the others
// run), and build a new app per test.
func Test(t testing.TB, app *eddy.App, req *http.Request) *http.Response {
	t.Helper()
	s := serverFor(t, app)
	u := *req.URL
	base := strings.TrimPrefix(s.URL, "http://")
	u.Scheme, u.Host = "http", base
	out := req.Clone(req.Context())
	out.URL = &u
	if req.URL.Host == "" {
		out.Host = base
	}
	out.RequestURI = ""
	resp, err := s.Client.Do(out)
	if err != nil {
		t.Fatalf("eddytest: %s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("eddytest: reading %s %s: %v", req.Method, req.URL, err)
	}
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return resp
}

// serverFor returns the Server running app for Test, starting it once.
func serverFor(t testing.TB, app *eddy.App) *Server {
	servers.Lock()
	defer servers.Unlock()
	if s := servers.m[app]; s != nil {
		return s
	}
	if servers.m == nil {
		servers.m = make(map[*eddy.App]*Server)
	}
	// Registered before New's own cleanup, so it runs after it (cleanups
	// run last-in first-out): the entry goes once the app has stopped.
	t.Cleanup(func() {
		servers.Lock()
		delete(servers.m, app)
		servers.Unlock()
	})
	if app.Addr() != nil {
		t.Fatalf("eddytest: Test: the app was started elsewhere, or by a Test in a subtest that has ended; " +
			"call Test first from the test that owns the app")
	}
	s := New(t, app)
	servers.m[app] = s
	return s
}

// NewRequest returns a request for Test: method, a path (with its query),
// and body (nil for none). It panics on a malformed method or path (a test
// setup error).
func NewRequest(method, path string, body []byte) *http.Request {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, path, rd)
	if err != nil {
		panic("eddytest: " + err.Error())
	}
	return req
}

// NewJSONRequest returns a request for Test with v encoded as its JSON
// body (Content-Type application/json). It panics if v cannot be encoded.
func NewJSONRequest(method, path string, v any) *http.Request {
	b, err := json.Marshal(v)
	if err != nil {
		panic("eddytest: encoding " + err.Error())
	}
	req := NewRequest(method, path, b)
	req.Header.Set("Content-Type", "application/json")
	return req
}

// WithCookies adds to req every cookie resp set (its Set-Cookie headers,
// as a browser would send them back) and returns req: for session and
// CSRF flows through Test.
func WithCookies(req *http.Request, resp *http.Response) *http.Request {
	for _, c := range resp.Cookies() {
		if c.MaxAge < 0 {
			continue // deleted
		}
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	return req
}

// DecodeJSON decodes resp's body into v; a body that is not JSON fails t.
func DecodeJSON(t testing.TB, resp *http.Response, v any) {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("eddytest: %v", err)
	}
	resp.Body = io.NopCloser(bytes.NewReader(b))
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("eddytest: decoding %q: %v", b, err)
	}
}
