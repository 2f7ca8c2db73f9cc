package client

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	gws "github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/eddy-go/eddy/httpcodec"
	"github.com/eddy-go/eddy/ws"
)

// wsURL turns rawServer's http:// address into a ws:// URL with path.
func wsURL(addr, path string) string { return "ws" + strings.TrimPrefix(addr, "http") + path }

// acceptKey is the Sec-WebSocket-Accept for r's key.
func acceptKey(r *http.Request) string {
	return string(ws.AppendAcceptKey(nil, []byte(r.Header.Get("Sec-WebSocket-Key"))))
}

// answer101 is a valid 101 for r, with extra header lines.
func answer101(r *http.Request, extra string) string {
	return "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Accept: " + acceptKey(r) + "\r\n" + extra + "\r\n"
}

// serverFrame is an unmasked frame's wire form.
func serverFrame(op gws.OpCode, fin bool, payload []byte) []byte {
	return ws.AppendFrame(nil, ws.Op(op), fin, payload)
}

// readClientFrame reads one frame from the client and unmasks it, failing
// the test if it is not masked.
func readClientFrame(t *testing.T, c net.Conn) (gws.Header, []byte) {
	t.Helper()
	h, p, err := readFrame(c)
	if err != nil {
		t.Errorf("server reading a frame: %v", err)
		return gws.Header{}, nil
	}
	if !h.Masked {
		t.Errorf("client frame %v not masked", h.OpCode)
	}
	return h, p
}

// readFrame reads one frame (of at most 1 MiB) and unmasks its payload.
func readFrame(c net.Conn) (gws.Header, []byte, error) {
	h, err := gws.ReadHeader(c)
	if err != nil {
		return h, nil, err
	}
	if h.Length > 1<<20 {
		return h, nil, fmt.Errorf("frame of %d bytes", h.Length)
	}
	p := make([]byte, h.Length)
	if _, err := io.ReadFull(c, p); err != nil {
		return h, nil, err
	}
	if h.Masked {
		gws.Cipher(p, h.Mask, 0)
	}
	return h, p, nil
}

// echoPeer serves WebSockets with gobwas/ws over the blocking connection:
// the handshake (choosing "chat" when offered), then every text and binary
// message echoed; wsutil answers pings and closes. The close the client
// sent is reported on closed.
func echoPeer(t *testing.T) (addr string, closed chan wsutil.ClosedError) {
	closed = make(chan wsutil.ClosedError, 16)
	addr, _ = rawServer(t, func(_ int, c net.Conn) {
		u := gws.Upgrader{Protocol: func(p []byte) bool { return string(p) == "chat" }}
		if _, err := u.Upgrade(c); err != nil {
			t.Errorf("upgrade: %v", err)
			return
		}
		for {
			data, op, err := wsutil.ReadClientData(c)
			if err != nil {
				var ce wsutil.ClosedError
				if errors.As(err, &ce) {
					closed <- ce
				}
				return
			}
			if err := wsutil.WriteServerMessage(c, op, data); err != nil {
				return
			}
		}
	})
	return addr, closed
}

func dialWS(t *testing.T, s *Session, u string, o *WSOptions) *WebSocket {
	t.Helper()
	w, err := s.WebSocket(ctxT(t), u, o)
	if err != nil {
		t.Fatalf("dial %s: %v", u, err)
	}
	return w
}

