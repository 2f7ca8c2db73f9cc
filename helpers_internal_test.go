package eddy

import (
	"bufio"
	"io"
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"
)

// slogTo returns a logger writing text to w, serialised.
func slogTo(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(&lockedWriter{w: w}, nil))
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// openRawWS starts an app serving cb at /ws, upgrades one raw TCP
// connection (a 10 s deadline on it), reads the 101's head and returns the
// connection, its reader (positioned after the head) and the server's
// WebSocket from OnOpen. cb.OnOpen is replaced.
func openRawWS(t *testing.T, cb WSCallbacks, opts ...RouteOption) (net.Conn, *bufio.Reader, *WebSocket) {
	t.Helper()
	opened := make(chan *WebSocket, 1)
	cb.OnOpen = func(w *WebSocket) { opened <- w }
	app := New(Config{})
	app.WebSocket("/ws", cb, opts...)
	if err := app.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = app.Shutdown(t.Context()) })
	c, err := net.Dial("tcp", app.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if line == "\r\n" {
			break
		}
	}
	return c, br, <-opened
}
