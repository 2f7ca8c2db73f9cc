package ws

import (
	"strings"
	"testing"

	"github.com/eddy-go/eddy/httpcodec"
)

// parseRequest parses a request head with httpcodec, as the server does.
func parseRequest(t testing.TB, in string) *httpcodec.Request {
	t.Helper()
	var p httpcodec.RequestParser
	r := new(httpcodec.Request)
	n, err := p.Parse([]byte(in), r)
	if err != nil || n != len(in) {
		t.Fatalf("httpcodec: n = %d, err = %v for %q", n, err, in)
	}
	return r
}

func TestAccept(t *testing.T) {
	for _, c := range handshakeCases {
		hs, err := Accept(parseRequest(t, c.in), c.opts)
		if err != c.err {
			t.Fatalf("%s: err = %v, want %v", c.name, err, c.err)
		}
		if err != nil {
			continue
		}
		if hs.Protocol != c.protocol {
			t.Fatalf("%s: Protocol = %q, want %q", c.name, hs.Protocol, c.protocol)
		}
		if hs.Deflate != (c.ext != "") || hs.DeflateParams != c.params {
			t.Fatalf("%s: Deflate = %v %+v, want %v %+v", c.name, hs.Deflate, hs.DeflateParams, c.ext != "", c.params)
		}
		want := "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " + sampleAccept + "\r\n"
		if c.protocol != "" {
			want += "Sec-WebSocket-Protocol: " + c.protocol + "\r\n"
		}
		if c.ext != "" {
			want += "Sec-WebSocket-Extensions: " + c.ext + "\r\n"
		}
		want += "\r\n"
		if got := string(hs.AppendResponse(nil)); got != want {
			t.Fatalf("%s: response\n%q, want\n%q", c.name, got, want)
		}
		// The answer is what a client accepts.
		checkClientAccepts(t, c, string(hs.AppendResponse(nil)))
	}
}

// checkClientAccepts parses the server's answer as the client would: the
// client that sent c's request accepts it with the same result.
func checkClientAccepts(t *testing.T, c handshakeCase, answer string) {
	t.Helper()
	var p httpcodec.ResponseParser
	var r httpcodec.Response
	if n, err := p.Parse([]byte(answer), &r, false); err != nil || n != len(answer) {
		t.Fatalf("%s: answer does not parse: %v", c.name, err)
	}
	o := &ClientOptions{}
	if c.opts != nil {
		o.Protocols = c.opts.Protocols
	}
	if c.ext != "" {
		o.Deflate = &DeflateOptions{}
	}
	hs, err := CheckResponse(&r, []byte(sampleKey), o)
	if err != nil {
		t.Fatalf("%s: client refuses the answer: %v", c.name, err)
	}
	if hs.Protocol != c.protocol || hs.Deflate != (c.ext != "") {
		t.Fatalf("%s: client sees protocol %q deflate %v", c.name, hs.Protocol, hs.Deflate)
	}
	if hs.Deflate && (hs.DeflateParams.ServerMaxWindowBits != c.params.ServerMaxWindowBits ||
		hs.DeflateParams.ServerNoContextTakeover != c.params.ServerNoContextTakeover) {
		t.Fatalf("%s: client sees %+v, server %+v", c.name, hs.DeflateParams, c.params)
	}
}

func TestAppendAcceptKey(t *testing.T) {
	if got := string(AppendAcceptKey([]byte("x"), []byte(sampleKey))); got != "x"+sampleAccept {
		t.Fatalf("accept = %q", got)
	}
}

func TestHandshakeErrorResponse(t *testing.T) {
	got := string(ErrBadVersion.AppendResponse(nil))
	if !strings.HasPrefix(got, "HTTP/1.1 426 Upgrade Required\r\nSec-WebSocket-Version: 13\r\n") {
		t.Fatalf("426 answer: %q", got)
	}
	for _, e := range []*HandshakeError{ErrOrigin, ErrBadKey, ErrBadAccept} {
		resp := string(e.AppendResponse(nil))
		var p httpcodec.ResponseParser
		var r httpcodec.Response
		n, err := p.Parse([]byte(resp), &r, false)
		if err != nil || r.Status() != max(e.Status, 400) || resp[n:] != e.Reason+"\n" || r.ContentLength() != int64(len(e.Reason)+1) {
			t.Fatalf("%v: answer %q: %v", e, resp, err)
		}
		if e.Error() != "ws: "+e.Reason {
			t.Fatalf("Error() = %q", e.Error())
		}
	}
}
