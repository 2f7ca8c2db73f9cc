package eddytest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/eddy-go/eddy"
)

// tested holds the apps Test registered a shutdown for, until their test
// ends.
var tested struct {
	sync.Mutex
	m map[*eddy.App]bool
}

// Test sends req to app and returns the response with its body read whole
// (fiber's app.Test, aiohttp's test client in one call): the request runs
// through the app's parser, router, middleware and handler as a client's
// would, with no listener and no network (App.Test: each request goes over
// its own socketpair). req's URL may be a bare path ("/users/1"). The
// response's Body is an in-memory reader (no Close needed); an error, or
// no answer within 10 s, fails t.
//
// An app that was not started is started by the first Test (without a
// listener; its OnStartup hooks run then) and shut down gracefully when t
// ends, bounded by 10 s, failing t if the shutdown reports an error. Call
// Test first from the test that owns app (not from a subtest that ends
// before the others run), and build a new app per test. An app started
// elsewhere (New, Start) is served beside its listener and left to its
// owner.
func Test(t testing.TB, app *eddy.App, req *http.Request) *http.Response {
	t.Helper()
	ownShutdown(t, app)
	resp, err := app.Test(req, timeout)
	if err != nil {
		t.Fatalf("eddytest: %v", err)
	}
	return resp
}

// ownShutdown registers app's shutdown with t's cleanup, once, if nothing
// has started app yet.
func ownShutdown(t testing.TB, app *eddy.App) {
	tested.Lock()
	defer tested.Unlock()
	if tested.m[app] || app.Addr() != nil {
		return
	}
	if tested.m == nil {
		tested.m = make(map[*eddy.App]bool)
	}
	tested.m[app] = true
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		if err := app.Shutdown(ctx); err != nil {
			t.Errorf("eddytest: shutdown: %v", err)
		}
		tested.Lock()
		delete(tested.m, app)
		tested.Unlock()
	})
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
