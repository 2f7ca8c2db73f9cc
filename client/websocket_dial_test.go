package client

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	gws "github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/eddy-go/eddy/ws"
)

// TestWSHandshakeErrors: every answer that is not a valid acceptance of the
// request fails the dial with a clear error, and the connection is closed.
func TestWSHandshakeErrors(t *testing.T) {
	cases := []struct {
		name   string
		answer func(r *http.Request) string
		opts   *WSOptions
		check  func(error) bool
	}{
		{"403", func(*http.Request) string { return "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n" }, nil,
			func(err error) bool {
				var he *WSHandshakeError
				return errors.As(err, &he) && he.StatusCode == 403 && errors.Is(err, ErrWSHandshake)
			}},
		{"200", func(*http.Request) string { return "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi" }, nil,
			func(err error) bool { return errors.Is(err, ws.ErrBadStatus) }},
		{"wrong accept key", func(*http.Request) string {
			return "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
				"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"
		}, nil, func(err error) bool { return errors.Is(err, ws.ErrBadAccept) && errors.Is(err, ErrWSHandshake) }},
		{"no upgrade field", func(r *http.Request) string {
			return "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " + acceptKey(r) + "\r\n\r\n"
		}, nil, func(err error) bool { return errors.Is(err, ws.ErrBadUpgrade) }},
		{"unrequested subprotocol", func(r *http.Request) string { return answer101(r, "Sec-WebSocket-Protocol: other\r\n") },
			&WSOptions{Protocols: []string{"chat"}}, func(err error) bool { return errors.Is(err, ws.ErrBadProtocol) }},
		{"subprotocol when none offered", func(r *http.Request) string { return answer101(r, "Sec-WebSocket-Protocol: chat\r\n") },
			nil, func(err error) bool { return errors.Is(err, ws.ErrBadProtocol) }},
		{"unrequested extension", func(r *http.Request) string { return answer101(r, "Sec-WebSocket-Extensions: permessage-deflate\r\n") },
			nil, func(err error) bool { return errors.Is(err, ws.ErrBadExtension) }},
		{"malformed head", func(*http.Request) string { return "HTTP/1.1 101 Switching\nUpgrade: websocket\r\n\r\n" }, nil,
			func(err error) bool { return errors.Is(err, ErrBadResponse) && errors.Is(err, ErrWSHandshake) }},
		{"closed before answering", func(*http.Request) string { return "" }, nil,
			func(err error) bool { return errors.Is(err, ErrConnLost) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			addr, _ := rawServer(t, func(_ int, c net.Conn) {
				r, err := readRequest(bufio.NewReader(c))
				if err != nil {
					t.Errorf("server: %v", err)
					return
				}
				a := tc.answer(r)
				if a == "" {
					return // closes the connection
				}
				c.Write([]byte(a))
				c.Read(make([]byte, 1)) // until the client closes
			})
			s := newSession(t, Config{})
			w, err := s.WebSocket(ctxT(t), wsURL(addr, "/"), tc.opts)
			if err == nil {
				w.Close(1000, "")
				t.Fatal("dial succeeded")
			}
			if !tc.check(err) {
				t.Errorf("error %v (%T) is not the one expected", err, err)
			}
			t.Logf("%v", err)
		})
	}
}

// TestWSRequest: the handshake carries the session's default headers,
// cookies and basic auth, the options' header, the offers; cookies the 101
// sets land in the jar.
func TestWSRequest(t *testing.T) {
	got := make(chan *http.Request, 1)
	addr, _ := rawServer(t, func(_ int, c net.Conn) {
		r, err := readRequest(bufio.NewReader(c))
		if err != nil {
			return
		}
		got <- r
		c.Write([]byte(answer101(r, "Set-Cookie: back=1\r\n")))
		c.Read(make([]byte, 1))
	})
	jar, _ := cookiejar.New(nil)
	base, _ := url.Parse(addr)
	jar.SetCookies(base, []*http.Cookie{{Name: "sid", Value: "abc"}})
	s := newSession(t, Config{Jar: jar, Header: http.Header{"X-Default": {"d"}}, Username: "u", Password: "p"})
	w := dialWS(t, s, wsURL(addr, "/path?q=1"), &WSOptions{Header: http.Header{"Origin": {"http://example.com"}},
		Protocols: []string{"a", "b"}, Deflate: &ws.DeflateOptions{}})
	defer w.Close(1000, "")
	r := <-got
	for k, want := range map[string]string{
		"X-Default": "d", "Origin": "http://example.com", "Cookie": "sid=abc", "Upgrade": "websocket",
		"Sec-Websocket-Version": "13", "Sec-Websocket-Protocol": "a, b", "Authorization": "Basic dTpw",
	} {
		if v := r.Header.Get(k); v != want {
			t.Errorf("%s: %q, want %q", k, v, want)
		}
	}
	if !strings.Contains(r.Header.Get("Sec-Websocket-Extensions"), "permessage-deflate") {
		t.Errorf("no deflate offer: %q", r.Header.Get("Sec-Websocket-Extensions"))
	}
	if r.URL.RequestURI() != "/path?q=1" || r.Header.Get("Accept-Encoding") != "" {
		t.Errorf("target %q, Accept-Encoding %q", r.URL.RequestURI(), r.Header.Get("Accept-Encoding"))
	}
	if cs := jar.Cookies(base); len(cs) != 2 {
		t.Errorf("jar after the 101: %v", cs)
	}
	if w.Compressed() {
		t.Error("Compressed() true though the server did not accept deflate")
	}
}

