package eddy_test

import (
	"bufio"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/eddytest"
)

// TestStreamFailureIsTruncated: a streamed response whose handler returns
// an error or panics after the first chunk ends without the last chunk
// and with the connection closed, so the client sees a truncated body
// (Go's client: unexpected EOF), in every placement.
func TestStreamFailureIsTruncated(t *testing.T) {
	var logs logBuffer
	app := eddy.New(eddy.Config{Logger: quietLogger(&logs)})
	first := func(c *eddy.Ctx) *eddy.Stream {
		s, err := c.Stream("text/plain")
		if err != nil {
			t.Errorf("Stream: %v", err)
			return nil
		}
		if _, err := s.WriteString("first chunk\n"); err != nil {
			t.Errorf("Write: %v", err)
		}
		return s
	}
	fail := func(c *eddy.Ctx) error {
		first(c)
		return errors.New("database went away")
	}
	boom := func(c *eddy.Ctx) error {
		first(c)
		panic("kaboom")
	}
	app.Get("/error", fail)
	app.Get("/panic", boom)
	app.Get("/pool-error", fail, eddy.InPool)
	app.Get("/pool-panic", boom, eddy.InPool)
	app.Get("/deferred-error", func(c *eddy.Ctx) error {
		c.Defer()
		go c.Complete(fail)
		return nil
	})
	app.Get("/ok", func(c *eddy.Ctx) error {
		s := first(c)
		return s.Close()
	})
	s := eddytest.New(t, app)

	for _, path := range []string{"/error", "/panic", "/pool-error", "/pool-panic", "/deferred-error"} {
		conn := s.Dial(t)
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := io.WriteString(conn, "GET "+path+" HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		br := bufio.NewReader(conn)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		body, err := io.ReadAll(resp.Body)
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("%s: body %q, read error %v, want io.ErrUnexpectedEOF (a truncated body)", path, body, err)
		}
		if string(body) != "first chunk\n" {
			t.Errorf("%s: body %q, want the first chunk", path, body)
		}
		// The connection is closed: nothing more, no second response.
		if _, err := io.WriteString(conn, "GET /ok HTTP/1.1\r\nHost: x\r\n\r\n"); err == nil {
			if rest, err := io.ReadAll(br); err != nil && !isConnReset(err) || len(rest) != 0 {
				t.Errorf("%s: after the truncated body: %q, %v; want the connection closed", path, rest, err)
			}
		}
	}
	if r := s.Get(t, "/ok"); r.Text() != "first chunk\n" {
		t.Errorf("/ok: %q", r.Text())
	}
}

func isConnReset(err error) bool {
	return err != nil && (strings.Contains(err.Error(), "connection reset") || strings.Contains(err.Error(), "broken pipe"))
}

// TestStreamCloseAfterClientLeft: a stream whose client went away reports
// ErrConnClosed from Write and from Close (not the engine's internal
// "already finished"), and a handler returning it logs nothing at error
// level.
func TestStreamCloseAfterClientLeft(t *testing.T) {
	var logs logBuffer
	app := eddy.New(eddy.Config{Logger: quietLogger(&logs)})
	wrote := make(chan struct{})
	result := make(chan [2]error, 1)
	app.Get("/stream", func(c *eddy.Ctx) error {
		s, err := c.Stream("text/plain")
		if err != nil {
			return err
		}
		chunk := []byte(strings.Repeat("x", 4096))
		if _, err := s.Write(chunk); err != nil {
			return err
		}
		close(wrote)
		var werr error
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
			if _, werr = s.Write(chunk); werr != nil {
				break
			}
			time.Sleep(time.Millisecond)
		}
		cerr := s.Close()
		result <- [2]error{werr, cerr}
		return cerr
	}, eddy.InPool)
	s := eddytest.New(t, app)

	conn := s.Dial(t)
	if _, err := io.WriteString(conn, "GET /stream HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	select {
	case <-wrote:
	case <-time.After(10 * time.Second):
		t.Fatal("the handler never wrote")
	}
	conn.Close()
	var errs [2]error
	select {
	case errs = <-result:
	case <-time.After(15 * time.Second):
		t.Fatal("the handler never saw the client leave")
	}
	if errs[0] != eddy.ErrConnClosed || errs[1] != eddy.ErrConnClosed {
		t.Errorf("Write after the client left: %v; Close: %v; want ErrConnClosed for both", errs[0], errs[1])
	}
	// The handler's return is processed after it sent the result: wait
	// for the debug line that reports it, then read the log.
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(logs.String(), "client went away"); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no debug line for the client that left:\n%s", logs.String())
		}
	}
	if strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("logged at error level:\n%s", logs.String())
	}
}
