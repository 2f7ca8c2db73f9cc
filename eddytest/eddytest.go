// Package eddytest runs an eddy App on a real socket for tests, aiohttp's
// aiohttp_client fixture: eddytest.New(t, app) starts it on 127.0.0.1:0 and
// shuts it down when the test ends; its small client speaks net/http.
package eddytest

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
)

// Server is an App started for one test.
type Server struct {
	App *eddy.App
	// URL is the base URL, "http://127.0.0.1:port".
	URL string
	// Client is the HTTP client the helpers use: keep-alive, no redirects
	// followed, a 10 s timeout.
	Client *http.Client
	t      testing.TB
}

// New starts app on 127.0.0.1:0 (failing the test if it cannot) and
// registers a graceful shutdown (bounded by 10 s) with t.Cleanup; the test
// fails if the shutdown reports an error.
func New(t testing.TB, app *eddy.App) *Server {
	t.Helper()
	if err := app.Start("127.0.0.1:0"); err != nil {
		t.Fatalf("eddytest: start: %v", err)
	}
	s := &Server{
		App: app,
		URL: "http://" + app.Addr().String(),
		Client: &http.Client{
			Timeout:       10 * time.Second,
			Transport:     &http.Transport{MaxIdleConnsPerHost: 16},
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		t: t,
	}
	t.Cleanup(func() {
		s.Client.CloseIdleConnections()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := app.Shutdown(ctx); err != nil {
			t.Errorf("eddytest: shutdown: %v", err)
		}
	})
	return s
}

// Response is a response read whole.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Text returns the body as a string.
func (r *Response) Text() string { return string(r.Body) }

// Get sends GET path (with headers as name, value pairs) and returns the
// response; a transport error fails the test.
func (s *Server) Get(path string, headers ...string) *Response {
	s.t.Helper()
	return s.Request("GET", path, "", nil, headers...)
}

// Post sends POST path with body and contentType.
func (s *Server) Post(path, contentType string, body []byte, headers ...string) *Response {
	s.t.Helper()
	return s.Request("POST", path, contentType, body, headers...)
}

// Request sends method path with body (nil for none), contentType (""
// for none) and headers as name, value pairs.
func (s *Server) Request(method, path, contentType string, body []byte, headers ...string) *Response {
	s.t.Helper()
	var rd io.Reader
	if body != nil {
		rd = strings.NewReader(string(body))
	}
	req, err := http.NewRequest(method, s.URL+path, rd)
	if err != nil {
		s.t.Fatalf("eddytest: %v", err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if len(headers)%2 != 0 {
		s.t.Fatalf("eddytest: headers must be name, value pairs")
	}
	for i := 0; i < len(headers); i += 2 {
		req.Header.Add(headers[i], headers[i+1])
	}
	return s.Do(req)
}

// Do sends req and reads the whole response; a transport error fails the
// test.
func (s *Server) Do(req *http.Request) *Response {
	s.t.Helper()
	resp, err := s.Client.Do(req)
	if err != nil {
		s.t.Fatalf("eddytest: %s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatalf("eddytest: reading %s %s: %v", req.Method, req.URL, err)
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// Dial opens a raw TCP connection to the server (closed at cleanup), for
// tests that write bytes themselves: pipelining, malformed requests.
func (s *Server) Dial() net.Conn {
	s.t.Helper()
	c, err := net.DialTimeout("tcp", s.App.Addr().String(), 5*time.Second)
	if err != nil {
		s.t.Fatalf("eddytest: dial: %v", err)
	}
	s.t.Cleanup(func() { c.Close() })
	return c
}
