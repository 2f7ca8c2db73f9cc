package eddy_test

import (
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/eddytest"
)

// TestUpgradeNotServedIsOrdinaryRequest: a request whose Upgrade names a
// protocol the route does not serve (h2c, an unknown one, websocket on a
// plain route) is answered as the HTTP/1.1 request it also is, never with
// a 101, and the connection stays usable: a request sent after it (and one
// pipelined behind it) is answered too.
func TestUpgradeNotServedIsOrdinaryRequest(t *testing.T) {
	app := eddy.New(eddy.Config{})
	app.Get("/x", func(c *eddy.Ctx) error { return c.Text("x") })
	app.Post("/echo", func(c *eddy.Ctx) error { return c.Text(c.Body()) })
	s := eddytest.New(t, app)
	tests := []struct {
		name, req, body string
	}{
		{"h2c", "GET /x HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n", "x"},
		{"unknown protocol", "GET /x HTTP/1.1\r\nHost: x\r\nConnection: upgrade\r\nUpgrade: foo/2\r\n\r\n", "x"},
		{"websocket on a plain route", "GET /x HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n", "x"},
		{"h2c with a body", "POST /echo HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\nContent-Length: 4\r\n\r\nbody", "body"},
		{"upgrade on a missing route", "GET /nope HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n", "Not Found"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, pipelined := range []bool{false, true} {
				c, err := net.Dial("tcp", s.App.Addr().String())
				if err != nil {
					t.Fatal(err)
				}
				next := "GET /x HTTP/1.1\r\nHost: x\r\n\r\n"
				var rs []*http.Response
				if pipelined {
					io.WriteString(c, tc.req+next)
					rs = readResponses(t, c, 2, "GET") // one reader: both may arrive in one read
				} else {
					io.WriteString(c, tc.req)
					rs = readResponses(t, c, 1, "GET")
					io.WriteString(c, next)
					rs = append(rs, readResponses(t, c, 1, "GET")...)
				}
				if rs[0].StatusCode == 101 || rs[0].Close {
					t.Fatalf("pipelined %v: status %d, close %v: want an ordinary keep-alive answer", pipelined, rs[0].StatusCode, rs[0].Close)
				}
				if body(rs[0]) != tc.body {
					t.Errorf("pipelined %v: body %q, want %q", pipelined, body(rs[0]), tc.body)
				}
				if rs[1].StatusCode != 200 || body(rs[1]) != "x" {
					t.Errorf("pipelined %v: the next request got %d %q", pipelined, rs[1].StatusCode, body(rs[1]))
				}
				c.Close()
			}
		})
	}
}

// TestUpgradeLostBeforeHandOver: a WebSocket upgrade pipelined behind a
// slow InPool request is answered at once, but its 101 waits behind that
// response; a client that resets the connection meanwhile never gets its
// WebSocket handed over (OnOpen and OnClose do not run), and the upgrade no
// longer counts as opening, so Hub broadcasts stop posting to every loop.
func TestUpgradeLostBeforeHandOver(t *testing.T) {
	app := eddy.New(eddy.Config{})
	started := make(chan struct{}, 1)
	release := make(chan struct{})
	app.Get("/slow", func(c *eddy.Ctx) error {
		started <- struct{}{}
		<-release
		return c.Text("slow")
	}, eddy.InPool)
	var opened, closed atomic.Int32
	app.WebSocket("/ws", eddy.WSCallbacks{
		OnOpen:  func(w *eddy.WebSocket) { opened.Add(1) },
		OnClose: func(w *eddy.WebSocket, code int, reason string) { closed.Add(1) },
	})
	s := eddytest.New(t, app)
	defer close(release)
	waitUntil(t, 5*time.Second, "no WebSocket opening", func() bool { return eddy.WSOpening() == 0 })
	c, err := net.Dial("tcp", s.App.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n" + wsHandshake("/ws", ""))); err != nil {
		t.Fatal(err)
	}
	select {
	case <-started:
	case <-time.After(5 * time.Second):
		t.Fatal("the slow handler did not start")
	}
	waitUntil(t, 5*time.Second, "the upgrade counted as opening", func() bool { return eddy.WSOpening() == 1 })
	if err := c.(*net.TCPConn).SetLinger(0); err != nil { // Close sends a reset
		t.Fatal(err)
	}
	c.Close()
	waitUntil(t, 5*time.Second, "the lost upgrade uncounted", func() bool { return eddy.WSOpening() == 0 })
	if o, cl := opened.Load(), closed.Load(); o != 0 || cl != 0 {
		t.Fatalf("a WebSocket never handed over ran OnOpen %d and OnClose %d times, want 0", o, cl)
	}
}
