package eddy_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/eddytest"
	"github.com/eddy-go/eddy/ws"
)

// TestHub: a broadcast reaches every member, on every loop, in order;
// members that close leave the hub.
func TestHub(t *testing.T) {
	hub := eddy.NewHub()
	app := eddy.New(eddy.Config{Loops: 2})
	rec := newCloseRecorder()
	app.WebSocket("/ws", eddy.WSCallbacks{
		OnOpen: func(w *eddy.WebSocket) { hub.Add(w) },
		OnMessage: func(w *eddy.WebSocket, m eddy.WSMessage) {
			hub.BroadcastText(string(m.Data))
		},
		OnClose: rec.onClose,
	})
	s := eddytest.New(t, app)
	const n = 6
	ks := make([]*wsClient, n)
	for i := range ks {
		ks[i] = dialWS(t, s, "/ws", "", nil)
	}
	waitUntil(t, 5e9, "every member", func() bool { return hub.Len() == n })
	for i := range 3 {
		ks[i].send(ws.OpText, fmt.Sprint("from ", i))
		for j, k := range ks {
			if m := k.read(); string(m.Payload) != fmt.Sprint("from ", i) {
				t.Fatalf("client %d got %q", j, m.Payload)
			}
		}
	}
	for i := range 100 {
		hub.BroadcastText(fmt.Sprint(i))
	}
	for j, k := range ks {
		for i := range 100 {
			if m := k.read(); string(m.Payload) != fmt.Sprint(i) {
				t.Fatalf("client %d: broadcast %d arrived as %q", j, i, m.Payload)
			}
		}
	}
	ks[0].write(ws.AppendMaskedClose(nil, 1000, "", testMask))
	ks[0].expectClose()
	rec.wait(t)
	waitUntil(t, 5e9, "the member to leave", func() bool { return hub.Len() == n-1 })
	hub.BroadcastText("after")
	for _, k := range ks[1:] {
		if m := k.read(); string(m.Payload) != "after" {
			t.Fatalf("got %q", m.Payload)
		}
	}
}

// TestHubDropsSlowMember: a member that never reads is cut off by its
// outbound limit; the others keep receiving. Its close frame is never
// taken: the connection is aborted after CloseTimeout (1 s here), not the
// write timeout (30 s), and OnClose runs then.
func TestHubDropsSlowMember(t *testing.T) {
	hub := eddy.NewHub()
	app := eddy.New(eddy.Config{})
	rec := newCloseRecorder()
	app.WebSocket("/ws", eddy.WSCallbacks{OnOpen: func(w *eddy.WebSocket) { hub.Add(w) }, OnClose: rec.onClose},
		eddy.WSConfig{MaxOutbound: 64 << 10, CloseTimeout: time.Second})
	s := eddytest.New(t, app)
	fast := dialWS(t, s, "/ws", "", nil)
	c, err := smallRecvDialer().Dial("tcp", s.App.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	startWS(t, c, "/ws", "", nil) // then never reads
	waitUntil(t, 5e9, "both members", func() bool { return hub.Len() == 2 })
	msg := make([]byte, 8<<10)
	deadline := time.Now().Add(20 * time.Second)
	for {
		select {
		case got := <-rec.ch:
			if got != "1008 client too slow" {
				t.Errorf("slow member closed with %q", got)
			}
			waitUntil(t, 5*time.Second, "the slow member to leave", func() bool { return hub.Len() == 1 })
			return
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("the slow member was never dropped")
		}
		hub.BroadcastBytes(msg)
		if m := fast.read(); len(m.Payload) != len(msg) {
			t.Fatalf("fast member got %d bytes", len(m.Payload))
		}
	}
}
