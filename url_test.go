package eddy_test

import (
	"io"
	"strings"
	"testing"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/eddytest"
)

// pathApp serves /files/{name} (echoing the parameter, the matched path
// and the raw path), /b and a catch-all /static/{rest:.*}.
func pathApp(cfg eddy.Config) *eddy.App {
	app := eddy.New(cfg)
	echo := func(c *eddy.Ctx) error {
		return c.Text(c.Param("name") + c.Param("rest") + " " + c.Path() + " " + c.RawPath())
	}
	app.Get("/files/{name}", echo)
	app.Get("/static/{rest:.*}", echo)
	app.Get("/b", func(c *eddy.Ctx) error { return c.Text("b " + c.Path()) })
	return app
}

// TestPathRejections: dot segments (in every spelling), percent-encoded
// NUL, CR and LF and CONNECT targets get their status, a reason, and a
// closed connection, by default.
func TestPathRejections(t *testing.T) {
	s := eddytest.New(t, pathApp(eddy.Config{}))
	tests := []struct {
		target string
		status int
		body   string
	}{
		{"/files/..", 400, "dot segment in path"},
		{"/files/../b", 400, "dot segment in path"},
		{"/files/./x", 400, "dot segment in path"},
		{"/files/.", 400, "dot segment in path"},
		{"/static/a/../../etc/passwd", 400, "dot segment in path"},
		{"/files/%2e%2e", 400, "dot segment in path"},
		{"/files/%2E.", 400, "dot segment in path"},
		{"/files/.%2e/b", 400, "dot segment in path"},
		{"/static/%2e%2e/%2e%2e/etc/passwd", 400, "dot segment in path"},
		{"/files/%2e", 400, "dot segment in path"},
		{"/files/a%00", 400, "percent-encoded nul, cr or lf in path"},
		{"/files/a%0d%0aX-Injected:%201", 400, "percent-encoded nul, cr or lf in path"},
		{"/files/a%0A", 400, "percent-encoded nul, cr or lf in path"},
		{"/files/a%zz", 400, "malformed percent-escape in path"},
	}
	for _, tc := range tests {
		expectClosed(t, checkTarget(t, s, tc.target, tc.status, tc.body))
	}

	c := s.Dial(t)
	io.WriteString(c, "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n")
	rs := readResponses(t, c, 1, "CONNECT")
	if rs[0].StatusCode != 501 || !strings.Contains(body(rs[0]), "CONNECT is not supported") {
		t.Errorf("CONNECT: %d %q, want 501", rs[0].StatusCode, body(rs[0]))
	}
	expectClosed(t, c)

	// Names that merely start with dots are ordinary segments.
	for _, p := range []string{"/files/..x", "/files/.x", "/files/...", "/static/a/.well-known/..%2Fb"} {
		if r := s.Get(t, p); r.Status != 200 {
			t.Errorf("%s: %d %q, want 200", p, r.Status, r.Text())
		}
	}
}

// TestDotSegmentsRemove: with DotSegmentsRemove the path is routed with
// its dot segments removed; RawPath keeps what was sent.
func TestDotSegmentsRemove(t *testing.T) {
	s := eddytest.New(t, pathApp(eddy.Config{DotSegments: eddy.DotSegmentsRemove}))
	tests := []struct {
		target string
		status int
		body   string
	}{
		{"/files/x/../y", 200, "y /files/y /files/x/../y"},
		{"/files/./y", 200, "y /files/y /files/./y"},
		{"/files/%2e%2e/b", 200, "b /b"},
		{"/x/%2E./b", 200, "b /b"},
		{"/../../b", 200, "b /b"},
		{"/static/a/../../../etc/passwd", 404, "Not Found"},
		{"/static/a/b/..", 200, "a/ /static/a/ /static/a/b/.."},
		{"/files/%61/./%2e%2e/z", 200, "z /files/z /files/%61/./%2e%2e/z"},
		{"/files/%61/./%2e", 404, "Not Found"},
	}
	for _, tc := range tests {
		checkTarget(t, s, tc.target, tc.status, tc.body).Close()
	}
}

// TestDotSegmentsAllow: DotSegmentsAllow routes dot segments as static
// text, as before the option existed.
func TestDotSegmentsAllow(t *testing.T) {
	s := eddytest.New(t, pathApp(eddy.Config{DotSegments: eddy.DotSegmentsAllow}))
	c := s.Dial(t)
	io.WriteString(c, "GET /files/%2e%2e HTTP/1.1\r\nHost: x\r\n\r\nGET /files/.. HTTP/1.1\r\nHost: x\r\n\r\n")
	rs := readResponses(t, c, 2, "GET")
	if body(rs[0]) != ".. /files/.. /files/%2e%2e" || body(rs[1]) != ".. /files/.. /files/.." {
		t.Errorf("got %q and %q", body(rs[0]), body(rs[1]))
	}
}
