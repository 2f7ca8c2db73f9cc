package client

import (
	"errors"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/eddytest"
	"github.com/eddy-go/eddy/ws"
)

// eddyWS starts an eddy app whose /ws echoes every message (a WSFunc), and
// closes with 1000 on the text "close"; cfg configures the route.
func eddyWS(t *testing.T, cfg eddy.WSConfig) string {
	app := eddy.New(eddy.Config{})
	app.WebSocket("/ws", eddy.WSFunc(func(w *eddy.WebSocket) error {
		for m := range w.Messages() {
			if m.Type == eddy.WSText && string(m.Data) == "close" {
				return nil
			}
			if err := w.Send(m.Type, m.Data); err != nil {
				return err
			}
		}
		return nil
	}), cfg)
	return wsURL(eddytest.New(t, app).URL, "/ws")
}

// TestWSEddyServer: the client against eddy's own app.WebSocket, with a
// subprotocol and permessage-deflate negotiated, both ways of closing.
func TestWSEddyServer(t *testing.T) {
	u := eddyWS(t, eddy.WSConfig{Protocols: []string{"chat"}, Deflate: &ws.DeflateOptions{}})
	s := newSession(t, Config{})
	ctx := ctxT(t)
	w := dialWS(t, s, u, &WSOptions{Protocols: []string{"chat"}, Deflate: &ws.DeflateOptions{}})
	if w.Protocol() != "chat" || !w.Compressed() {
		t.Errorf("Protocol() %q, Compressed() %v; want chat, true", w.Protocol(), w.Compressed())
	}
	for i := range 3 {
		if err := w.SendJSON(map[string]int{"n": i}); err != nil {
			t.Fatal(err)
		}
		var v map[string]int
		if err := w.ReceiveJSON(ctx, &v); err != nil || v["n"] != i {
			t.Fatalf("JSON echo %d: %v, %v", i, v, err)
		}
	}
	if err := w.SendBytes([]byte{9, 8, 7}); err != nil {
		t.Fatal(err)
	}
	if b, err := w.ReceiveBytes(ctx); err != nil || string(b) != "\x09\x08\x07" {
		t.Errorf("binary echo: %x, %v", b, err)
	}
	// The server closes (its handler returns nil: 1000).
	if err := w.SendText("close"); err != nil {
		t.Fatal(err)
	}
	_, err := w.Receive(ctx)
	var ce *WSCloseError
	if !errors.As(err, &ce) || ce.Code != 1000 {
		t.Errorf("after the server's close: %v", err)
	}
	if err := w.Close(1000, ""); err != nil {
		t.Error(err)
	}

	// The client closes.
	w = dialWS(t, s, u, nil)
	if err := w.SendText("x"); err != nil {
		t.Fatal(err)
	}
	if got, err := w.ReceiveText(ctx); err != nil || got != "x" {
		t.Fatalf("echo: %q, %v", got, err)
	}
	if err := w.Close(4001, "bye"); err != nil || w.CloseCode() != 4001 {
		t.Errorf("Close: %v, code %d", err, w.CloseCode())
	}
}

// TestWSEddyServerHeartbeat: eddy's heartbeat pings reach the client (shown
// with NoAutoPing) and the client's pongs keep the WebSocket open.
func TestWSEddyServerHeartbeat(t *testing.T) {
	u := eddyWS(t, eddy.WSConfig{Heartbeat: 20 * time.Millisecond, PongTimeout: 5 * time.Second})
	s := newSession(t, Config{})
	ctx := ctxT(t)
	w := dialWS(t, s, u, &WSOptions{NoAutoPing: true})
	for range 3 {
		m, err := w.Receive(ctx)
		if err != nil || m.Type != ws.OpPing {
			t.Fatalf("want the server's ping: %+v, %v", m, err)
		}
		if err := w.Pong(m.Data); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.SendText("still here"); err != nil {
		t.Fatal(err)
	}
	for {
		m, err := w.Receive(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if m.Type == ws.OpPing {
			w.Pong(m.Data)
			continue
		}
		if m.Text() != "still here" {
			t.Errorf("echo %q", m.Data)
		}
		break
	}
	w.Close(1000, "")
}
