package client

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/eddytest"
)

// viewResult is what a StartView callback copied out of its View.
type viewResult struct {
	status     int
	statusLine string
	first      string   // Header("x-a")
	xa         []string // every X-A, from EachHeader
	header     http.Header
	cl         int64
	body       string
	unc        bool
	url        string
	err        error
}

// viewOnce sends req with StartView from one of s's loops and returns what
// the callback copied out of the View.
func viewOnce(t *testing.T, s *Session, req *Request) viewResult {
	t.Helper()
	l := s.srv.Loops()[0]
	ch := make(chan viewResult, 1)
	l.CallSoonThreadsafe(func() {
		s.StartView(l, req, func(v *View, err error) {
			l.AssertLoopOnly("StartView callback")
			if err != nil {
				ch <- viewResult{err: err}
				return
			}
			r := viewResult{status: v.StatusCode(), statusLine: v.Status(), first: string(v.Header("x-a")),
				header: v.OwnHeader(), cl: v.ContentLength(), body: string(v.Body()), unc: v.Uncompressed(), url: v.URL().String()}
			v.EachHeader(func(k, val []byte) bool {
				if strings.EqualFold(string(k), "X-A") {
					r.xa = append(r.xa, string(val))
				}
				return true
			})
			ch <- r
		})
	})
	select {
	case r := <-ch:
		return r
	case <-time.After(15 * time.Second):
		t.Fatal("no callback")
	}
	return viewResult{}
}

func gzipped(s string) []byte {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	io.WriteString(zw, s)
	zw.Close()
	return b.Bytes()
}

var (
	viewLarge = strings.Repeat("0123456789abcdef", 1<<16) // 1 MiB: arrives in many reads
	viewGzip  = gzipped("hello gzip")
)

// viewNetHTTP serves the paths of TestStartView with net/http.
func viewNetHTTP(t *testing.T) string {
	mux := http.NewServeMux()
	mux.HandleFunc("/hello", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("X-A", "1")
		w.Header().Add("X-A", "2")
		io.WriteString(w, "Hello")
	})
	mux.HandleFunc("/created", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(201)
		io.WriteString(w, "made")
	})
	mux.HandleFunc("/large", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1048576")
		io.WriteString(w, viewLarge)
	})
	mux.HandleFunc("/gzip", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		w.Write(viewGzip)
	})
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/hello", http.StatusFound)
	})
	mux.HandleFunc("/missing", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no", 404) })
	mux.HandleFunc("/chunked", func(w http.ResponseWriter, r *http.Request) {
		for _, p := range []string{"ab", "cd", viewLarge[:200<<10]} {
			io.WriteString(w, p)
			w.(http.Flusher).Flush()
		}
	})
	mux.HandleFunc("/setcookie", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "c", Value: "1"})
	})
	mux.HandleFunc("/cookie", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, r.Header.Get("Cookie")) })
	return newHTTPServer(t, mux).URL
}

// viewEddy serves the paths of TestStartView that eddy serves alike.
func viewEddy(t *testing.T) string {
	app := eddy.New(eddy.Config{})
	app.Get("/hello", func(c *eddy.Ctx) error {
		c.AddHeader("X-A", "1").AddHeader("X-A", "2")
		return c.Text("Hello")
	})
	app.Get("/created", func(c *eddy.Ctx) error { return c.Status(201).Text("made") })
	app.Get("/large", func(c *eddy.Ctx) error { return c.Blob("text/plain", []byte(viewLarge)) })
	app.Get("/gzip", func(c *eddy.Ctx) error {
		c.SetHeader("Content-Encoding", "gzip")
		return c.Blob("application/octet-stream", viewGzip)
	})
	app.Get("/redirect", func(c *eddy.Ctx) error { return c.Redirect(302, "/hello") })
	app.Get("/missing", func(c *eddy.Ctx) error { return c.Status(404).Text("no") })
	return eddytest.New(t, app).URL
}

