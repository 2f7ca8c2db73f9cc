package eddy

import (
	"context"
	"runtime"
	"strings"
	"testing"
	"time"
)

// blockedReceivers counts the goroutines waiting in a Receive's select.
func blockedReceivers() int {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	n := 0
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "[select") && strings.Contains(g, "eddy.(*WebSocket).Receive(") {
			n++
		}
	}
	return n
}

// TestReceivePassesWakeUpOn: the wake-up channel holds one signal, so when
// two messages arrive for two receivers that are both about to wait, one
// signal can be lost (the second finds the first still there). The
// receiver that takes a message must pass the wake-up on while messages
// remain, or the other receiver waits forever beside a queued message.
func TestReceivePassesWakeUpOn(t *testing.T) {
	w := &WebSocket{
		wr:  &wsRoute{cfg: WSConfig{}.withDefaults(), fn: func(*WebSocket) error { return nil }},
		ext: &wsExt{rx: &wsInbox{wake: make(chan struct{}, 1), done: make(chan struct{})}},
	}
	got := make(chan string, 2)
	for range 2 {
		go func() {
			m, err := w.Receive(context.Background())
			if err != nil {
				got <- "error: " + err.Error()
				return
			}
			got <- string(m.Data)
		}()
	}
	deadline := time.Now().Add(10 * time.Second)
	for blockedReceivers() < 2 {
		if time.Now().After(deadline) {
			t.Fatal("the two receivers never waited")
		}
		runtime.Gosched()
	}
	// Both wait; two messages are queued and one signal survived: the
	// state the loop leaves when the receivers started waiting just after
	// two enqueues.
	w.mu.Lock()
	w.ext.rx.inbox = append(w.ext.rx.inbox, WSMessage{Type: WSText, Data: []byte("a")}, WSMessage{Type: WSText, Data: []byte("b")})
	w.ext.rx.inboxBytes = 2
	w.mu.Unlock()
	w.signal()
	seen := map[string]bool{}
	for range 2 {
		select {
		case s := <-got:
			seen[s] = true
		case <-time.After(10 * time.Second):
			t.Fatalf("a receiver is still waiting beside a queued message (got %v)", seen)
		}
	}
	if !seen["a"] || !seen["b"] {
		t.Errorf("receivers got %v, want a and b", seen)
	}
}