func TestWSEcho(t *testing.T) {
	addr, closed := echoPeer(t)
	s := newSession(t, Config{})
	w := dialWS(t, s, wsURL(addr, "/echo"), &WSOptions{Protocols: []string{"superchat", "chat"}})
	if p := w.Protocol(); p != "chat" {
		t.Errorf("Protocol() = %q, want chat", p)
	}
	ctx := ctxT(t)
	if err := w.SendText("héllo"); err != nil {
		t.Fatal(err)
	}
	if got, err := w.ReceiveText(ctx); err != nil || got != "héllo" {
		t.Errorf("text echo: %q, %v", got, err)
	}
	bin := []byte{0, 1, 2, 0xff}
	if err := w.SendBytes(bin); err != nil {
		t.Fatal(err)
	}
	if got, err := w.ReceiveBytes(ctx); err != nil || string(got) != string(bin) {
		t.Errorf("binary echo: %x, %v", got, err)
	}
	type msg struct{ A int }
	if err := w.SendJSON(msg{A: 7}); err != nil {
		t.Fatal(err)
	}
	var m msg
	if err := w.ReceiveJSON(ctx, &m); err != nil || m.A != 7 {
		t.Errorf("JSON echo: %+v, %v", m, err)
	}
	big := strings.Repeat("x", 200<<10) // many segments, a 64-bit length
	if err := w.SendText(big); err != nil {
		t.Fatal(err)
	}
	if got, err := w.ReceiveText(ctx); err != nil || got != big {
		t.Errorf("200 KiB echo: %d bytes, %v", len(got), err)
	}
	if err := w.Close(1000, "bye"); err != nil {
		t.Fatal(err)
	}
	if c := w.CloseCode(); c != 1000 {
		t.Errorf("CloseCode() = %d, want 1000", c)
	}
	if ce := <-closed; ce.Code != 1000 || ce.Reason != "bye" {
		t.Errorf("server saw close %d %q, want 1000 bye", ce.Code, ce.Reason)
	}
	if err := w.SendText("late"); !errors.Is(err, ErrWSClosed) {
		t.Errorf("send after Close: %v, want ErrWSClosed", err)
	}
	if !w.Closed() {
		t.Error("Closed() false after Close")
	}
}

// TestWSFramesWith101: frames written in the same segment as the 101 are
// parsed, not lost: a message fragmented around a ping (answered with a
// pong, automatically), then a binary message and a server close.
func TestWSFramesWith101(t *testing.T) {
	for _, tc := range []struct {
		name    string
		trickle bool
	}{{"one segment", false}, {"a byte per write", true}} {
		t.Run(tc.name, func(t *testing.T) { testWSFramesWith101(t, tc.trickle) })
	}
}

func testWSFramesWith101(t *testing.T, trickle bool) {
	pong := make(chan []byte, 1)
	served := make(chan struct{})
	addr, _ := rawServer(t, func(_ int, c net.Conn) {
		defer close(served)
		r, err := readRequest(bufio.NewReader(c))
		if err != nil {
			return
		}
		out := []byte(answer101(r, ""))
		out = append(out, serverFrame(gws.OpText, false, []byte("hel"))...)
		out = append(out, serverFrame(gws.OpPing, true, []byte("p1"))...)
		out = append(out, serverFrame(gws.OpContinuation, false, []byte("lo "))...)
		out = append(out, serverFrame(gws.OpContinuation, true, []byte("wörld"))...)
		out = append(out, serverFrame(gws.OpBinary, true, []byte{1, 2, 3})...)
		if !trickle {
			c.Write(out) // one write: one segment on loopback
		}
		for i := 0; trickle && i < len(out); i++ {
			c.Write(out[i : i+1]) // TCP_NODELAY (Go's default): a segment each
		}
		h, p := readClientFrame(t, c)
		if h.OpCode == gws.OpPong {
			pong <- p
		}
		c.Write(serverFrame(gws.OpClose, true, append(binary.BigEndian.AppendUint16(nil, 4000), "done"...)))
		h, p = readClientFrame(t, c)
		if h.OpCode != gws.OpClose || len(p) < 2 || binary.BigEndian.Uint16(p) != 4000 {
			t.Errorf("client answered the close with %v %x", h.OpCode, p)
		}
	})
	s := newSession(t, Config{})
	w := dialWS(t, s, wsURL(addr, "/"), nil)
	ctx := ctxT(t)
	if got, err := w.ReceiveText(ctx); err != nil || got != "hello wörld" {
		t.Errorf("fragmented text: %q, %v", got, err)
	}
	if got, err := w.ReceiveBytes(ctx); err != nil || string(got) != "\x01\x02\x03" {
		t.Errorf("binary: %x, %v", got, err)
	}
	select {
	case p := <-pong:
		if string(p) != "p1" {
			t.Errorf("pong payload %q, want p1", p)
		}
	case <-ctx.Done():
		t.Fatal("no pong")
	}
	_, err := w.Receive(ctx)
	var ce *WSCloseError
	if !errors.As(err, &ce) || ce.Code != 4000 || ce.Reason != "done" || !errors.Is(err, ErrWSClosed) {
		t.Errorf("after the server's close: %v", err)
	}
	if err := w.Close(1000, ""); err != nil {
		t.Error(err)
	}
	if w.CloseCode() != 4000 {
		t.Errorf("CloseCode() = %d, want the server's 4000", w.CloseCode())
	}
	<-served // the server checked what we sent
}