// TestStartView: StartView against net/http and eddy servers sees what Start
// would: status, fields, bodies in place or collected (chunked, large),
// redirects followed, gzip decoded (or left alone when the session does not
// ask for it), the body limit and RaiseForStatus.
func TestStartView(t *testing.T) {
	cases := []struct {
		name, method, path string
		cfg                Config
		nethttpOnly        bool
		status             int
		body               string
		first              string
		xa                 int
		cl                 int64
		unc                bool
		urlSuffix          string
		err                error
	}{
		{name: "fields", path: "/hello", status: 200, body: "Hello", first: "1", xa: 2, cl: 5},
		{name: "status", path: "/created", status: 201, body: "made", cl: 4},
		{name: "large", path: "/large", status: 200, body: viewLarge, cl: 1 << 20},
		{name: "head", method: "HEAD", path: "/large", status: 200, body: "", cl: 1 << 20},
		{name: "too large", path: "/large", cfg: Config{MaxBodyBuffered: 64 << 10}, err: ErrBodyTooLarge},
		{name: "gzip", path: "/gzip", status: 200, body: "hello gzip", cl: -1, unc: true},
		{name: "gzip not asked", path: "/gzip", cfg: Config{DisableCompression: true}, status: 200, body: string(viewGzip), cl: int64(len(viewGzip))},
		{name: "redirect", path: "/redirect", status: 200, body: "Hello", first: "1", xa: 2, cl: 5, urlSuffix: "/hello"},
		{name: "redirect not followed", path: "/redirect", cfg: Config{MaxRedirects: -1}, status: 302, cl: -2},
		{name: "not found", path: "/missing", status: 404, cl: -2},
		{name: "raise for status", path: "/missing", cfg: Config{RaiseForStatus: true}, err: &StatusError{}},
		{name: "chunked", path: "/chunked", nethttpOnly: true, status: 200, body: "abcd" + viewLarge[:200<<10], cl: -1},
	}
	servers := map[string]string{"nethttp": viewNetHTTP(t), "eddy": viewEddy(t)}
	for srvName, base := range servers {
		for _, tc := range cases {
			if tc.nethttpOnly && srvName != "nethttp" {
				continue
			}
			t.Run(srvName+"/"+tc.name, func(t *testing.T) {
				s := newSession(t, tc.cfg)
				method := tc.method
				if method == "" {
					method = "GET"
				}
				req, _ := NewRequest(method, base+tc.path, nil)
				for round := range 2 { // a new connection, then the pooled one
					r := viewOnce(t, s, req)
					if tc.err != nil {
						var se *StatusError
						if !errors.Is(r.err, tc.err) && !(errors.As(tc.err, &se) && errors.As(r.err, &se) && se.StatusCode == 404) {
							t.Fatalf("round %d: err %v, want %v", round, r.err, tc.err)
						}
						continue
					}
					if r.err != nil {
						t.Fatalf("round %d: %v", round, r.err)
					}
					if r.status != tc.status || r.statusLine != http.StatusText(tc.status) && !strings.HasSuffix(r.statusLine, http.StatusText(tc.status)) {
						t.Errorf("round %d: status %d %q, want %d", round, r.status, r.statusLine, tc.status)
					}
					if tc.status == 200 && r.body != tc.body {
						t.Errorf("round %d: body %d bytes %.40q, want %d bytes %.40q", round, len(r.body), r.body, len(tc.body), tc.body)
					}
					if r.first != tc.first || len(r.xa) != tc.xa || len(r.header["X-A"]) != tc.xa {
						t.Errorf("round %d: X-A first %q, each %q, owned %q", round, r.first, r.xa, r.header["X-A"])
					}
					if tc.cl != -2 && r.cl != tc.cl {
						t.Errorf("round %d: content length %d, want %d", round, r.cl, tc.cl)
					}
					if r.unc != tc.unc {
						t.Errorf("round %d: uncompressed %v, want %v", round, r.unc, tc.unc)
					}
					if !strings.HasSuffix(r.url, tc.path) && (tc.urlSuffix == "" || !strings.HasSuffix(r.url, tc.urlSuffix)) {
						t.Errorf("round %d: url %q", round, r.url)
					}
				}
			})
		}
	}
}

