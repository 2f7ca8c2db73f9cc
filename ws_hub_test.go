package eddy_test

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/eddytest"
	"github.com/eddy-go/eddy/loop"
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

// TestHubPostsOnlyToMemberLoops: a broadcast posts to the loops that have
// members, not to every loop of the server: with one member, the other
// loop is not woken.
func TestHubPostsOnlyToMemberLoops(t *testing.T) {
	hub := eddy.NewHub()
	app := eddy.New(eddy.Config{Loops: 2})
	app.WebSocket("/ws", eddy.WSCallbacks{OnOpen: func(w *eddy.WebSocket) { hub.Add(w) }})
	s := eddytest.New(t, app)
	k := dialWS(t, s, "/ws", "", nil)
	waitUntil(t, 5e9, "the member", func() bool { return hub.Len() == 1 })
	if n := eddy.WSOpening(); n != 0 {
		t.Fatalf("%d WebSockets counted as opening after their OnOpen", n)
	}
	before := eddy.LoopWakeups(s.App)
	const n = 20
	for i := range n {
		hub.BroadcastText(fmt.Sprint(i))
		if m := k.read(); string(m.Payload) != fmt.Sprint(i) {
			t.Fatalf("broadcast %d arrived as %q", i, m.Payload)
		}
	}
	after := eddy.LoopWakeups(s.App)
	woken := 0
	for i := range after {
		if after[i] != before[i] {
			woken++
		}
	}
	if woken != 1 {
		t.Fatalf("%d broadcasts to one member woke %d loops (wake-ups %v -> %v), want 1", n, woken, before, after)
	}
}

// TestHubAddClosed: a WebSocket added after it closed is not kept, not
// even as pending: the hub counts nothing on its loop, so broadcasts do
// not post there.
func TestHubAddClosed(t *testing.T) {
	hub := eddy.NewHub()
	app := eddy.New(eddy.Config{})
	closed := make(chan struct{})
	app.WebSocket("/ws", eddy.WSCallbacks{OnClose: func(w *eddy.WebSocket, code int, reason string) {
		hub.Add(w)
		close(closed)
	}})
	s := eddytest.New(t, app)
	k := dialWS(t, s, "/ws", "", nil)
	k.write(ws.AppendMaskedClose(nil, 1000, "", testMask))
	k.expectClose()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("OnClose did not run")
	}
	waitUntil(t, 5e9, "the closed WebSocket to be let go", func() bool { return eddy.HubCounted(hub) == 0 })
	if n := hub.Len(); n != 0 {
		t.Fatalf("Len %d after adding a closed WebSocket", n)
	}
}

// TestHubBroadcastDuringOnOpen: a member's client has its 101 before the
// member's OnOpen runs; a broadcast that another member starts then reaches
// it, even on a loop where the hub has no member yet. OnOpen waits here,
// on the second loop, until the broadcast was posted.
func TestHubBroadcastDuringOnOpen(t *testing.T) {
	hub := eddy.NewHub()
	app := eddy.New(eddy.Config{Loops: 2})
	var first atomic.Pointer[loop.Loop]
	landed := make(chan bool, 16) // whether the WebSocket is on the first member's loop
	posted := make(chan struct{})
	app.WebSocket("/ws", eddy.WSCallbacks{
		OnOpen: func(w *eddy.WebSocket) {
			if first.CompareAndSwap(nil, w.Loop()) || first.Load() == w.Loop() {
				hub.Add(w)
				landed <- true
				return
			}
			landed <- false
			select {
			case <-posted:
			case <-time.After(10 * time.Second):
			}
			hub.Add(w)
		},
		OnMessage: func(w *eddy.WebSocket, m eddy.WSMessage) {
			hub.BroadcastText(string(m.Data))
			close(posted)
		},
	})
	s := eddytest.New(t, app)
	var ks []*wsClient
	for len(ks) < 16 {
		k := dialWS(t, s, "/ws", "", nil)
		ks = append(ks, k)
		select {
		case onFirst := <-landed:
			if onFirst {
				continue
			}
		case <-time.After(5 * time.Second):
			t.Fatal("OnOpen did not run")
		}
		ks[0].send(ws.OpText, "hello") // k's OnOpen waits for this broadcast
		for i, k := range ks {
			if m := k.read(); string(m.Payload) != "hello" {
				t.Fatalf("client %d got %q", i, m.Payload)
			}
		}
		return
	}
	t.Skip("every connection landed on one loop")
}
