package eddytest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
)

// timeout bounds every request, dial, read and write the helpers make, and
// the graceful shutdown at cleanup: generous, so a loaded machine does not
// fail a test, yet a hung server fails it instead of hanging it.
const timeout = 10 * time.Second

// Server is an App started for one test. Its helpers take the testing.TB
// to fail on each call, so one Server serves every subtest of a test.
// Safe for concurrent use.
type Server struct {
	// App is the running app.
	App *eddy.App
	// URL is the base URL: "http://127.0.0.1:port" ("http://[::1]:port"
	// for tcp6). Over a unix socket it is "http://unix", which only Client
	// knows how to reach.
	URL string
	// Client is the HTTP client the helpers use: keep-alive, redirects not
	// followed, a 10 s timeout, dialling the app's network.
	Client *http.Client
	// Network and Address are where the app listens, as net.Dial takes
	// them.
	Network, Address string
}

// New starts app on a free address of the network its Config names
// (127.0.0.1:0 for "tcp" and "tcp4", [::1]:0 for "tcp6", a socket in a
// fresh temporary directory for "unix"), failing t if it cannot, and
// registers with t.Cleanup a graceful shutdown bounded by 10 s, which fails
// t if it reports an error. Call it from the goroutine running t.
func New(t testing.TB, app *eddy.App) *Server {
	t.Helper()
	network := app.Config().Network
	var addr string
	switch network {
	case "tcp6":
		addr = "[::1]:0"
	case "unix":
		// A short directory: socket paths are limited to about 100
		// bytes, which t.TempDir's names can pass.
		dir, err := os.MkdirTemp("", "eddytest")
		if err != nil {
			t.Fatalf("eddytest: %v", err)
		}
		t.Cleanup(func() { os.RemoveAll(dir) })
		addr = filepath.Join(dir, "s")
	default:
		addr = "127.0.0.1:0"
	}
	if err := app.Start(addr); err != nil {
		t.Fatalf("eddytest: start on %s %s: %v", network, addr, err)
	}
	s := &Server{App: app, Network: network, Address: app.Addr().String()}
	tr := &http.Transport{MaxIdleConnsPerHost: 16}
	if network == "unix" {
		s.URL = "http://unix"
		var d net.Dialer
		tr.DialContext = func(ctx context.Context, _, _ string) (net.Conn, error) {
			return d.DialContext(ctx, "unix", s.Address)
		}
	} else {
		s.URL = "http://" + s.Address
	}
	s.Client = &http.Client{
		Timeout:       timeout,
		Transport:     tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	t.Cleanup(func() {
		s.Client.CloseIdleConnections()
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		if err := app.Shutdown(ctx); err != nil {
			t.Errorf("eddytest: shutdown: %v", err)
		}
	})
	return s
}

// An Option adjusts a request before the helpers send it.
type Option func(*http.Request)

// Header adds one header field to the request.
func Header(name, value string) Option {
	return func(r *http.Request) { r.Header.Add(name, value) }
}

// Headers adds every field of h to the request.
func Headers(h http.Header) Option {
	return func(r *http.Request) {
		for k, vs := range h {
			for _, v := range vs {
				r.Header.Add(k, v)
			}
		}
	}
}

// ContentType sets the request's Content-Type.
func ContentType(ct string) Option {
	return func(r *http.Request) { r.Header.Set("Content-Type", ct) }
}

// Response is a response read whole.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Text returns the body as a string.
func (r *Response) Text() string { return string(r.Body) }

// JSON decodes the body into v; a body that is not JSON fails t.
func (r *Response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("eddytest: decoding %q: %v", r.Body, err)
	}
}

// Get sends GET path and returns the response; a transport error fails t.
func (s *Server) Get(t testing.TB, path string, opts ...Option) *Response {
	t.Helper()
	return s.Request(t, "GET", path, nil, opts...)
}

// Post sends POST path with body and contentType ("" for none).
func (s *Server) Post(t testing.TB, path, contentType string, body []byte, opts ...Option) *Response {
	t.Helper()
	if contentType != "" {
		opts = append([]Option{ContentType(contentType)}, opts...)
	}
	return s.Request(t, "POST", path, body, opts...)
}

