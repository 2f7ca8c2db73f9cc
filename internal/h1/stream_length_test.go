package h1

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/eddy-go/eddy/loop"
)

// TestStreamStartLength: a stream of known length goes out with
// Content-Length and no chunk framing, and the connection stays open for
// the next request, for HTTP/1.1 and HTTP/1.0 keep-alive; a HEAD request
// gets the head with the length and no body.
func TestStreamStartLength(t *testing.T) {
	tests := []struct {
		name, req, method string
		body              string
	}{
		{"1.1", get("/sized?n=3"), "GET", strings.Repeat("0123456789", 3)},
		{"1.0 keep-alive", "GET /sized?n=2 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", "GET", strings.Repeat("0123456789", 2)},
		{"head", "HEAD /sized?n=4 HTTP/1.1\r\nHost: x\r\n\r\n", "HEAD", ""},
	}
	ts := startServer(t, Config{}, loop.Config{})
	for _, tc := range tests {
		cl := ts.dial(t)
		cl.send(tc.req + get("/plain"))
		resp, err := http.ReadResponse(cl.br, &http.Request{Method: tc.method})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		b, err := io.ReadAll(resp.Body)
		if err != nil || string(b) != tc.body {
			t.Errorf("%s: body %q, %v; want %q", tc.name, b, err, tc.body)
		}
		if len(resp.TransferEncoding) != 0 {
			t.Errorf("%s: Transfer-Encoding %v, want none", tc.name, resp.TransferEncoding)
		}
		want := int64(len(tc.body))
		if tc.method == "HEAD" {
			want = 40
		}
		if resp.ContentLength != want {
			t.Errorf("%s: Content-Length %d, want %d", tc.name, resp.ContentLength, want)
		}
		cl.expect("GET", 200, "plain ")
	}
}
