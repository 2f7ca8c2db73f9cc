package eddy_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/eddytest"
	"github.com/eddy-go/eddy/ws"
)

// TestWSFunc: the goroutine style: Messages, ReceiveJSON, SendJSON, the
// path parameter and query of the handshake, a close when the function
// returns.
func TestWSFunc(t *testing.T) {
	app := eddy.New(eddy.Config{})
	app.WebSocket("/room/{name}", eddy.WSFunc(func(w *eddy.WebSocket) error {
		var hello struct{ User string }
		if err := w.ReceiveJSON(context.Background(), &hello); err != nil {
			return err
		}
		w.SendJSON(map[string]string{"room": w.Param("name"), "user": hello.User, "lang": w.Query("lang"), "ua": w.Header("User-Agent")})
		for m := range w.Messages() {
			if string(m.Data) == "close" {
				return nil // closes with 1000
			}
			time.Sleep(time.Millisecond) // it may block: it has a goroutine of its own
			w.Send(m.Type, m.Data)
		}
		return nil
	}))
	s := eddytest.New(t, app)
	k := dialWS(t, s, "/room/lobby?lang=fr", "User-Agent: tester/1\r\n", nil)
	k.send(ws.OpText, `{"User":"ann"}`)
	if m := k.read(); string(m.Payload) != `{"lang":"fr","room":"lobby","ua":"tester/1","user":"ann"}` {
		t.Fatalf("welcome %q", m.Payload)
	}
	for _, s := range []string{"a", "b", strings.Repeat("c", 70000)} {
		k.send(ws.OpBinary, s)
		if m := k.read(); m.Op != ws.OpBinary || string(m.Payload) != s {
			t.Fatalf("echo %v %d bytes", m.Op, len(m.Payload))
		}
	}
	k.send(ws.OpText, "close")
	if code, _ := k.expectClose(); code != ws.StatusNormal {
		t.Errorf("close %d, want 1000", code)
	}
}

// TestWSFuncReceiveEnds: Receive reports the peer's close as a
// *WSCloseError, and the ReceiveTimeout as ErrWSReceiveTimeout.
func TestWSFuncReceiveEnds(t *testing.T) {
	errs := make(chan error, 4)
	app := eddy.New(eddy.Config{})
	app.WebSocket("/ws", eddy.WSFunc(func(w *eddy.WebSocket) error {
		_, err := w.Receive(context.Background())
		errs <- err // the timeout
		_, err = w.Receive(context.Background())
		errs <- err // the close
		return nil
	}), eddy.WSConfig{ReceiveTimeout: 50 * time.Millisecond})
	s := eddytest.New(t, app)
	k := dialWS(t, s, "/ws", "", nil)
	if err := <-errs; err != eddy.ErrWSReceiveTimeout {
		t.Fatalf("first Receive: %v, want ErrWSReceiveTimeout", err)
	}
	k.write(ws.AppendMaskedClose(nil, 4000, "bye", testMask))
	err := <-errs
	var ce *eddy.WSCloseError
	if !errors.As(err, &ce) || ce.Code != 4000 || ce.Reason != "bye" || !errors.Is(err, eddy.ErrWSClosed) {
		t.Fatalf("Receive after the close: %v", err)
	}
}

// TestWSFuncPanic: a panic in a WSFunc is logged and closes with 1011; an
// error return closes with 1011 too.
func TestWSFuncPanic(t *testing.T) {
	var logs logBuffer
	app := eddy.New(eddy.Config{Logger: quietLogger(&logs)})
	app.WebSocket("/panic", eddy.WSFunc(func(w *eddy.WebSocket) error { panic("boom") }))
	app.WebSocket("/error", eddy.WSFunc(func(w *eddy.WebSocket) error { return errors.New("failed") }))
	s := eddytest.New(t, app)
	for _, path := range []string{"/panic", "/error"} {
		k := dialWS(t, s, path, "", nil)
		if code, _ := k.expectClose(); code != ws.StatusInternalError {
			t.Errorf("%s: close %d, want 1011", path, code)
		}
	}
	if !strings.Contains(logs.String(), "WebSocket handler panic") || !strings.Contains(logs.String(), "failed") {
		t.Errorf("not logged: %s", logs.String())
	}
}

// TestWSFuncQueueBound: a WSFunc that does not receive stops the reading
// at MaxQueue messages; they are all delivered once it receives.
func TestWSFuncQueueBound(t *testing.T) {
	start := make(chan struct{})
	got := make(chan int, 1)
	app := eddy.New(eddy.Config{})
	app.WebSocket("/ws", eddy.WSFunc(func(w *eddy.WebSocket) error {
		<-start
		n := 0
		for m := range w.Messages() {
			if string(m.Data) == "end" {
				break
			}
			n++
		}
		got <- n
		return nil
	}), eddy.WSConfig{MaxQueue: 4})
	s := eddytest.New(t, app)
	k := dialWS(t, s, "/ws", "", nil)
	for range 100 {
		k.send(ws.OpText, "m")
	}
	k.send(ws.OpText, "end")
	close(start)
	if n := <-got; n != 100 {
		t.Errorf("received %d messages, want 100", n)
	}
}
