package eddy_test

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/eddytest"
)

// jsonErrors is an ErrorHandler of an API that promises JSON errors.
func jsonErrors(c *eddy.Ctx, err error) {
	msg := "error"
	if he, ok := err.(*eddy.HTTPError); ok {
		msg = he.Text()
	}
	_ = c.Status(eddy.StatusOf(err)).JSON(map[string]any{"error": msg, "status": eddy.StatusOf(err)})
}

// serverAnswerCases are requests the server answers itself, without a
// handler: each must come back as the error handler's JSON.
var serverAnswerCases = []struct {
	name, request string
	status        int
}{
	{"413 body too large", "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n", 413},
	{"431 head too large", "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("b", 8<<10) + "\r\n\r\n", 431},
	{"414 request line too long", "GET /" + strings.Repeat("u", 10<<10) + " HTTP/1.1\r\nHost: x\r\n\r\n", 414},
	{"400 malformed head", "GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n", 400},
	{"505 version", "GET / HTTP/2.5\r\nHost: x\r\n\r\n", 505},
	{"408 head timeout", "GET / HTTP/1.1\r\nHost: x\r\n", 408},
	{"503 handler timeout", "GET /hang HTTP/1.1\r\nHost: x\r\n\r\n", 503},
}

func serverAnswersApp(logs io.Writer, access io.Writer) *eddy.App {
	app := eddy.New(eddy.Config{
		Logger:         quietLogger(logs),
		ErrorHandler:   jsonErrors,
		HeaderTimeout:  300 * time.Millisecond,
		HandlerTimeout: 200 * time.Millisecond,
		MaxBody:        1024,
		MaxHeaderBytes: 4 << 10,
		MaxRequestLine: 4 << 10,
	})
	app.Use(eddy.AccessLogTo(access, `%s "%r"`))
	app.Post("/upload", func(c *eddy.Ctx) error { return c.Text("stored") })
	app.Get("/hang", func(c *eddy.Ctx) error {
		c.Defer() // and never finish
		return nil
	})
	app.Get("/ok", func(c *eddy.Ctx) error { return c.Text("ok") })
	return app
}

// TestServerAnswersGoThroughHooks: the server's own answers (413, 431,
// 414, 400, 505, 408, the handler timeout's 503) go through the app's
// ErrorHandler (JSON here) and the access log (one line each), and still
// close the connection.
func TestServerAnswersGoThroughHooks(t *testing.T) {
	var logs, access logBuffer
	s := eddytest.New(t, serverAnswersApp(&logs, &access))
	for _, tc := range serverAnswerCases {
		conn := s.Dial(t)
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := io.WriteString(conn, tc.request); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		br := bufio.NewReader(conn)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		body, _ := io.ReadAll(resp.Body)
		var v struct {
			Error  string
			Status int
		}
		if resp.StatusCode != tc.status || resp.Header.Get("Content-Type") != "application/json" ||
			json.Unmarshal(body, &v) != nil || v.Status != tc.status {
			t.Errorf("%s: %d %q %q, want %d as the error handler's JSON", tc.name, resp.StatusCode, resp.Header.Get("Content-Type"), body, tc.status)
		}
		if !resp.Close {
			t.Errorf("%s: no Connection: close", tc.name)
		}
		if rest, err := io.ReadAll(br); len(rest) != 0 || err != nil && !isConnReset(err) {
			t.Errorf("%s: after the answer: %q, %v; want the connection closed", tc.name, rest, err)
		}
	}
	t.Logf("access log:\n%s", access.String())
	lines := strings.Split(strings.TrimSpace(access.String()), "\n")
	if len(lines) != len(serverAnswerCases) {
		t.Errorf("%d access log lines, want %d:\n%s", len(lines), len(serverAnswerCases), access.String())
	}
	for i, tc := range serverAnswerCases {
		if i < len(lines) && !strings.HasPrefix(lines[i], strings.Fields(tc.name)[0]+" ") {
			t.Errorf("access log line %d %q, want status %d", i, lines[i], tc.status)
		}
	}
	if r := s.Get(t, "/ok"); r.Text() != "ok" {
		t.Errorf("after: %q", r.Text())
	}
}

// TestServerAnswerFallback: an error handler that does not answer (or
// panics) leaves the engine's own text answer.
func TestServerAnswerFallback(t *testing.T) {
	var logs logBuffer
	app := eddy.New(eddy.Config{Logger: quietLogger(&logs), MaxBody: 10,
		ErrorHandler: func(c *eddy.Ctx, err error) {
			if c.Route() == nil && eddy.StatusOf(err) == 413 {
				panic("error handler bug")
			}
		}})
	app.Post("/upload", func(c *eddy.Ctx) error { return c.Text("stored") })
	s := eddytest.New(t, app)
	r := s.Post(t, "/upload", "text/plain", []byte(strings.Repeat("x", 100)))
	if r.Status != 413 || !strings.Contains(r.Text(), "Content Too Large") && !strings.Contains(r.Text(), "too large") {
		t.Errorf("got %d %q, want the engine's 413 text", r.Status, r.Text())
	}
}

// TestLateHandlerAfterTimeoutLoggedOnce: a pool handler that answers after
// its HandlerTimeout (the client already got the 503) is not logged a
// second time: one response, one access log line.
func TestLateHandlerAfterTimeoutLoggedOnce(t *testing.T) {
	var logs, access logBuffer
	app := eddy.New(eddy.Config{Logger: quietLogger(&logs), HandlerTimeout: 100 * time.Millisecond})
	app.Use(eddy.AccessLogTo(&access, `%s "%r"`))
	late := make(chan error, 1)
	app.Get("/late", func(c *eddy.Ctx) error {
		<-c.Context().Done()
		err := c.Text("too late")
		late <- err
		return err
	}, eddy.InPool)
	s := eddytest.New(t, app)
	if r := s.Get(t, "/late"); r.Status != 503 {
		t.Fatalf("status %d, want 503", r.Status)
	}
	select {
	case <-late:
	case <-time.After(10 * time.Second):
		t.Fatal("the late handler never answered")
	}
	// A line for the late answer would be written inside Text, before the
	// handler sends on late.
	if got := access.String(); strings.Count(got, "/late") != 1 || !strings.Contains(got, `503 "GET /late`) {
		t.Errorf("access log:\n%s\nwant one 503 line for /late", got)
	}
}

// TestPoolFullAnswerGoesThroughHooks: the 503 of a full pool is the error
// handler's JSON too, and logged.
func TestPoolFullAnswerGoesThroughHooks(t *testing.T) {
	var logs, access logBuffer
	app := eddy.New(eddy.Config{Logger: quietLogger(&logs), Loops: 1, PoolWorkers: 1, PoolQueue: 1, ErrorHandler: jsonErrors})
	app.Use(eddy.AccessLogTo(&access, `%s "%r"`))
	started := make(chan struct{}, 4)
	release := make(chan struct{})
	app.Get("/work", func(c *eddy.Ctx) error {
		started <- struct{}{}
		select {
		case <-release:
		case <-time.After(10 * time.Second):
		}
		return c.Text("done")
	}, eddy.InPool)
	s := eddytest.New(t, app)

	a := s.Dial(t)
	io.WriteString(a, "GET /work HTTP/1.1\r\nHost: x\r\n\r\n")
	select {
	case <-started: // the only worker is busy
	case <-time.After(10 * time.Second):
		t.Fatal("the first job never started")
	}
	// Two more: one waits in the queue, the other finds it full and is
	// answered at once (which one depends on arrival order).
	type answer struct {
		status int
		ct     string
		body   string
		err    error
	}
	answers := make(chan answer, 2)
	for _, q := range []string{"b", "c"} {
		conn := s.Dial(t)
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		io.WriteString(conn, "GET /work?"+q+" HTTP/1.1\r\nHost: x\r\n\r\n")
		go func() {
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				answers <- answer{err: err}
				return
			}
			body, _ := io.ReadAll(resp.Body)
			answers <- answer{resp.StatusCode, resp.Header.Get("Content-Type"), string(body), nil}
		}()
	}
	first := <-answers
	close(release)
	second := <-answers
	if first.err != nil || first.status != 503 || first.ct != "application/json" || !strings.Contains(first.body, `"status":503`) {
		t.Errorf("pool full: %+v, want the error handler's JSON 503", first)
	}
	if second.err != nil || second.status != 200 {
		t.Errorf("queued: %+v, want 200", second)
	}
	if strings.Count(access.String(), `503 "GET /work?`) != 1 {
		t.Errorf("access log:\n%s\nwant the 503", access.String())
	}
}
