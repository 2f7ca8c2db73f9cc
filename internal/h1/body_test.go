package h1

import (
	"strconv"
	"strings"
	"testing"

	"github.com/eddy-go/eddy/loop"
)

func chunked(path string, chunks ...string) string {
	var b strings.Builder
	b.WriteString("POST " + path + " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
	for _, c := range chunks {
		b.WriteString(strconv.FormatInt(int64(len(c)), 16) + "\r\n" + c + "\r\n")
	}
	b.WriteString("0\r\n\r\n")
	return b.String()
}

// TestRequestBodies: Content-Length and chunked bodies, whole or cut into
// pieces (every byte apart for the small ones), echoed back; the
// connection stays usable after each.
func TestRequestBodies(t *testing.T) {
	big := strings.Repeat("0123456789", 30000) // 300 KB: several reads, detached
	cases := []struct {
		name, req, want string
		bytewise        bool
	}{
		{"length", post("/echo", "abc"), "abc", true},
		{"length-empty", post("/echo", ""), "", true},
		{"length-big", post("/echo", big), big, false},
		{"chunked", chunked("/echo", "ab", "cde", "f"), "abcdef", true},
		{"chunked-ext-trailer", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3;a=b\r\nxyz\r\n0\r\nX-T: 1\r\n\r\n", "xyz", true},
		{"chunked-big", chunked("/echo", big[:100000], big[100000:]), big, false},
	}
	ts := startServer(t, Config{}, loop.Config{})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cl := ts.dial(t)
			cl.send(tc.req)
			cl.expect("POST", 200, tc.want)
			if tc.bytewise {
				for i := 0; i < len(tc.req); i++ {
					cl.send(tc.req[i : i+1])
				}
				cl.expect("POST", 200, tc.want)
			}
			cl.send(get("/plain?after"))
			cl.expect("GET", 200, "plain after")
		})
	}
}

// TestBodyTooLarge: a body over the limit is answered 413 and the
// connection closed, whether the size is announced or found while reading.
func TestBodyTooLarge(t *testing.T) {
	cases := []struct{ name, req string }{
		{"length-config", post("/echo", strings.Repeat("a", 2000))},
		{"length-plan", post("/echo?max=10", strings.Repeat("a", 11))},
		{"chunked-config", chunked("/echo", strings.Repeat("a", 600), strings.Repeat("b", 600))},
		{"chunked-plan", chunked("/echo?max=10", "123456", "78901")},
	}
	ts := startServer(t, Config{MaxBody: 1000}, loop.Config{})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cl := ts.dial(t)
			cl.send(tc.req)
			r := cl.read("POST")
			if r.StatusCode != 413 || !r.Close {
				t.Fatalf("got %d close=%v %q", r.StatusCode, r.Close, r.body)
			}
			cl.expectEOF()
		})
	}
}

// TestExpectContinue: 100 Continue only when the body is wanted.
func TestExpectContinue(t *testing.T) {
	ts := startServer(t, Config{MaxBody: 100}, loop.Config{})
	head := func(path string, n int) string {
		return "POST " + path + " HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: " + itoa(n) + "\r\n\r\n"
	}

	t.Run("wanted", func(t *testing.T) {
		cl := ts.dial(t)
		cl.send(head("/echo", 5))
		cl.expect("POST", 100, "")
		cl.send("hello")
		cl.expect("POST", 200, "hello")
	})
	t.Run("wanted-chunked", func(t *testing.T) {
		cl := ts.dial(t)
		cl.send("POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nTransfer-Encoding: chunked\r\n\r\n")
		cl.expect("POST", 100, "")
		cl.send("5\r\nhello\r\n0\r\n\r\n")
		cl.expect("POST", 200, "hello")
	})
	t.Run("body-sent-anyway", func(t *testing.T) {
		cl := ts.dial(t)
		cl.send(head("/echo", 5) + "hello")
		cl.expect("POST", 200, "hello") // no 100: the body is already here
	})
	t.Run("too-large", func(t *testing.T) {
		cl := ts.dial(t)
		cl.send(head("/echo", 101))
		r := cl.read("POST")
		if r.StatusCode != 413 {
			t.Fatalf("got %d", r.StatusCode)
		}
		cl.expectEOF()
	})
	t.Run("no-route", func(t *testing.T) {
		cl := ts.dial(t)
		cl.send(head("/noroute", 5))
		r := cl.expect("POST", 404, "no route\n")
		if !r.Close {
			t.Fatal("unread body: the connection must close")
		}
		cl.expectEOF()
	})
	t.Run("other-expectation", func(t *testing.T) {
		cl := ts.dial(t)
		cl.send("POST /echo HTTP/1.1\r\nHost: x\r\nExpect: something\r\nContent-Length: 1\r\n\r\nx")
		r := cl.read("POST")
		if r.StatusCode != 417 {
			t.Fatalf("got %d", r.StatusCode)
		}
		cl.expectEOF()
	})
}

// TestRouteAnswersWithBodyPresent: Route's answer skips a body that is
// already here and keeps the connection.
func TestRouteAnswersWithBodyPresent(t *testing.T) {
	ts := startServer(t, Config{}, loop.Config{})
	cl := ts.dial(t)
	cl.send(post("/noroute", "abc") + get("/plain?x"))
	r := cl.expect("POST", 404, "no route\n")
	if r.Close {
		t.Fatal("closed although the body was skipped")
	}
	cl.expect("GET", 200, "plain x")
}

func itoa(n int) string { return strconv.Itoa(n) }