// PostJSON sends POST path with v encoded as JSON (application/json).
func (s *Server) PostJSON(t testing.TB, path string, v any, opts ...Option) *Response {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("eddytest: encoding %T: %v", v, err)
	}
	return s.Post(t, path, "application/json", b, opts...)
}

// PostForm sends POST path with form urlencoded
// (application/x-www-form-urlencoded).
func (s *Server) PostForm(t testing.TB, path string, form url.Values, opts ...Option) *Response {
	t.Helper()
	return s.Post(t, path, "application/x-www-form-urlencoded", []byte(form.Encode()), opts...)
}

// Request sends method path with body (nil for none; a non-nil empty body
// sends Content-Length: 0) and returns the response; a transport error
// fails t.
func (s *Server) Request(t testing.TB, method, path string, body []byte, opts ...Option) *Response {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, s.URL+path, rd)
	if err != nil {
		t.Fatalf("eddytest: %v", err)
	}
	for _, o := range opts {
		o(req)
	}
	return s.Do(t, req)
}

// Do sends req and reads the whole response; a transport error fails t.
func (s *Server) Do(t testing.TB, req *http.Request) *Response {
	t.Helper()
	resp, err := s.Client.Do(req)
	if err != nil {
		t.Fatalf("eddytest: %s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("eddytest: reading %s %s: %v", req.Method, req.URL, err)
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// Dial opens a raw connection to the server on its network, closed when t
// ends, for tests that write bytes themselves: pipelining, malformed
// requests, half-closes.
func (s *Server) Dial(t testing.TB) *Conn {
	t.Helper()
	c, err := net.DialTimeout(s.Network, s.Address, timeout)
	if err != nil {
		t.Fatalf("eddytest: dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return &Conn{Conn: c, r: bufio.NewReader(c)}
}

// Conn is a raw connection to the server. It is a net.Conn whose reads go
// through a buffer, so its Read and its helpers can be mixed freely; its
// helpers bound each call by 10 s and fail t on error. Like a net.Conn,
// one goroutine may read while another writes.
type Conn struct {
	net.Conn
	r *bufio.Reader
}

// Read reads from the connection through the buffer the helpers share.
func (c *Conn) Read(p []byte) (int, error) { return c.r.Read(p) }

// Reader returns the connection's buffered reader, for http.ReadResponse
// and the like; reads through it and through Read see the same bytes.
func (c *Conn) Reader() *bufio.Reader { return c.r }

// Send writes raw, failing t if it cannot within 10 s.
func (c *Conn) Send(t testing.TB, raw string) {
	t.Helper()
	c.SetWriteDeadline(time.Now().Add(timeout))
	defer c.SetWriteDeadline(time.Time{})
	if _, err := io.WriteString(c.Conn, raw); err != nil {
		t.Fatalf("eddytest: send: %v", err)
	}
}

// ReadResponse reads the next response, to a request of the given method
// (a HEAD response has no body), failing t if none arrives whole within
// 10 s.
func (c *Conn) ReadResponse(t testing.TB, method string) *Response {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(timeout))
	defer c.SetReadDeadline(time.Time{})
	resp, err := http.ReadResponse(c.r, &http.Request{Method: method})
	if err != nil {
		t.Fatalf("eddytest: reading a response: %v", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("eddytest: reading a response body: %v", err)
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// ReadToEOF reads until the server closes the connection and returns what
// arrived, failing t if it stays open for 10 s or breaks with another
// error than a close (a reset counts as a close).
func (c *Conn) ReadToEOF(t testing.TB) []byte {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(timeout))
	defer c.SetReadDeadline(time.Time{})
	b, err := io.ReadAll(c.r)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("eddytest: connection still open after %v (read %q)", timeout, b)
	}
	return b
}

// CloseWrite half-closes the connection: the server reads an end of input
// and may still answer.
func (c *Conn) CloseWrite() error {
	if hc, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return hc.CloseWrite()
	}
	return errNoHalfClose
}

var errNoHalfClose = errors.New("eddytest: the connection cannot half-close")