// TestWSNoAuto: with NoAutoPing and NoAutoClose, pings and the close reach
// the application, which answers them itself.
func TestWSNoAuto(t *testing.T) {
	served := make(chan struct{})
	addr, _ := rawServer(t, func(_ int, c net.Conn) {
		defer close(served)
		r, err := readRequest(bufio.NewReader(c))
		if err != nil {
			return
		}
		out := append([]byte(answer101(r, "")), serverFrame(gws.OpPing, true, []byte("x"))...)
		c.Write(out)
		if h, p := readClientFrame(t, c); h.OpCode != gws.OpPong || string(p) != "y" {
			t.Errorf("want the application's pong y, got %v %q", h.OpCode, p)
		}
		c.Write(serverFrame(gws.OpClose, true, binary.BigEndian.AppendUint16(nil, 1001)))
		if h, p := readClientFrame(t, c); h.OpCode != gws.OpClose || binary.BigEndian.Uint16(p) != 3001 {
			t.Errorf("want the application's close 3001, got %v %x", h.OpCode, p)
		}
	})
	s := newSession(t, Config{})
	w := dialWS(t, s, wsURL(addr, "/"), &WSOptions{NoAutoPing: true, NoAutoClose: true})
	ctx := ctxT(t)
	if m, err := w.Receive(ctx); err != nil || m.Type != ws.OpPing || string(m.Data) != "x" {
		t.Fatalf("ping message: %+v, %v", m, err)
	}
	if err := w.Pong([]byte("y")); err != nil {
		t.Fatal(err)
	}
	if m, err := w.Receive(ctx); err != nil || m.Type != ws.OpClose {
		t.Fatalf("close message: %+v, %v", m, err)
	}
	if err := w.Close(3001, "as I please"); err != nil {
		t.Fatal(err)
	}
	<-served // the server checked what we sent
}

// TestWSHeartbeat: a server that reads our ping but never answers (and
// sends nothing) is dropped after the pong timeout, while the application
// never reads.
func TestWSHeartbeat(t *testing.T) {
	pinged := make(chan struct{}, 1)
	addr, _ := rawServer(t, func(_ int, c net.Conn) {
		if _, err := (gws.Upgrader{}).Upgrade(c); err != nil {
			return
		}
		if h, _ := readClientFrame(t, c); h.OpCode == gws.OpPing {
			pinged <- struct{}{}
		}
		c.Read(make([]byte, 1)) // silent until the client drops us
	})
	s := newSession(t, Config{})
	w := dialWS(t, s, wsURL(addr, "/"), &WSOptions{Heartbeat: 50 * time.Millisecond, PongTimeout: 100 * time.Millisecond})
	<-pinged
	waitFor(t, "the pong timeout to drop the connection", w.Closed)
	_, err := w.Receive(ctxT(t))
	if !errors.Is(err, ErrWSPongTimeout) || w.CloseCode() != 1006 {
		t.Errorf("after the pong timeout: %v, code %d", err, w.CloseCode())
	}
	if err := w.Close(1000, ""); err != nil {
		t.Error(err)
	}
}

// TestWSHeartbeatAnswered: a server that answers pings (and sends nothing
// else) keeps the WebSocket open across many heartbeats.
func TestWSHeartbeatAnswered(t *testing.T) {
	pings := make(chan struct{}, 100)
	addr, _ := rawServer(t, func(_ int, c net.Conn) {
		if _, err := (gws.Upgrader{}).Upgrade(c); err != nil {
			return
		}
		for {
			h, p, err := readFrame(c)
			if err != nil || h.OpCode != gws.OpPing {
				return
			}
			if _, err := c.Write(serverFrame(gws.OpPong, true, p)); err != nil {
				return
			}
			pings <- struct{}{}
		}
	})
	s := newSession(t, Config{})
	w := dialWS(t, s, wsURL(addr, "/"), &WSOptions{Heartbeat: 20 * time.Millisecond, PongTimeout: 2 * time.Second})
	ctx := ctxT(t)
	for i := range 5 {
		select {
		case <-pings:
		case <-ctx.Done():
			t.Fatalf("%d pings in 20 s with a 20 ms heartbeat", i)
		}
	}
	if w.Closed() {
		t.Fatalf("closed with %d though the server answers pings", w.CloseCode())
	}
	w.Close(1000, "")
}

