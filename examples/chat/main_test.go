package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/eddytest"
	"github.com/eddy-go/eddy/internal/browser"
)

// readMessage reads the next room message.
func readMessage(t *testing.T, w *eddytest.WSConn) message {
	t.Helper()
	m := w.Read(t)
	var msg message
	if err := json.Unmarshal(m.Data, &msg); err != nil {
		t.Fatalf("room message %q: %v", m.Data, err)
	}
	return msg
}

func TestChat(t *testing.T) {
	s := eddytest.New(t, newApp(eddy.Config{Loops: 2}))
	if r := s.Get(t, "/"); r.Status != 200 || !strings.Contains(r.Text(), "new WebSocket") {
		t.Fatalf("GET /: %d", r.Status)
	}
	ann := s.DialWS(t, "/ws?name=ann")
	if m := readMessage(t, ann); m != (message{Text: "ann joined"}) {
		t.Fatalf("ann got %+v", m)
	}
	bob := s.DialWS(t, "/ws?name=bob")
	for _, w := range []*eddytest.WSConn{ann, bob} {
		if m := readMessage(t, w); m != (message{Text: "bob joined"}) {
			t.Fatalf("got %+v", m)
		}
	}
	ann.SendText(t, "hi bob")
	for _, w := range []*eddytest.WSConn{ann, bob} {
		if m := readMessage(t, w); m != (message{Name: "ann", Text: "hi bob"}) {
			t.Fatalf("got %+v", m)
		}
	}
	bob.SendText(t, strings.Repeat("x", maxMessage+1))
	if m := bob.Read(t); m.Type != eddy.WSClose || eddytest.CloseCode(m) != 1009 {
		t.Fatalf("a message over the limit: %v %q", m.Type, m.Data)
	}
	if m := readMessage(t, ann); m != (message{Text: "bob left"}) {
		t.Fatalf("ann got %+v", m)
	}
	ann.Close(t, 1000, "bye")
	if m := ann.Read(t); m.Type != eddy.WSClose || eddytest.CloseCode(m) != 1000 {
		t.Fatalf("ann's close answered with %v %q", m.Type, m.Data)
	}
}

// TestChatBrowser opens the page twice in headless Chromium and sees the
// messages cross (skipped without Chromium, except in CI).
func TestChatBrowser(t *testing.T) {
	b := browser.Start(t)
	s := eddytest.New(t, newApp(eddy.Config{Loops: 2}))
	alice := b.Open(t, s.URL+"/?name=alice")
	alice.WaitFor(10*time.Second, "alice's WebSocket to open", `document.body.dataset.state === "open"`)
	bob := b.Open(t, s.URL+"/?name=bob") // after alice joined, so she sees bob join
	bob.WaitFor(10*time.Second, "bob's WebSocket to open", `document.body.dataset.state === "open"`)
	alice.WaitFor(10*time.Second, "bob to join", `document.getElementById("log").textContent.includes("bob joined")`)
	alice.Eval(`send("hello bob")`, nil)
	bob.WaitFor(10*time.Second, "alice's message", `document.getElementById("log").textContent.includes("alice: hello bob")`)
	bob.Eval(`send("hi alice")`, nil)
	alice.WaitFor(10*time.Second, "bob's answer", `document.getElementById("log").textContent.includes("bob: hi alice")`)
}
