package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// echo answers with what it saw of the request.
var echo = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/status/418" {
		w.WriteHeader(418)
		return
	}
	ct := r.Header.Get("Content-Type")
	var form string
	switch {
	case strings.HasPrefix(ct, "multipart/"):
		r.ParseMultipartForm(1 << 20)
		f, h, _ := r.FormFile("file")
		b, _ := io.ReadAll(f)
		form = fmt.Sprintf("name=%s file=%s:%s", r.FormValue("name"), h.Filename, b)
	case ct == "application/x-www-form-urlencoded":
		r.ParseForm()
		form = "a=" + r.PostFormValue("a")
	default:
		b, _ := io.ReadAll(r.Body)
		form = string(b)
	}
	u, p, _ := r.BasicAuth()
	fmt.Fprintf(w, "%s %s|auth=%s:%s|x=%s|ua=%s|body=%s", r.Method, r.RequestURI, u, p, r.Header.Get("X-Default"), r.Header.Get("User-Agent"), form)
})

func TestSessionOptions(t *testing.T) {
	ts := newHTTPServer(t, echo)
	s := newSession(t, Config{
		BaseURL:  ts.URL + "/api",
		Header:   http.Header{"X-Default": {"d"}},
		Username: "u", Password: "p",
	})
	jsonBody, ct, _ := JSONBody(map[string]int{"n": 1})
	mp, mct, _ := MultipartBody(url.Values{"name": {"eddy"}}, FormFile{Field: "file", Filename: "f.txt", Content: strings.NewReader("data")})
	form, fct := FormBody(url.Values{"a": {"b c"}})
	for _, tc := range []struct {
		name, method, url, ct string
		body                  io.Reader
		header                http.Header
		want                  string
	}{
		{"base url", "GET", "/get?q=1", "", nil, nil, "GET /api/get?q=1|auth=u:p|x=d|ua=eddy-client|body="},
		{"relative without slash", "GET", "get", "", nil, nil, "GET /api/get|auth=u:p|x=d|ua=eddy-client|body="},
		{"absolute", "GET", ts.URL + "/abs", "", nil, nil, "GET /abs|auth=u:p|x=d|ua=eddy-client|body="},
		{"request header wins", "GET", "/h", "", nil, http.Header{"X-Default": {"mine"}, "User-Agent": {"me"}}, "GET /api/h|auth=u:p|x=mine|ua=me|body="},
		{"json", "POST", "/j", ct, jsonBody, nil, `POST /api/j|auth=u:p|x=d|ua=eddy-client|body={"n":1}`},
		{"urlencoded", "POST", "/f", fct, form, nil, "POST /api/f|auth=u:p|x=d|ua=eddy-client|body=a=b c"},
		{"multipart", "POST", "/m", mct, mp, nil, "POST /api/m|auth=u:p|x=d|ua=eddy-client|body=name=eddy file=f.txt:data"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := NewRequest(tc.method, tc.url, tc.body)
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tc.header {
				req.Header[k] = v
			}
			if tc.ct != "" {
				req.Header.Set("Content-Type", tc.ct)
			}
			resp, err := s.Do(ctxT(t), req)
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := resp.Text(); got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestBadRequests(t *testing.T) {
	s := newSession(t, Config{})
	for _, tc := range []struct {
		name string
		req  *Request
	}{
		{"no url", &Request{}},
		{"relative without base", &Request{URL: &url.URL{Path: "/x"}}},
		{"ftp", &Request{URL: &url.URL{Scheme: "ftp", Host: "h"}}},
		{"bad method", &Request{Method: "GE T", URL: &url.URL{Scheme: "http", Host: "h"}}},
		{"header injection", &Request{URL: &url.URL{Scheme: "http", Host: "127.0.0.1:1"}, Header: http.Header{"X": {"a\r\nEvil: 1"}}}},
	} {
		if _, err := s.Do(ctxT(t), tc.req); !errors.Is(err, ErrBadRequest) {
			t.Errorf("%s: %v, want ErrBadRequest", tc.name, err)
		}
	}
}

func TestRaiseForStatus(t *testing.T) {
	ts := newHTTPServer(t, echo)
	s := newSession(t, Config{RaiseForStatus: true})
	_, err := s.Get(ctxT(t), ts.URL+"/status/418")
	var se *StatusError
	if !errors.As(err, &se) || se.StatusCode != 418 {
		t.Fatalf("err %v, want a StatusError 418", err)
	}
	if resp, err := s.Get(ctxT(t), ts.URL+"/ok"); err != nil {
		t.Fatal(err)
	} else {
		resp.Close()
	}
}

func TestMiddleware(t *testing.T) {
	ts := newHTTPServer(t, echo)
	var order []string
	var mu sync.Mutex
	mw := func(name string) Middleware {
		return func(next Doer) Doer {
			return DoerFunc(func(ctx context.Context, r *Request) (*Response, error) {
				mu.Lock()
				order = append(order, name)
				mu.Unlock()
				r.Header.Set("X-Default", name) // auth refresh, say
				return next.Do(ctx, r)
			})
		}
	}
	s := newSession(t, Config{Middleware: []Middleware{mw("outer"), mw("inner")}})
	resp, err := s.Get(ctxT(t), ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := resp.Text()
	if strings.Join(order, ",") != "outer,inner" || !strings.Contains(got, "x=inner") {
		t.Errorf("order %v, response %q", order, got)
	}
}

func TestTrace(t *testing.T) {
	ts := newHTTPServer(t, echo)
	var events []string
	tr := &Trace{
		GetConn:              func(string) { events = append(events, "get") },
		ConnectStart:         func(string, string) { events = append(events, "connect") },
		ConnectDone:          func(string, string, error) { events = append(events, "connected") },
		GotConn:              func(i httptrace.GotConnInfo) { events = append(events, fmt.Sprint("conn reused=", i.Reused)) },
		WroteRequest:         func(httptrace.WroteRequestInfo) { events = append(events, "wrote") },
		GotFirstResponseByte: func() { events = append(events, "byte") },
		Done:                 func(err error) { events = append(events, fmt.Sprint("done ", err)) },
	}
	s := newSession(t, Config{Trace: tr})
	for range 2 {
		resp, err := s.Get(ctxT(t), ts.URL)
		if err != nil {
			t.Fatal(err)
		}
		resp.Bytes()
	}
	want := "get connect connected conn reused=false wrote byte done <nil> get conn reused=true wrote byte done <nil>"
	if got := strings.Join(events, " "); got != want {
		t.Errorf("events\n%s\nwant\n%s", got, want)
	}
}

func TestProxy(t *testing.T) {
	var saw atomic.Value
	proxy := newHTTPServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		saw.Store(r.RequestURI + " " + r.Header.Get("Proxy-Authorization"))
		io.WriteString(w, "via proxy")
	}))
	pu, _ := url.Parse(proxy.URL)
	pu.User = url.UserPassword("pu", "pp")
	s := newSession(t, Config{Proxy: http.ProxyURL(pu)})
	resp, err := s.Get(ctxT(t), "http://example.invalid/x?y=1")
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := resp.Text(); got != "via proxy" {
		t.Fatalf("%q", got)
	}
	if got := saw.Load(); got != "http://example.invalid/x?y=1 Basic cHU6cHA=" {
		t.Errorf("proxy saw %q", got)
	}
}

// TestHTTPS: https goes through the net/http fallback with the same API,
// cookies and redirects (here from https to http and back).
func TestHTTPS(t *testing.T) {
	plain := newHTTPServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := r.Cookie("k")
		if c == nil {
			io.WriteString(w, "plain, no cookie")
			return
		}
		io.WriteString(w, "plain, cookie "+c.Value)
	}))
	ts := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/set":
			http.SetCookie(w, &http.Cookie{Name: "k", Value: "v"})
			http.Redirect(w, r, "/get", http.StatusFound)
		case "/get":
			c, _ := r.Cookie("k")
			fmt.Fprintf(w, "tls cookie %v", c)
		case "/toplain":
			http.Redirect(w, r, strings.Replace(plain.URL, "127.0.0.1", "localhost", 1), http.StatusFound) // another host: no cookie
		}
	}))
	defer ts.Close()
	jar, _ := cookiejar.New(nil)
	s := newSession(t, Config{Jar: jar, TLS: ts.Client().Transport.(*http.Transport).TLSClientConfig})
	for path, want := range map[string]string{"/set": "tls cookie k=v", "/toplain": "plain, no cookie"} {
		resp, err := s.Get(ctxT(t), ts.URL+path)
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := resp.Text(); got != want {
			t.Errorf("%s: %q, want %q", path, got, want)
		}
	}
	// The redirects' bodies were closed: no https hop is still open, and what
	// the session still counts are its pooled loop connections.
	waitFor(t, "the https hops to end", func() bool {
		s.liveMu.Lock()
		defer s.liveMu.Unlock()
		return len(s.tlsOpen) == 0 && s.live.Load() == s.total.Load()
	})
	// Start (buffered) takes the same path.
	l := s.srv.Loops()[0]
	ch := make(chan string, 1)
	l.CallSoonThreadsafe(func() {
		req, _ := NewRequest("GET", ts.URL+"/get", nil)
		s.Start(l, req, func(resp *Response, err error) {
			if err != nil {
				ch <- err.Error()
				return
			}
			b, _ := resp.Bytes()
			ch <- string(b)
		})
	})
	if got := <-ch; got != "tls cookie k=v" {
		t.Errorf("Start over https: %q", got)
	}
}

