package eddy

import (
	"io"
	"net/url"
	"testing"
	"time"
	"unsafe"

	"github.com/eddy-go/eddy/ws"
)

// TestWSQuery: WebSocket.Query, which reads the kept handshake head, answers
// as url.ParseQuery's first value would, and Header and the path come from
// the same head.
func TestWSQuery(t *testing.T) {
	queries := []string{
		"", "a=1", "a=1&a=2", "b=2&a=x%20y", "a", "a=", "a=%zz&a=ok", "%61=enc",
		"a;b=1&a=semi", "a=1;b", "a=+plus+", "x=1&&a=after-empty", "=v&a=1", "a=b=c",
	}
	for _, q := range queries {
		target := "/room/7"
		if q != "" {
			target += "?" + q
		}
		w := &WebSocket{head: packHead("\x00\x00GET " + target + " HTTP/1.1\r\nHost: x\r\nX-Y: z\r\n\r\n")} // no dropped field, no path parameters
		want, _ := url.ParseQuery(q)
		for _, name := range []string{"a", "b", "x", "", "missing"} {
			if got := w.Query(name); got != want.Get(name) {
				t.Errorf("query %q: Query(%q) = %q, want %q", q, name, got, want.Get(name))
			}
		}
		if p, _ := w.target(); p != "/room/7" {
			t.Errorf("query %q: path %q, want /room/7", q, p)
		}
		if h := w.Header("x-y"); h != "z" {
			t.Errorf("query %q: Header(x-y) = %q, want z", q, h)
		}
	}
}

// TestWebSocketSize: a WebSocket fits the allocator's 240-byte size class,
// which every idle WebSocket pays. What it holds, in bytes: wr 8 (the App
// and configuration are the route's); remote 8 (a *net.TCPAddr; another
// kind of address is in ext); head 8 (a pointer to the path parameters and
// the handshake's head, about 45 bytes for a short handshake once its usual
// lines are left out); ext 8 (nil unless a WSFunc, permessage-deflate, a
// hub member or an echo by reference); lc 8 (its loop and Handle are read
// from it); parser 112 (ws.Parser); lastRead, pingAt, closeBy, outIdle 32;
// the loop's state, the subprotocol's index and two loop flags 4; five
// flags in one byte and code 4; mu 8; flushPosted 4; queued 4 (32 bits);
// out 24 (nil while idle); reason 8 (a pointer: nil unless closed with
// one): 240. State of some
// WebSockets only lives beside it (wsExt): a WSFunc's inbox, the
// compression, the echo-by-reference state, the hub slots; and the
// parser's buffer of a split control frame.
func TestWebSocketSize(t *testing.T) {
	if s := unsafe.Sizeof(WebSocket{}); s > 240 {
		t.Fatalf("WebSocket is %d bytes, want <= 240 (the 240-byte size class; the next is 256)", s)
	}
}

// TestWSOutputBufferIdle: a WebSocket keeps its output buffer between
// flushes while sends come, and lets it go once none came for wsOutIdle:
// an idle WebSocket holds no output buffer, even after a large message.
func TestWSOutputBufferIdle(t *testing.T) {
	const size = 32 << 10
	c, br, w := openRawWS(t, WSCallbacks{
		OnMessage: func(w *WebSocket, m WSMessage) { _ = w.Send(WSBinary, make([]byte, size)) },
	}, WSConfig{CheckOrigin: ws.AnyOrigin})
	// A masked text frame "hi" (a zero mask leaves the payload as it is).
	if _, err := c.Write([]byte{0x81, 0x82, 0, 0, 0, 0, 'h', 'i'}); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(br, make([]byte, 4+size)); err != nil { // 126, a 16-bit length, the payload
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		w.mu.Lock()
		held := cap(w.out)
		w.mu.Unlock()
		if held == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("an idle WebSocket still holds a %d-byte output buffer 10 s after its last send", held)
		}
		time.Sleep(10 * time.Millisecond) // polling a condition, with a deadline
	}
}