// TestStartViewCookies: the jar stores a view's cookies and sends them on.
func TestStartViewCookies(t *testing.T) {
	base := viewNetHTTP(t)
	jar, _ := cookiejar.New(nil)
	s := newSession(t, Config{Jar: jar})
	req, _ := NewRequest("GET", base+"/setcookie", nil)
	if r := viewOnce(t, s, req); r.err != nil || r.status != 200 {
		t.Fatalf("%+v", r)
	}
	req, _ = NewRequest("GET", base+"/cookie", nil)
	if r := viewOnce(t, s, req); r.err != nil || r.body != "c=1" {
		t.Fatalf("cookie sent: %+v", r)
	}
}

// TestStartViewRawServers: bodies the server delimits by closing, and the
// failures: garbage, a body cut short, a stalled head or body, a refused
// connection.
func TestStartViewRawServers(t *testing.T) {
	for _, tc := range []struct {
		name  string
		cfg   Config
		reply string
		stall bool // after the reply, wait for the client to hang up
		body  string
		err   error
	}{
		{name: "close-delimited", reply: "HTTP/1.1 200 OK\r\n\r\nuntil the end", body: "until the end"},
		{name: "close-delimited split", reply: "HTTP/1.1 200 OK\r\nX-A: 1\r\n\r\n", body: ""},
		{name: "garbage", reply: "NOT HTTP AT ALL\r\n\r\n", err: ErrBadResponse},
		{name: "cut short", reply: "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", err: ErrConnLost},
		{name: "bad chunk", reply: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", err: ErrBadResponse},
		{name: "stalled head", cfg: Config{Timeout: Timeouts{ResponseHeader: 100 * time.Millisecond}}, stall: true, err: ErrHeaderTimeout},
		{name: "stalled body", cfg: Config{Timeout: Timeouts{ReadGap: 100 * time.Millisecond}}, reply: "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", stall: true, err: ErrReadGapTimeout},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr, _ := rawServer(t, func(_ int, c net.Conn) {
				if _, err := readRequest(bufio.NewReader(c)); err != nil {
					return
				}
				io.WriteString(c, tc.reply)
				if tc.stall {
					io.Copy(io.Discard, c)
				}
			})
			s := newSession(t, tc.cfg)
			req, _ := NewRequest("GET", addr, nil)
			r := viewOnce(t, s, req)
			if !errors.Is(r.err, tc.err) {
				t.Fatalf("err %v, want %v", r.err, tc.err)
			}
			if tc.err == nil && r.body != tc.body {
				t.Fatalf("body %q, want %q", r.body, tc.body)
			}
		})
	}
	t.Run("refused", func(t *testing.T) {
		ln, _ := net.Listen("tcp", "127.0.0.1:0")
		addr := ln.Addr().String()
		ln.Close()
		s := newSession(t, Config{})
		req, _ := NewRequest("GET", "http://"+addr+"/", nil)
		if r := viewOnce(t, s, req); r.err == nil {
			t.Fatalf("no error: %+v", r)
		}
	})
}

// TestStartViewRetry: a GET whose pooled connection the server closed as it
// arrived is sent again once on a new connection; the View is the second
// connection's answer.
func TestStartViewRetry(t *testing.T) {
	addr, accepted := rawServer(t, func(n int, c net.Conn) {
		br := bufio.NewReader(c)
		for i := 0; ; i++ {
			if _, err := readRequest(br); err != nil {
				return
			}
			if n == 1 && i == 1 {
				return // stale: closed without an answer
			}
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
		}
	})
	s := newSession(t, Config{})
	req, _ := NewRequest("GET", addr, nil)
	for i := range 2 {
		if r := viewOnce(t, s, req); r.err != nil || r.body != "ok" {
			t.Fatalf("%d: %+v", i, r)
		}
	}
	if got := accepted.Load(); got != 2 {
		t.Errorf("%d connections, want 2", got)
	}
}