// stallJar is a cookie jar whose Cookies or SetCookies blocks for one host
// until release is closed.
type stallJar struct {
	http.CookieJar
	host, method     string
	entered, release chan struct{}
}

func (j *stallJar) stall(u *url.URL, method string) {
	if u.Host == j.host && method == j.method {
		j.entered <- struct{}{}
		<-j.release
	}
}

func (j *stallJar) Cookies(u *url.URL) []*http.Cookie {
	j.stall(u, "Cookies")
	return j.CookieJar.Cookies(u)
}

func (j *stallJar) SetCookies(u *url.URL, cs []*http.Cookie) {
	j.stall(u, "SetCookies")
	j.CookieJar.SetCookies(u, cs)
}

// TestSlowUserCodeOffLoop: a cookie jar or a Proxy func that blocks for one
// host does not stall requests to another host on the same loop; the blocked
// request finishes once it returns, with its cookies stored.
func TestSlowUserCodeOffLoop(t *testing.T) {
	slow := newHTTPServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "k", Value: "v"})
		io.WriteString(w, "slow")
	}))
	fast := newHTTPServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "fast")
	}))
	su, _ := url.Parse(slow.URL)
	for _, name := range []string{"Cookies", "SetCookies", "Proxy"} {
		t.Run(name, func(t *testing.T) {
			entered, release := make(chan struct{}, 1), make(chan struct{})
			inner, _ := cookiejar.New(nil)
			jar := &stallJar{CookieJar: inner, host: su.Host, method: name, entered: entered, release: release}
			cfg := Config{Loops: 1, Jar: jar}
			if name == "Proxy" {
				cfg.Proxy = func(r *http.Request) (*url.URL, error) {
					if r.URL.Host == su.Host {
						entered <- struct{}{}
						<-release
					}
					return nil, nil
				}
			}
			s := newSession(t, cfg)
			slowDone := make(chan error, 1)
			go func() {
				resp, err := s.Get(ctxT(t), slow.URL)
				if err == nil {
					_, err = resp.Text()
				}
				slowDone <- err
			}()
			<-entered // the session's only loop would be stuck here if it called it
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			resp, err := s.Get(ctx, fast.URL)
			if err != nil {
				t.Fatalf("a request to another host while the %s call blocks: %v", name, err)
			}
			if got, _ := resp.Text(); got != "fast" {
				t.Errorf("fast: %q", got)
			}
			close(release)
			if err := <-slowDone; err != nil {
				t.Errorf("the request that waited for %s: %v", name, err)
			}
			if cs := inner.Cookies(su); len(cs) != 1 || cs[0].Value != "v" {
				t.Errorf("cookies stored for the slow host: %v", cs)
			}
		})
	}
}