// TestWSMaxQueue: a receiver slower than the server pauses reading at
// MaxQueue messages and resumes as it catches up; nothing is lost or
// reordered.
func TestWSMaxQueue(t *testing.T) {
	addr, _ := rawServer(t, func(_ int, c net.Conn) {
		if _, err := (gws.Upgrader{}).Upgrade(c); err != nil {
			return
		}
		var out []byte
		for i := range 50 {
			out = append(out, serverFrame(gws.OpText, true, []byte(fmt.Sprint(i)))...)
		}
		c.Write(out)
		c.Read(make([]byte, 1))
	})
	s := newSession(t, Config{})
	w := dialWS(t, s, wsURL(addr, "/"), &WSOptions{MaxQueue: 2})
	defer w.Close(1000, "")
	ctx := ctxT(t)
	waitFor(t, "the inbox to fill", func() bool {
		w.mu.Lock()
		defer w.mu.Unlock()
		return w.readPaused
	})
	w.mu.Lock()
	if n := len(w.inbox); n != 2 {
		t.Errorf("%d messages queued with MaxQueue 2", n)
	}
	w.mu.Unlock()
	for i := range 50 {
		if got, err := w.ReceiveText(ctx); err != nil || got != fmt.Sprint(i) {
			t.Fatalf("message %d: %q, %v", i, got, err)
		}
	}
}

// TestWSCloseTimeout: a server that never answers our close is dropped
// after CloseTimeout; Close returns then.
func TestWSCloseTimeout(t *testing.T) {
	addr, _ := rawServer(t, func(_ int, c net.Conn) {
		if _, err := (gws.Upgrader{}).Upgrade(c); err != nil {
			return
		}
		readClientFrame(t, c)
		c.Read(make([]byte, 1))
	})
	s := newSession(t, Config{})
	w := dialWS(t, s, wsURL(addr, "/"), &WSOptions{CloseTimeout: 100 * time.Millisecond})
	start := time.Now()
	if err := w.Close(1000, ""); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 50*time.Millisecond || d > 5*time.Second { // the loop clock is coarse
		t.Errorf("Close took %v with a 100 ms close timeout", d)
	}
	if w.CloseCode() != 1000 {
		t.Errorf("CloseCode() = %d, want ours", w.CloseCode())
	}
}

// TestWSMaxMessage: a message past MaxMessage fails the WebSocket with 1009
// before its payload is taken.
func TestWSMaxMessage(t *testing.T) {
	served := make(chan struct{})
	addr, _ := rawServer(t, func(_ int, c net.Conn) {
		defer close(served)
		if _, err := (gws.Upgrader{}).Upgrade(c); err != nil {
			return
		}
		c.Write(serverFrame(gws.OpBinary, true, make([]byte, 2000)))
		h, p := readClientFrame(t, c)
		if h.OpCode != gws.OpClose || len(p) < 2 || binary.BigEndian.Uint16(p) != 1009 {
			t.Errorf("client closed with %v %x, want 1009", h.OpCode, p)
		}
	})
	s := newSession(t, Config{})
	w := dialWS(t, s, wsURL(addr, "/"), &WSOptions{MaxMessage: 1024})
	_, err := w.Receive(ctxT(t))
	if !errors.Is(err, ws.ErrMessageTooBig) || w.CloseCode() != 1009 {
		t.Errorf("oversized message: %v, code %d", err, w.CloseCode())
	}
	w.Close(1000, "")
	<-served // the server checked what we sent
}