// TestStartViewKeptIsReused documents the misuse of keeping a View past its
// callback: the next request reuses it, so the kept View shows the next
// response, not the one it was lent for (and nothing crashes).
func TestStartViewKeptIsReused(t *testing.T) {
	addr, _ := rawServer(t, func(_ int, c net.Conn) {
		br := bufio.NewReader(c)
		for {
			r, err := readRequest(br)
			if err != nil {
				return
			}
			body := strings.TrimPrefix(r.URL.Path, "/")
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n"+body)
		}
	})
	s := newSession(t, Config{})
	l := s.srv.Loops()[0]
	type seen struct {
		v    *View
		body string
	}
	send := func(path string) seen {
		ch := make(chan seen, 1)
		req, _ := NewRequest("GET", addr+path, nil)
		l.CallSoonThreadsafe(func() {
			s.StartView(l, req, func(v *View, err error) {
				if err != nil {
					t.Error(err)
				}
				ch <- seen{v, string(v.Body())}
			})
		})
		return <-ch
	}
	send("/new") // dials: that request's memory is left to the garbage collector
	one := send("/one")
	two := send("/two")
	if one.body != "one" || two.body != "two" {
		t.Fatalf("bodies %q, %q", one.body, two.body)
	}
	if one.v != two.v {
		t.Fatalf("the second request got another View: nothing shows reuse")
	}
	done := make(chan string, 1)
	l.CallSoonThreadsafe(func() { done <- string(one.v.Body()) }) // the misuse: read after the callback
	if got := <-done; got == "one" {
		t.Errorf("the kept View still reads %q: it was not reused", got)
	}
}

// TestStartViewPending: Cancel ends a request in flight with its error; a
// Pending of a request that ended cancels nothing, even when its memory
// serves a later request.
func TestStartViewPending(t *testing.T) {
	release := make(chan struct{})
	addr, _ := rawServer(t, func(_ int, c net.Conn) {
		br := bufio.NewReader(c)
		for {
			r, err := readRequest(br)
			if err != nil {
				return
			}
			if r.URL.Path == "/stall" {
				<-release
				return
			}
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
		}
	})
	t.Cleanup(func() { close(release) })
	s := newSession(t, Config{})
	l := s.srv.Loops()[0]
	stop := errors.New("stop")
	type out struct {
		body string
		err  error
	}
	run := func(path string, f func(p Pending)) out {
		ch := make(chan out, 1)
		req, _ := NewRequest("GET", addr+path, nil)
		l.CallSoonThreadsafe(func() {
			p := s.StartView(l, req, func(v *View, err error) {
				if err != nil {
					ch <- out{"", err}
					return
				}
				ch <- out{string(v.Body()), nil}
			})
			if f != nil {
				f(p)
			}
		})
		select {
		case o := <-ch:
			return o
		case <-time.After(10 * time.Second):
			t.Fatal("no callback")
		}
		return out{}
	}
	if o := run("/stall", func(p Pending) { l.CallLater(50*time.Millisecond, func() { p.Cancel(stop) }) }); o.err != stop {
		t.Fatalf("cancelled: %+v", o)
	}
	var old Pending
	if o := run("/ok", func(p Pending) { old = p }); o.err != nil || o.body != "ok" {
		t.Fatalf("%+v", o)
	}
	if o := run("/ok", func(Pending) { old.Cancel(stop) }); o.err != nil || o.body != "ok" {
		t.Fatalf("a stale Pending cancelled a later request: %+v", o)
	}
	bad := &Request{Method: "GET"}
	ch := make(chan error, 1)
	l.CallSoonThreadsafe(func() {
		p := s.StartView(l, bad, func(_ *View, err error) { ch <- err })
		p.Cancel(stop) // the zero Pending: nothing to cancel
	})
	if err := <-ch; !errors.Is(err, ErrBadRequest) {
		t.Fatalf("no URL: %v", err)
	}
}

// TestStartViewHTTPS: an https URL goes through the net/http fallback and
// the View reads the owned Response it built, fields and body alike.
func TestStartViewHTTPS(t *testing.T) {
	ts := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("X-A", "1")
		w.Header().Add("X-A", "2")
		io.WriteString(w, "over tls")
	}))
	defer ts.Close()
	s := newSession(t, Config{TLS: ts.Client().Transport.(*http.Transport).TLSClientConfig})
	req, _ := NewRequest("GET", ts.URL+"/x", nil)
	r := viewOnce(t, s, req)
	if r.err != nil || r.status != 200 || r.body != "over tls" || r.first != "1" || len(r.xa) != 2 || len(r.header["X-A"]) != 2 {
		t.Fatalf("%+v", r)
	}
}