// TestTotalTimeoutWhileUserCodeBlocks: the total timeout still ends a request
// whose cookie jar or Proxy func does not return (no connection carries the
// request meanwhile).
func TestTotalTimeoutWhileUserCodeBlocks(t *testing.T) {
	ts := newHTTPServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "k", Value: "v"})
	}))
	tu, _ := url.Parse(ts.URL)
	for _, name := range []string{"Cookies", "SetCookies", "Proxy"} {
		t.Run(name, func(t *testing.T) {
			entered, release := make(chan struct{}, 1), make(chan struct{})
			defer close(release)
			inner, _ := cookiejar.New(nil)
			jar := &stallJar{CookieJar: inner, host: tu.Host, method: name, entered: entered, release: release}
			cfg := Config{Jar: jar, Timeout: Timeouts{Total: 100 * time.Millisecond}}
			if name == "Proxy" {
				cfg.Proxy = func(*http.Request) (*url.URL, error) { <-release; return nil, nil }
			}
			s := newSession(t, cfg)
			start := time.Now()
			_, err := s.Get(ctxT(t), ts.URL)
			if !errors.Is(err, ErrTotalTimeout) {
				t.Errorf("Get while the %s call blocks: %v, want ErrTotalTimeout", name, err)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("the total timeout of 100ms took %v", d)
			}
		})
	}
}

