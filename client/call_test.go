package client

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"runtime/metrics"
	"strings"
	"testing"
)

// TestBasicAuth: the one place that renders basic-auth credentials (the
// session's Username, a URL's user, a proxy URL's user) writes what
// net/http's SetBasicAuth writes, and a URL without a password sends an
// empty one.
func TestBasicAuth(t *testing.T) {
	cases := []struct {
		user, password string
		hasPassword    bool
	}{
		{"u", "p", true},
		{"Aladdin", "open sesame", true},
		{"ünïcode", "pä:ss", true},
		{"", "", true},
		{"only-user", "", false},
	}
	for _, tc := range cases {
		r := http.Request{Header: http.Header{}}
		r.SetBasicAuth(tc.user, tc.password)
		want := r.Header.Get("Authorization")
		if got := basicAuth(tc.user, tc.password); len(got) != 1 || got[0] != want {
			t.Errorf("basicAuth(%q, %q) = %q, want %q", tc.user, tc.password, got, want)
		}
		u := url.User(tc.user)
		if tc.hasPassword {
			u = url.UserPassword(tc.user, tc.password)
		}
		if got := userAuth(u); len(got) != 1 || got[0] != want {
			t.Errorf("userAuth(%v) = %q, want %q", u, got, want)
		}
	}
}

// TestPlainTarget: the fast request target is url.URL.RequestURI's whenever
// it is taken, and declined for what needs escaping or a query.
func TestPlainTarget(t *testing.T) {
	for _, tc := range []struct {
		url   string
		plain bool
	}{
		{"http://h/plaintext", true},
		{"http://h/a/b-c_d.e~f/$&+,:;=@", true},
		{"http://h/", true},
		{"http://h", false}, // empty path: RequestURI says "/"
		{"http://h/a?x=1", false},
		{"http://h/a?", false},
		{"http://h/a%20b", false},
		{"http://h/a%2Fb", false}, // RawPath kept
		{"http://h/ü", false},
		{"http://h/a!b", false}, // EscapedPath escapes '!'
		{"http://h/a'b", false},
	} {
		u, err := url.Parse(tc.url)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := plainTarget(u)
		if ok != tc.plain {
			t.Errorf("%s: plain %v, want %v", tc.url, ok, tc.plain)
		}
		if ok && got != u.RequestURI() {
			t.Errorf("%s: %q, RequestURI %q", tc.url, got, u.RequestURI())
		}
	}
}

// A call's work off the loop (the jar asked and told at every hop, the
// buffered body's decompression at the end) runs on one goroutine for the
// whole call, not on one per job: a chain of redirects that sets a cookie at
// every hop and ends in a gzip body starts one goroutine (it started two a
// hop and one to decode: 2*hops+3), and its results are the same (every
// cookie sent on, the body decoded, the history whole).
func TestOffLoopGoroutinePerCall(t *testing.T) {
	const hops = 10
	text := strings.Repeat("decoded off the loop ", 100)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(text))
	zw.Close()
	addr, accepted := rawServer(t, func(_ int, c net.Conn) {
		br := bufio.NewReader(c)
		for {
			r, err := readRequest(br)
			if err != nil {
				return
			}
			var i int
			fmt.Sscanf(r.URL.Path, "/hop/%d", &i)
			if i < hops {
				fmt.Fprintf(c, "HTTP/1.1 302 Found\r\nLocation: /hop/%d\r\nSet-Cookie: c%d=v%d; Path=/\r\nContent-Length: 0\r\n\r\n", i+1, i, i)
				continue
			}
			if n := len(r.Cookies()); n != hops {
				fmt.Fprintf(c, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
				continue
			}
			fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n%s", gz.Len(), gz.Bytes())
		}
	})
	jar, _ := cookiejar.New(nil)
	s := newSession(t, Config{Loops: 1, Jar: jar})
	l := s.srv.Loops()[0]
	type result struct {
		resp *Response
		err  error
	}
	chain := func() result {
		ch := make(chan result, 1)
		l.CallSoonThreadsafe(func() {
			req, _ := NewRequest("GET", addr+"/hop/0", nil)
			s.Start(l, req, func(resp *Response, err error) { ch <- result{resp, err} })
		})
		return <-ch
	}
	created := []metrics.Sample{{Name: "/sched/goroutines-created:goroutines"}}
	chain() // dials the keep-alive connection the measured chain reuses
	metrics.Read(created)
	before := created[0].Value.Uint64()
	r := chain()
	metrics.Read(created)
	n := created[0].Value.Uint64() - before
	t.Logf("a chain of %d redirects with a cookie each and a gzip body started %d goroutines", hops, n)
	if r.err != nil {
		t.Fatal(r.err)
	}
	if got, _ := r.resp.Text(); r.resp.StatusCode != 200 || got != text || len(r.resp.History) != hops {
		t.Fatalf("status %d, %d redirects, body %.40q, want 200, %d, the text decoded", r.resp.StatusCode, len(r.resp.History), got, hops)
	}
	if a := accepted.Load(); a != 1 {
		t.Fatalf("%d connections, want the one kept alive", a)
	}
	if n > 2 { // ours and, at most, one of the runtime's
		t.Errorf("the chain started %d goroutines, want one for the call's work off the loop", n)
	}
}