// TestWSProtocolError: a masked frame from the server fails the WebSocket
// with 1002.
func TestWSProtocolError(t *testing.T) {
	served := make(chan struct{})
	addr, _ := rawServer(t, func(_ int, c net.Conn) {
		defer close(served)
		if _, err := (gws.Upgrader{}).Upgrade(c); err != nil {
			return
		}
		c.Write(ws.AppendMaskedFrame(nil, ws.OpText, true, []byte("hi"), [4]byte{1, 2, 3, 4}))
		if h, p := readClientFrame(t, c); h.OpCode != gws.OpClose || binary.BigEndian.Uint16(p) != 1002 {
			t.Errorf("client closed with %v %x, want 1002", h.OpCode, p)
		}
	})
	s := newSession(t, Config{})
	w := dialWS(t, s, wsURL(addr, "/"), nil)
	if _, err := w.Receive(ctxT(t)); !errors.Is(err, ws.ErrMasked) {
		t.Errorf("masked server frame: %v", err)
	}
	w.Close(1000, "")
	<-served // the server checked what we sent
}

// deflatePeer is an echo server built on the ws codec over a blocking
// connection, so every permessage-deflate option can be accepted: it
// decompresses what the client sends and compresses its echo.
func deflatePeer(t *testing.T, opts *ws.DeflateOptions) string {
	addr, _ := rawServer(t, func(_ int, c net.Conn) {
		br := bufio.NewReader(c)
		var head []byte
		for !strings.HasSuffix(string(head), "\r\n\r\n") {
			line, err := br.ReadSlice('\n')
			if err != nil {
				return
			}
			head = append(head, line...)
		}
		var (
			rp  httpcodec.RequestParser
			req httpcodec.Request
		)
		if n, err := rp.Parse(head, &req); n == 0 || err != nil {
			t.Errorf("server parse: %d %v", n, err)
			return
		}
		hs, herr := ws.Accept(&req, &ws.ServerOptions{Deflate: opts, CheckOrigin: ws.AnyOrigin})
		if herr != nil {
			t.Errorf("server accept: %v", herr)
			return
		}
		c.Write(hs.AppendResponse(nil))
		p := ws.Parser{Role: ws.RoleServer}
		var d *ws.Deflater
		if hs.Deflate {
			p.Inflater = ws.NewInflater(hs.DeflateParams, ws.RoleServer)
			d = ws.NewDeflater(hs.DeflateParams, ws.RoleServer)
		}
		buf := make([]byte, 64<<10)
		for {
			k, err := br.Read(buf)
			if err != nil {
				return
			}
			in := buf[:k]
			for len(in) > 0 {
				n, m, err := p.Feed(in)
				in = in[n:]
				if err != nil {
					t.Errorf("server feed: %v", err)
					return
				}
				switch m.Op {
				case 0:
				case ws.OpText, ws.OpBinary:
					if d != nil {
						c.Write(d.AppendFrame(nil, m.Op, m.Payload))
					} else {
						c.Write(ws.AppendFrame(nil, m.Op, true, m.Payload))
					}
				case ws.OpClose:
					c.Write(ws.AppendFrame(nil, ws.OpClose, true, m.Payload))
					return
				}
			}
		}
	})
	return addr
}

// TestWSDeflate: a permessage-deflate round trip with each takeover and
// window option, several similar messages so context takeover matters.
func TestWSDeflate(t *testing.T) {
	cases := []struct {
		name         string
		client, serv ws.DeflateOptions
	}{
		{"takeover both ways", ws.DeflateOptions{}, ws.DeflateOptions{}},
		{"server_no_context_takeover", ws.DeflateOptions{ServerNoContextTakeover: true}, ws.DeflateOptions{}},
		{"client_no_context_takeover", ws.DeflateOptions{ClientNoContextTakeover: true}, ws.DeflateOptions{}},
		{"server asks client_no_context_takeover", ws.DeflateOptions{}, ws.DeflateOptions{ClientNoContextTakeover: true}},
		{"none both ways", ws.DeflateOptions{ServerNoContextTakeover: true, ClientNoContextTakeover: true}, ws.DeflateOptions{}},
		{"window bits 9", ws.DeflateOptions{ServerMaxWindowBits: 9, ClientMaxWindowBits: 9}, ws.DeflateOptions{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			addr := deflatePeer(t, &tc.serv)
			s := newSession(t, Config{})
			w := dialWS(t, s, wsURL(addr, "/"), &WSOptions{Deflate: &tc.client})
			if !w.Compressed() {
				t.Fatal("deflate not negotiated")
			}
			ctx := ctxT(t)
			for i := range 5 {
				msg := strings.Repeat(fmt.Sprintf("message %d of a repetitive stream; ", i%2), 50+i*300)
				if err := w.SendText(msg); err != nil {
					t.Fatal(err)
				}
				if got, err := w.ReceiveText(ctx); err != nil || got != msg {
					t.Fatalf("round trip %d: %d bytes (want %d), %v", i, len(got), len(msg), err)
				}
			}
			if err := w.Close(1000, ""); err != nil || w.CloseCode() != 1000 {
				t.Errorf("close: %v, code %d", err, w.CloseCode())
			}
		})
	}
}