// panicJar is a cookie jar whose methods panic.
type panicJar struct{ cookies, set bool }

func (j panicJar) SetCookies(*url.URL, []*http.Cookie) {
	if j.set {
		panic("SetCookies")
	}
}

func (j panicJar) Cookies(*url.URL) []*http.Cookie {
	if j.cookies {
		panic("Cookies")
	}
	return nil
}

// User code run off the loop that panics (the cookie jar, the Proxy func) does
// not end the process: asking for cookies or a proxy fails the call with an
// error; a jar that panics storing cookies stores none and the response goes on.
func TestUserCodePanicOffLoop(t *testing.T) {
	srv := newHTTPServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "k", Value: "v"})
		io.WriteString(w, "ok")
	}))
	cases := []struct {
		name    string
		cfg     Config
		wantErr bool
	}{
		{"Cookies", Config{Loops: 1, Jar: panicJar{cookies: true}}, true},
		{"SetCookies", Config{Loops: 1, Jar: panicJar{set: true}}, false},
		{"Proxy", Config{Loops: 1, Proxy: func(*http.Request) (*url.URL, error) { panic("Proxy") }}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t, tc.cfg)
			resp, err := s.Get(ctxT(t), srv.URL)
			if tc.wantErr {
				if err == nil || !strings.Contains(err.Error(), "panic") {
					t.Fatalf("got %v, want the panic as the call's error", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := resp.Text(); got != "ok" {
				t.Fatalf("body %q", got)
			}
		})
	}
}

// A proxy URL's credentials replace a Proxy-Authorization among the session's
// own header fields: the proxy sees one, ours.
func TestProxyAuthReplacesSessionHeader(t *testing.T) {
	var saw atomic.Value
	proxy := newHTTPServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		saw.Store(strings.Join(r.Header.Values("Proxy-Authorization"), ","))
	}))
	pu, _ := url.Parse(proxy.URL)
	pu.User = url.UserPassword("pu", "pp")
	s := newSession(t, Config{Proxy: http.ProxyURL(pu), Header: http.Header{"Proxy-Authorization": {"Basic old"}}})
	resp, err := s.Get(ctxT(t), "http://example.invalid/x")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = resp.Text()
	if got := saw.Load(); got != "Basic cHU6cHA=" {
		t.Errorf("proxy saw Proxy-Authorization %q, want ours alone", got)
	}
}
