package eddy_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/eddytest"
)

// sseApp serves /events: the events of script, then the stream stays
// open (heartbeats only) until it ends; each stream is reported on
// streams once it started.
func sseApp(t *testing.T, opts eddy.SSEOptions, script []eddy.Event, streams chan<- *eddy.SSE) *eddy.App {
	app := eddy.New(eddy.Config{DrainDelay: -1})
	handler := func(c *eddy.Ctx) error {
		es, err := c.SSE(opts)
		if err != nil {
			return err
		}
		go func() {
			if id := es.LastEventID(); id != "" {
				es.Send(eddy.Event{Event: "resume", Data: id})
			}
			for _, ev := range script {
				if err := es.Send(ev); err != nil {
					t.Errorf("Send: %v", err)
				}
			}
			streams <- es
		}()
		return nil
	}
	app.Get("/events", handler)
	app.Get("/pool/events", handler, eddy.InPool)
	return app
}

// openEvents requests path and returns the response and a reader of its
// (de-chunked) body.
func openEvents(t *testing.T, s *eddytest.Server, path string, headers ...string) (*eddytest.Conn, *http.Response, *bufio.Reader) {
	t.Helper()
	c := s.Dial(t)
	c.Send(t, "GET "+path+" HTTP/1.1\r\nHost: x\r\n"+strings.Join(headers, "")+"\r\n")
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(c.Reader(), &http.Request{Method: "GET"})
	if err != nil {
		t.Fatal(err)
	}
	return c, resp, bufio.NewReader(resp.Body)
}

// readUntil reads the body until it has seen want, and returns what it read.
func readUntil(t *testing.T, r *bufio.Reader, want string) string {
	t.Helper()
	var b strings.Builder
	for !strings.Contains(b.String(), want) {
		line, err := r.ReadString('\n')
		b.WriteString(line)
		if err != nil {
			t.Fatalf("reading events: %v after %q, want %q", err, b.String(), want)
		}
	}
	return b.String()
}

// TestSSEFormatAndHeartbeat: the head, every field in the wire format
// (multi-line data split into data lines), Last-Event-ID, and heartbeat
// comments once the stream is idle, for an on-loop and an InPool handler.
func TestSSEFormatAndHeartbeat(t *testing.T) {
	script := []eddy.Event{
		{ID: "1", Event: "tick", Data: "hello"},
		{Data: "two\nlines\r\nthree"},
		{Retry: 1500 * time.Millisecond, Comment: "note"},
	}
	streams := make(chan *eddy.SSE, 4)
	s := eddytest.New(t, sseApp(t, eddy.SSEOptions{Heartbeat: 50 * time.Millisecond}, script, streams))
	want := "event: resume\ndata: 41\n\n" +
		"id: 1\nevent: tick\ndata: hello\n\n" +
		"data: two\ndata: lines\ndata: three\n\n" +
		": note\nretry: 1500\n\n"
	for _, path := range []string{"/events", "/pool/events"} {
		_, resp, r := openEvents(t, s, path, "Last-Event-ID: 41\r\n")
		if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" || resp.Header.Get("Cache-Control") != "no-cache" {
			t.Errorf("%s: Content-Type %q, Cache-Control %q", path, ct, resp.Header.Get("Cache-Control"))
		}
		got := readUntil(t, r, "retry: 1500\n\n")
		if got != want {
			t.Errorf("%s: events\n%q\nwant\n%q", path, got, want)
		}
		// Idle now: heartbeats follow.
		if hb := readUntil(t, r, ":\n\n"); hb != ":\n\n" {
			t.Errorf("%s: after the events %q, want a heartbeat", path, hb)
		}
		es := <-streams
		es.Close()
		<-es.Done()
		if _, err := io.ReadAll(r); err != nil {
			t.Errorf("%s: the closed stream did not end cleanly: %v", path, err)
		}
		if err := es.Send(eddy.Event{Data: "late"}); !errors.Is(err, eddy.ErrSSEClosed) {
			t.Errorf("%s: Send after Close: %v, want ErrSSEClosed", path, err)
		}
	}
}

