package eddy_test

import (
	"bufio"
	"errors"
	"fmt"
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

func TestStreams(t *testing.T) {
	app := eddy.New(eddy.Config{})
	app.Get("/stream", func(c *eddy.Ctx) error {
		st, err := c.Stream("text/plain")
		if err != nil {
			return err
		}
		for i := 0; i < 3; i++ {
			if _, err := fmt.Fprintf(st, "part %d\n", i); err != nil {
				return err
			}
		}
		return nil // closed for the handler
	})
	app.Get("/poolstream", func(c *eddy.Ctx) error {
		st, err := c.Stream("application/octet-stream")
		if err != nil {
			return err
		}
		chunk := []byte(strings.Repeat("x", 32<<10))
		for i := 0; i < 64; i++ { // 2 MiB: well past the high water mark, Write blocks
			if _, err := st.Write(chunk); err != nil {
				return err
			}
		}
		return st.Close()
	}, eddy.InPool)
	app.Get("/ticker", func(c *eddy.Ctx) error {
		st, err := c.Stream("text/event-stream")
		if err != nil {
			return err
		}
		c.Defer()
		n := 0
		var tick func()
		tick = func() {
			if n == 3 {
				st.Close()
				return
			}
			fmt.Fprintf(st, "data: %d\n\n", n)
			n++
			c.Loop().CallLater(5*time.Millisecond, tick)
		}
		tick()
		return nil
	})
	app.Get("/loopbig", func(c *eddy.Ctx) error {
		st, err := c.Stream("")
		if err != nil {
			return err
		}
		c.Defer()
		chunk := []byte(strings.Repeat("y", 16<<10))
		sent := 0
		var pump func()
		pump = func() {
			for sent < 128 { // 2 MiB from the loop, obeying backpressure
				if _, err := st.Write(chunk); err == eddy.ErrBackpressure {
					st.OnWritable(pump)
					return
				} else if err != nil {
					return
				}
				sent++
			}
			st.Close()
		}
		pump()
		return nil
	})
	s := eddytest.New(t, app)
	r := s.Get(t, "/stream")
	if r.Text() != "part 0\npart 1\npart 2\n" || r.Header.Get("Content-Type") != "text/plain" {
		t.Errorf("stream: %q %v", r.Text(), r.Header)
	}
	if r := s.Get(t, "/poolstream"); len(r.Body) != 2<<20 {
		t.Errorf("pool stream: %d bytes", len(r.Body))
	}
	if r := s.Get(t, "/ticker"); r.Text() != "data: 0\n\ndata: 1\n\ndata: 2\n\n" {
		t.Errorf("ticker: %q", r.Text())
	}
	if r := s.Get(t, "/loopbig"); len(r.Body) != 2<<20 || strings.Trim(r.Text(), "y") != "" {
		t.Errorf("loop stream with backpressure: %d bytes", len(r.Body))
	}
}