// TestWSSendOrder: sends from many goroutines arrive whole and, per
// goroutine, in order.
func TestWSSendOrder(t *testing.T) {
	addr, _ := echoPeer(t)
	s := newSession(t, Config{})
	w := dialWS(t, s, wsURL(addr, "/"), nil)
	const senders, each = 8, 200
	var wg sync.WaitGroup
	for g := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				if err := w.SendText(fmt.Sprintf("%d:%d", g, i)); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	next := make([]int, senders)
	ctx := ctxT(t)
	for range senders * each {
		m, err := w.ReceiveText(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var g, i int
		if _, err := fmt.Sscanf(m, "%d:%d", &g, &i); err != nil || g >= senders || i != next[g] {
			t.Fatalf("message %q out of order (want %d next from %d)", m, next[g%senders], g)
		}
		next[g]++
	}
	wg.Wait()
	w.Close(1000, "")
}

// TestWSMaxOutbound: a server that never reads makes sends fail with
// ErrWSSlowNetwork once MaxOutbound is queued, instead of growing memory.
func TestWSMaxOutbound(t *testing.T) {
	addr, _ := rawServer(t, func(_ int, c net.Conn) {
		if _, err := (gws.Upgrader{}).Upgrade(c); err != nil {
			return
		}
		<-t.Context().Done()
	})
	s := newSession(t, Config{})
	w := dialWS(t, s, wsURL(addr, "/"), &WSOptions{MaxOutbound: 256 << 10, CloseTimeout: 100 * time.Millisecond})
	chunk := make([]byte, 32<<10)
	var err error
	for sent := 0; sent < 256<<20 && err == nil; sent += len(chunk) {
		err = w.SendBytes(chunk)
	}
	if !errors.Is(err, ErrWSSlowNetwork) {
		t.Fatalf("256 MiB to a server that never reads: %v", err)
	}
	if err := w.SendBytes(chunk); !errors.Is(err, ErrWSClosed) {
		t.Errorf("send after the cut: %v", err)
	}
	w.Close(1000, "")
	if w.CloseCode() != 1008 {
		t.Errorf("CloseCode() = %d, want 1008", w.CloseCode())
	}
}

// TestWSSessionClose: the session's Close closes its WebSockets (1001) and
// returns once they are gone; DialWebSocket's WebSocket releases its own
// session; nothing outlives either.
func TestWSSessionClose(t *testing.T) {
	addr, closed := echoPeer(t)
	g0, fd0 := goroutines(), openFDs(t)

	s, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	w1 := dialWS(t, s, wsURL(addr, "/"), nil)
	w2 := dialWS(t, s, wsURL(addr, "/"), nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	for _, w := range []*WebSocket{w1, w2} {
		if _, err := w.Receive(ctx); !errors.Is(err, ErrWSClosed) || w.CloseCode() != 1001 {
			t.Errorf("after the session's Close: %v, code %d", err, w.CloseCode())
		}
		if err := w.Close(1000, ""); err != nil {
			t.Error(err)
		}
		if ce := <-closed; ce.Code != 1001 {
			t.Errorf("server saw close %d, want 1001", ce.Code)
		}
	}
	if _, err := s.WebSocket(ctx, wsURL(addr, "/"), nil); !errors.Is(err, ErrClosed) {
		t.Errorf("dial after Close: %v", err)
	}

	w, err := DialWebSocket(ctx, wsURL(addr, "/"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.SendText("x"); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Receive(ctx); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(1000, ""); err != nil {
		t.Fatal(err)
	}
	<-closed
	waitFor(t, "goroutines and descriptors back to their start", func() bool {
		return goroutines() <= g0 && openFDs(t) <= fd0
	})
}

// TestWSPongsCoalesce: a server that pings faster than the client writes
// makes it owe one pong (the latest ping's), not a queue of them (RFC 6455
// 5.5.3), and the pong still goes out before our close frame.
func TestWSPongsCoalesce(t *testing.T) {
	const pings = 2000
	type result struct {
		pongs int
		last  string
		close bool
	}
	got := make(chan result, 1)
	addr, _ := rawServer(t, func(_ int, c net.Conn) {
		if _, err := (gws.Upgrader{}).Upgrade(c); err != nil {
			return
		}
		var out []byte
		for i := range pings {
			out = append(out, serverFrame(gws.OpPing, true, []byte(fmt.Sprint(i)))...)
		}
		out = append(out, serverFrame(gws.OpText, true, []byte("end"))...)
		c.Write(out) // in one write: the client reads it in few pieces
		var r result
		for {
			h, p, err := readFrame(c)
			if err != nil {
				break
			}
			if h.OpCode == gws.OpPong {
				r.pongs++
				r.last = string(p)
			}
			if h.OpCode == gws.OpClose {
				r.close = true
				c.Write(serverFrame(gws.OpClose, true, p))
				break
			}
		}
		got <- r
	})
	s := newSession(t, Config{})
	w := dialWS(t, s, wsURL(addr, "/"), nil)
	if m, err := w.Receive(ctxT(t)); err != nil || m.Text() != "end" {
		t.Fatalf("Receive: %+v, %v", m, err)
	}
	if err := w.Close(1000, ""); err != nil {
		t.Fatal(err)
	}
	r := <-got
	if r.pongs == 0 || r.pongs > pings/10 || r.last != fmt.Sprint(pings-1) || !r.close {
		t.Errorf("%d pings in one write: %d pongs (want a few), last %q (want %d), close after them %v",
			pings, r.pongs, r.last, pings-1, r.close)
	}
}

// TestWSReleasesSessionWatch: a WebSocket the server closed stops watching
// its session's Close at once, not when the application calls Close.
func TestWSReleasesSessionWatch(t *testing.T) {
	drop := make(chan struct{})
	addr, _ := rawServer(t, func(_ int, c net.Conn) {
		if _, err := (gws.Upgrader{}).Upgrade(c); err != nil {
			return
		}
		<-drop
	})
	s := newSession(t, Config{})
	w := dialWS(t, s, wsURL(addr, "/"), nil)
	w.mu.Lock()
	stop := w.stopWatch
	w.mu.Unlock()
	if stop == nil {
		t.Fatal("an open WebSocket does not watch its session")
	}
	close(drop) // the server hangs up without a close frame
	<-w.done
	if stop() {
		t.Error("the connection is gone but the WebSocket still watches its session's Close")
	}
	if err := w.Close(1000, ""); err != nil {
		t.Error(err)
	}
}

// TestWSReceiveWakesEveryReceiver: two receivers parked in Receive and two
// messages arriving with one wake-up (the second signal found the channel
// full): the receiver that takes the first passes the wake-up on, so both
// return.
func TestWSReceiveWakesEveryReceiver(t *testing.T) {
	addr, _ := echoPeer(t)
	s := newSession(t, Config{})
	w := dialWS(t, s, wsURL(addr, "/"), nil)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	got := make(chan error, 2)
	for range 2 {
		go func() {
			_, err := w.Receive(ctx)
			got <- err
		}()
	}
	waitFor(t, "both receivers parked", func() bool {
		buf := make([]byte, 1<<20)
		return strings.Count(string(buf[:runtime.Stack(buf, true)]), "client.(*WebSocket).Receive(") == 2
	})
	w.mu.Lock()
	w.inbox = append(w.inbox, WSMessage{Type: ws.OpText, Data: []byte("a")}, WSMessage{Type: ws.OpText, Data: []byte("b")})
	w.inboxBytes += 2
	w.mu.Unlock()
	w.conn.signal() // one wake-up for two messages: the loop's second signal found it full
	for range 2 {
		if err := <-got; err != nil {
			t.Errorf("a receiver with a message waiting for it: %v", err)
		}
	}
	if err := w.Close(1000, ""); err != nil {
		t.Error(err)
	}
}
