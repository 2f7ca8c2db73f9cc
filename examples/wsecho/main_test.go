package main

import (
	"strings"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/eddytest"
	"github.com/eddy-go/eddy/internal/browser"
)

func TestEcho(t *testing.T) {
	s := eddytest.New(t, newApp(eddy.Config{Loops: 1}))
	if r := s.Get(t, "/"); r.Status != 200 || !strings.Contains(r.Text(), "new WebSocket") {
		t.Fatalf("GET /: %d", r.Status)
	}
	w := s.DialWS(t, "/ws")
	w.SendText(t, "hello")
	if m := w.Read(t); m.Type != eddy.WSText || m.Text() != "hello/answer" {
		t.Fatalf("echo: %v %q", m.Type, m.Data)
	}
	w.SendBytes(t, []byte{0, 1, 2})
	if m := w.Read(t); m.Type != eddy.WSBinary || string(m.Data) != "\x00\x01\x02" {
		t.Fatalf("binary echo: %v %q", m.Type, m.Data)
	}
	w.SendText(t, "close")
	if m := w.Read(t); m.Type != eddy.WSClose || eddytest.CloseCode(m) != 1000 {
		t.Fatalf("after close: %v %q", m.Type, m.Data)
	}
}

// TestEchoBrowser drives the page in headless Chromium: it connects, its
// messages come back with /answer, and "close" closes (skipped without
// Chromium, except in CI).
func TestEchoBrowser(t *testing.T) {
	b := browser.Start(t)
	s := eddytest.New(t, newApp(eddy.Config{Loops: 1}))
	p := b.Open(t, s.URL+"/")
	p.WaitFor(10*time.Second, "the WebSocket to open", `document.body.dataset.state === "open"`)
	p.Eval(`send("hello from chromium")`, nil)
	p.WaitFor(10*time.Second, "the echo", `document.getElementById("log").textContent.includes("< hello from chromium/answer")`)
	p.Eval(`send("close")`, nil)
	p.WaitFor(10*time.Second, "the close", `document.body.dataset.state === "closed (1000)"`)
}