// TestSSEClientLeaves: the stream ends (Done closes, Send reports
// ErrConnClosed) when the client goes away, without a heartbeat to find
// out.
func TestSSEClientLeaves(t *testing.T) {
	streams := make(chan *eddy.SSE, 1)
	s := eddytest.New(t, sseApp(t, eddy.SSEOptions{Heartbeat: -1}, []eddy.Event{{Data: "x"}}, streams))
	c, _, r := openEvents(t, s, "/events")
	readUntil(t, r, "data: x\n\n")
	es := <-streams
	c.Close()
	select {
	case <-es.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the stream did not end after the client left")
	}
	if err := es.Send(eddy.Event{Data: "y"}); !errors.Is(err, eddy.ErrConnClosed) {
		t.Errorf("Send after the client left: %v, want ErrConnClosed", err)
	}
}

// TestSSEDrain: Shutdown ends every open event stream cleanly (the client
// sees the body end, not a cut) and finishes well before its timeout.
func TestSSEDrain(t *testing.T) {
	streams := make(chan *eddy.SSE, 2)
	app := sseApp(t, eddy.SSEOptions{}, []eddy.Event{{Data: "x"}}, streams)
	if err := app.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	s := &eddytest.Server{App: app, Network: "tcp", Address: app.Addr().String()}
	c, _, r := openEvents(t, s, "/events")
	readUntil(t, r, "data: x\n\n")
	es := <-streams
	ended := make(chan error, 1)
	go func() { // a client that closes when its body ends, as EventSource does
		_, err := io.ReadAll(r)
		c.Close()
		ended <- err
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	if err := app.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("Shutdown took %v with an event stream open", d)
	}
	if err := <-ended; err != nil {
		t.Errorf("the drained stream did not end cleanly: %v", err)
	}
	if err := es.Send(eddy.Event{Data: "y"}); !errors.Is(err, eddy.ErrSSEClosed) {
		t.Errorf("Send after drain: %v, want ErrSSEClosed", err)
	}
}

// TestSSEBackpressure: with a client that does not read, TrySend reports
// ErrBackpressure once the queue and the connection's buffers are full,
// instead of growing memory; bad fields are refused.
func TestSSEBackpressure(t *testing.T) {
	streams := make(chan *eddy.SSE, 1)
	s := eddytest.New(t, sseApp(t, eddy.SSEOptions{Buffer: 4 << 10, Heartbeat: -1}, nil, streams))
	c, err := smallRecvDialer().Dial("tcp", s.Address)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET /events HTTP/1.1\r\nHost: x\r\n\r\n")
	es := <-streams
	for _, ev := range []eddy.Event{{ID: "a\nb"}, {Event: "x\ry"}, {Comment: "\n"}, {ID: "\x00"}} {
		if err := es.TrySend(ev); err == nil {
			t.Errorf("TrySend(%+v) accepted a line break", ev)
		}
	}
	// Send until TrySend has refused for half a second in a row: the
	// queue, the connection's queue and the socket buffers are all full.
	data := strings.Repeat("z", 4000) // about 4 KiB an event
	sent, refused := 0, 0
	for refused < 50 {
		err := es.TrySend(eddy.Event{Data: data})
		switch {
		case errors.Is(err, eddy.ErrBackpressure):
			refused++
			time.Sleep(5 * time.Millisecond) // polling the condition above
			continue
		case err != nil:
			t.Fatalf("TrySend: %v", err)
		}
		refused = 0
		if sent++; sent > 4<<10 {
			t.Fatalf("TrySend accepted %d KiB for a client that reads nothing", 4*sent)
		}
	}
	t.Logf("a stalled client took %d KiB before lasting backpressure", 4*sent)
	if sent < 2 {
		t.Errorf("only %d KiB accepted: the queue never moved to the connection", 4*sent)
	}
	es.Close()
}