func TestWSSchemes(t *testing.T) {
	s := newSession(t, Config{})
	for _, u := range []string{"ftp://x/", "file:///x"} {
		if _, err := s.WebSocket(ctxT(t), u, nil); !errors.Is(err, ErrWSScheme) {
			t.Errorf("%s: %v, want ErrWSScheme", u, err)
		}
	}
	px := newSession(t, Config{Proxy: func(*http.Request) (*url.URL, error) { return url.Parse("http://127.0.0.1:1") }})
	if _, err := px.WebSocket(ctxT(t), "ws://127.0.0.1:1/", nil); !errors.Is(err, ErrWSProxy) {
		t.Errorf("through a proxy: %v, want ErrWSProxy", err)
	}
}

// TestWSDialContext: a cancelled context ends a dial waiting for its 101 at
// once, and closes the connection.
func TestWSDialContext(t *testing.T) {
	addr, _ := rawServer(t, func(_ int, c net.Conn) { c.Read(make([]byte, 4096)); c.Read(make([]byte, 1)) })
	s := newSession(t, Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := s.WebSocket(ctx, wsURL(addr, "/"), nil)
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second {
		t.Errorf("dial with a 100 ms context: %v after %v", err, time.Since(start))
	}
	ctx2, cancel2 := context.WithCancel(context.Background())
	cancel2()
	if _, err := s.WebSocket(ctx2, wsURL(addr, "/"), nil); !errors.Is(err, context.Canceled) {
		t.Errorf("dial with a cancelled context: %v", err)
	}
	slow := newSession(t, Config{Timeout: Timeouts{ResponseHeader: 100 * time.Millisecond}})
	if _, err := slow.WebSocket(ctxT(t), wsURL(addr, "/"), nil); !errors.Is(err, ErrHeaderTimeout) {
		t.Errorf("dial past ResponseHeader: %v", err)
	}
}

// TestWSSessionCloseDuringHandshake: the session's Close ends a dial still
// waiting for its 101 with ErrClosed, and waits for its connection.
func TestWSSessionCloseDuringHandshake(t *testing.T) {
	addr, accepted := rawServer(t, func(_ int, c net.Conn) { c.Read(make([]byte, 4096)); c.Read(make([]byte, 1)) })
	s, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() {
		_, err := s.WebSocket(context.Background(), wsURL(addr, "/"), nil)
		errc <- err
	}()
	waitFor(t, "the server to accept", func() bool { return accepted.Load() == 1 })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; !errors.Is(err, ErrClosed) {
		t.Errorf("dial during Close: %v, want ErrClosed", err)
	}
}

// TestWSS: a wss:// WebSocket against a TLS server (net/http's, upgrading
// with gobwas/ws): the handshake with Config.TLS, messages both ways, the
// closing handshake; an untrusted certificate fails the dial; and nothing
// (bridge goroutines, descriptors) outlives the session.
func TestWSS(t *testing.T) {
	closed := make(chan int, 1)
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _, _, err := gws.UpgradeHTTP(r, w)
		if err != nil {
			return
		}
		defer c.Close()
		for {
			data, op, err := wsutil.ReadClientData(c)
			if err != nil {
				var ce wsutil.ClosedError
				if errors.As(err, &ce) {
					closed <- int(ce.Code)
				}
				return
			}
			if err := wsutil.WriteServerMessage(c, op, data); err != nil {
				return
			}
		}
	}))
	ts.Config.ErrorLog = log.New(io.Discard, "", 0) // the untrusted dial's handshake error is expected
	ts.StartTLS()
	defer ts.Close()
	u := "wss" + strings.TrimPrefix(ts.URL, "https") + "/echo"
	untrusted := newSession(t, Config{})
	if _, err := untrusted.WebSocket(ctxT(t), u, nil); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("dial with an untrusted certificate: %v", err)
	}
	g0, fd0 := goroutines(), openFDs(t)

	s, err := New(Config{TLS: ts.Client().Transport.(*http.Transport).TLSClientConfig})
	if err != nil {
		t.Fatal(err)
	}
	w := dialWS(t, s, u, nil)
	ctx := ctxT(t)
	for _, msg := range []string{"hello", strings.Repeat("x", 100_000)} {
		if err := w.SendText(msg); err != nil {
			t.Fatal(err)
		}
		if got, err := w.ReceiveText(ctx); err != nil || got != msg {
			t.Fatalf("echo of %d bytes: %d bytes, %v", len(msg), len(got), err)
		}
	}
	if err := w.Close(1000, "bye"); err != nil {
		t.Fatal(err)
	}
	if code := <-closed; code != 1000 {
		t.Errorf("server saw close %d, want 1000", code)
	}
	if _, err := s.WebSocket(ctx, strings.Replace(u, "wss", "https", 1), nil); err != nil {
		t.Errorf("https:// meaning wss://: %v", err)
	}

	cctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Close(cctx); err != nil {
		t.Fatal(err)
	}
	ts.CloseClientConnections()
	waitFor(t, "goroutines and descriptors back to their start", func() bool {
		return goroutines() <= g0 && openFDs(t) <= fd0
	})
}
