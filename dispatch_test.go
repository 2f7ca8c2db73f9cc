package eddy_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/eddytest"
	"github.com/eddy-go/eddy/internal/h1"
)

// halfCloseBody is the body every half-close route answers with: n bytes of a
// pattern the client checks.
func halfCloseBody(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = 'a' + byte(i%26)
	}
	return b
}

// halfCloseApp answers GET /{placement}/{n} with n bytes from the given
// placement: on the loop, in the pool, deferred to a timer, or streamed (from
// the pool, in 64 KiB pieces), logging to logger (nil: slog.Default()).
func halfCloseApp(logger *slog.Logger) *eddy.App {
	app := eddy.New(eddy.Config{Loops: 1, Logger: logger})
	size := func(c *eddy.Ctx) int { n, _ := strconv.Atoi(c.Param("n")); return n }
	app.Get("/loop/{n}", func(c *eddy.Ctx) error {
		return c.Blob("application/octet-stream", halfCloseBody(size(c)))
	})
	app.Get("/pool/{n}", func(c *eddy.Ctx) error {
		return c.Blob("application/octet-stream", halfCloseBody(size(c)))
	}, eddy.InPool)
	app.Get("/deferred/{n}", func(c *eddy.Ctx) error {
		c.Defer()
		c.Loop().CallLater(30*time.Millisecond, func() {
			_ = c.Blob("application/octet-stream", halfCloseBody(size(c)))
		})
		return nil
	})
	app.Get("/stream/{n}", func(c *eddy.Ctx) error {
		b := halfCloseBody(size(c))
		st, err := c.Stream("application/octet-stream")
		if err != nil {
			return err
		}
		for len(b) > 0 {
			k := min(len(b), 64<<10)
			if _, err := st.Write(b[:k]); err != nil {
				return err
			}
			b = b[k:]
		}
		return st.Close()
	}, eddy.InPool)
	return app
}

// fetchHalfClosed sends one request, shuts down its write side at once (as
// HTTP/1.0 tools and nc -N do), then reads slowly-buffered (a 32 KiB receive
// buffer) until EOF. It returns the body bytes that matched, and an error
// unless the whole response came, followed by EOF.
func fetchHalfClosed(addr, path string, n int) (got int, err error) {
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return 0, err
	}
	defer nc.Close()
	c := nc.(*net.TCPConn)
	_ = c.SetReadBuffer(32 << 10)
	_ = c.SetDeadline(time.Now().Add(60 * time.Second))
	if _, err := fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", path); err != nil {
		return 0, err
	}
	if err := c.CloseWrite(); err != nil {
		return 0, err
	}
	r, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return 0, fmt.Errorf("no response head: %v", err)
	}
	body, err := io.ReadAll(r.Body) // decoded: chunked streams too
	want := halfCloseBody(n)
	for got < len(body) && got < len(want) && body[got] == want[got] {
		got++
	}
	switch {
	case err != nil:
		return got, fmt.Errorf("body: %v", err)
	case got != n || len(body) != n:
		return got, fmt.Errorf("body: %d of %d bytes right (%d read)", got, n, len(body))
	}
	if k, err := c.Read(make([]byte, 1)); k != 0 || err != io.EOF {
		return got, fmt.Errorf("no EOF after the response: %d bytes, %v", k, err)
	}
	return got, nil
}

// A client that half-closes after its request gets the whole response, then
// EOF, from every placement (gnet alone closed at the client's EOF and cut
// what the kernel had not taken).
func TestHalfClosedClientGetsWholeResponse(t *testing.T) {
	s := eddytest.New(t, halfCloseApp(nil))
	addr := s.App.Addr().String()
	for _, tc := range []struct {
		place string
		n     int
	}{
		{"loop", 10 << 20},
		{"loop", 32 << 20},
		{"pool", 10 << 20},
		{"deferred", 10 << 20},
		{"stream", 10 << 20},
	} {
		got, err := fetchHalfClosed(addr, fmt.Sprintf("/%s/%d", tc.place, tc.n), tc.n)
		if err != nil {
			t.Errorf("%s %d: %d bytes delivered: %v", tc.place, tc.n, got, err)
		}
	}
}

// TestHandlerTimeoutBounds: with a short HandlerTimeout, a hung pool
// handler and a deferred response never completed are answered 503 (the
// handler's context cancelled), while a streamed response that started
// runs past the timeout uncut.
func TestHandlerTimeoutBounds(t *testing.T) {
	const limit = 150 * time.Millisecond
	app := eddy.New(eddy.Config{HandlerTimeout: limit, Logger: quietLogger(io.Discard)})
	cause := make(chan error, 1)
	app.Get("/pool-hang", func(c *eddy.Ctx) error {
		ctx := c.Context()
		select {
		case <-ctx.Done():
			cause <- context.Cause(ctx)
		case <-time.After(10 * time.Second):
			cause <- errors.New("never cancelled")
		}
		return nil
	}, eddy.InPool)
	app.Get("/never", func(c *eddy.Ctx) error {
		c.Defer() // and never finish
		return nil
	})
	app.Get("/slow-stream", func(c *eddy.Ctx) error {
		s, err := c.Stream("text/plain")
		if err != nil {
			return err
		}
		for i := 0; i < 8; i++ { // 8 x 50 ms: well past the limit
			if _, err := s.WriteString("tick\n"); err != nil {
				return err
			}
			time.Sleep(50 * time.Millisecond)
		}
		return s.Close()
	}, eddy.InPool)
	s := eddytest.New(t, app)

	start := time.Now()
	if r := s.Get(t, "/pool-hang"); r.Status != 503 {
		t.Errorf("/pool-hang: status %d, want 503", r.Status)
	}
	if err := <-cause; !errors.Is(err, h1.ErrHandlerTimeout) {
		t.Errorf("/pool-hang: context cause %v", err)
	}
	if r := s.Get(t, "/never"); r.Status != 503 {
		t.Errorf("/never: status %d, want 503", r.Status)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("two timeouts of %v took %v", limit, took)
	}
	r := s.Get(t, "/slow-stream")
	if r.Status != 200 || r.Text() != strings.Repeat("tick\n", 8) {
		t.Errorf("/slow-stream: %d %q, want the whole stream", r.Status, r.Text())
	}
}

// TestPlacementsPipelinedInOrder mixes on-loop, pool, deferred (timer) and
// Go handlers on one pipelined connection, the slow ones first, and checks
// every response comes back in request order.
func TestPlacementsPipelinedInOrder(t *testing.T) {
	app := eddy.New(eddy.Config{})
	app.Get("/loop/{n}", func(c *eddy.Ctx) error { return c.Text("loop " + c.Param("n")) })
	app.Get("/pool/{n}", func(c *eddy.Ctx) error {
		time.Sleep(20 * time.Millisecond) // blocking is fine in the pool
		return c.Text("pool " + c.Param("n"))
	}, eddy.InPool)
	app.Get("/later/{n}", func(c *eddy.Ctx) error {
		c.Defer()
		c.Loop().CallLater(15*time.Millisecond, func() {
			c.Text("later " + c.Param("n"))
		})
		return nil
	})
	app.Get("/go/{n}", func(c *eddy.Ctx) error {
		var v string
		return c.Go(func() error {
			time.Sleep(10 * time.Millisecond)
			v = "go"
			return nil
		}, func(c *eddy.Ctx) error { return c.Text(v + " " + c.Param("n")) })
	})
	app.Get("/goerr", func(c *eddy.Ctx) error {
		return c.Go(func() error { return eddy.ErrConflict }, func(c *eddy.Ctx) error { return c.Text("unreachable") })
	})
	app.Get("/complete", func(c *eddy.Ctx) error {
		c.Defer()
		go func() {
			if err := c.Complete(func(c *eddy.Ctx) error { return eddy.ErrGone }); err != nil {
				t.Error(err)
			}
		}()
		return nil
	})
	app.Post("/poolecho", func(c *eddy.Ctx) error { return c.Text(c.Body()) }, eddy.InPool)
	s := eddytest.New(t, app)

	kinds := []string{"pool", "later", "loop", "go", "pool", "loop", "later", "go"}
	var req strings.Builder
	var want []string
	for i, k := range kinds {
		fmt.Fprintf(&req, "GET /%s/%d HTTP/1.1\r\nHost: x\r\n\r\n", k, i)
		want = append(want, fmt.Sprintf("%s %d", k, i))
	}
	req.WriteString("GET /goerr HTTP/1.1\r\nHost: x\r\n\r\n")
	req.WriteString("GET /complete HTTP/1.1\r\nHost: x\r\n\r\n")
	req.WriteString("POST /poolecho HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n")
	want = append(want, "Conflict", "Gone", "abcde")
	c := s.Dial(t)
	// Split the batch at arbitrary points: the order must not depend on it.
	raw := req.String()
	for i := 0; i < len(raw); i += 37 {
		end := min(i+37, len(raw))
		if _, err := io.WriteString(c, raw[i:end]); err != nil {
			t.Fatal(err)
		}
	}
	rs := readResponses(t, c, len(want), "GET")
	for i, r := range rs {
		if body(r) != want[i] {
			t.Errorf("response %d: %d %q, want %q", i, r.StatusCode, body(r), want[i])
		}
	}
}

// TestPoolKeepsLoopFree: a blocking pool handler does not stall on-loop
// requests on the same loop.
func TestPoolKeepsLoopFree(t *testing.T) {
	release := make(chan struct{})
	var started atomic.Bool
	app := eddy.New(eddy.Config{Loops: 1})
	app.Get("/block", func(c *eddy.Ctx) error {
		started.Store(true)
		<-release
		return c.Text("unblocked")
	}, eddy.InPool)
	app.Get("/fast", func(c *eddy.Ctx) error { return c.Text("fast") })
	s := eddytest.New(t, app)
	blocked := s.Dial(t)
	io.WriteString(blocked, "GET /block HTTP/1.1\r\nHost: x\r\n\r\n")
	waitUntil(t, 5*time.Second, "the pool handler to start", started.Load)
	for i := 0; i < 20; i++ {
		if r := s.Get(t, "/fast"); r.Text() != "fast" {
			t.Fatalf("fast: %q", r.Text())
		}
	}
	close(release)
	if rs := readResponses(t, blocked, 1, "GET"); body(rs[0]) != "unblocked" {
		t.Errorf("blocked: %q", body(rs[0]))
	}
}

func TestAppDefaultPlacementInPool(t *testing.T) {
	app := eddy.New(eddy.Config{Placement: eddy.InPool})
	app.Get("/sleep", func(c *eddy.Ctx) error {
		time.Sleep(time.Millisecond)
		return c.Text("slept")
	})
	app.Get("/loop", func(c *eddy.Ctx) error {
		// Defer is how a handler learns it can finish later; on the loop
		// it is allowed, in the pool it is a no-op detach.
		return c.Text("loop")
	}, eddy.OnLoop)
	s := eddytest.New(t, app)
	if r := s.Get(t, "/sleep"); r.Text() != "slept" {
		t.Errorf("sleep: %q", r.Text())
	}
	if r := s.Get(t, "/loop"); r.Text() != "loop" {
		t.Errorf("loop: %q", r.Text())
	}
}

// TestMalformedRequestsThroughApp: every class of bad input gets its status
// and a closed connection, with the app's routes in place.
func TestMalformedRequestsThroughApp(t *testing.T) {
	app := eddy.New(eddy.Config{MaxRequestLine: 1024, MaxHeaderBytes: 4096, MaxBody: 64})
	app.Post("/x", func(c *eddy.Ctx) error { return c.Text("x") })
	s := eddytest.New(t, app)
	tests := []struct {
		name, raw string
		status    int
	}{
		{"bad request line", "GARBAGE\r\n\r\n", 400},
		{"bare LF", "GET /x HTTP/1.1\nHost: x\n\n", 400},
		{"long target", "GET /" + strings.Repeat("a", 2000) + " HTTP/1.1\r\nHost: x\r\n\r\n", 414},
		{"big head", "GET /x HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("b", 5000) + "\r\n\r\n", 431},
		{"CL and TE", "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
		{"duplicate CL", "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", 400},
		{"TE not ending in chunked", "POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 400},
		{"unknown TE", "POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501},
		{"bad version", "GET /x HTTP/2.0\r\nHost: x\r\n\r\n", 505},
		{"body too large", "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n" + strings.Repeat("z", 100), 413},
		{"bad chunk size", "POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400},
		{"obs-fold", "GET /x HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n", 400},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := s.Dial(t)
			io.WriteString(c, tc.raw)
			rs := readResponses(t, c, 1, "GET")
			if rs[0].StatusCode != tc.status {
				t.Errorf("status %d, want %d", rs[0].StatusCode, tc.status)
			}
			expectClosed(t, c)
		})
	}
}

func TestHandlerTimeout(t *testing.T) {
	app := eddy.New(eddy.Config{HandlerTimeout: 50 * time.Millisecond})
	app.Get("/never", func(c *eddy.Ctx) error {
		c.Defer() // and never finish
		return nil
	})
	s := eddytest.New(t, app)
	if r := s.Get(t, "/never"); r.Status != 503 {
		t.Errorf("status %d, want 503", r.Status)
	}
}

// TestSlowCallbackNamesRoute: in debug mode, an on-loop handler that blocks
// is reported with its route.
func TestSlowCallbackNamesRoute(t *testing.T) {
	var logs logBuffer
	app := eddy.New(eddy.Config{SlowCallback: 10 * time.Millisecond, Logger: quietLogger(&logs)})
	app.Get("/blocks/{id}", func(c *eddy.Ctx) error {
		time.Sleep(30 * time.Millisecond) // wrong on the loop: that is the point
		return c.Text("done")
	})
	s := eddytest.New(t, app)
	s.Get(t, "/blocks/1")
	waitUntil(t, 5*time.Second, "a slow callback report", func() bool {
		return strings.Contains(logs.String(), "slow callback") && strings.Contains(logs.String(), "/blocks/{id}")
	})
}

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

// TestMinorVersionAboveOne: HTTP/1.2 to 1.9 are served as HTTP/1.1 and
// answered as HTTP/1.1, keep-alive included.
func TestMinorVersionAboveOne(t *testing.T) {
	s := eddytest.New(t, pathApp(eddy.Config{}))
	c := s.Dial(t)
	io.WriteString(c, "GET /b HTTP/1.2\r\nHost: x\r\n\r\nGET /b HTTP/1.9\r\nHost: x\r\n\r\n")
	for i, r := range readResponses(t, c, 2, "GET") {
		if r.StatusCode != 200 || r.Proto != "HTTP/1.1" || body(r) != "b /b" {
			t.Errorf("response %d: %s %d %q", i, r.Proto, r.StatusCode, body(r))
		}
	}
}

func TestHTTPClientKeepAlive(t *testing.T) {
	app := eddy.New(eddy.Config{})
	app.Get("/n/{n}", func(c *eddy.Ctx) error { return c.Text(c.Param("n")) })
	s := eddytest.New(t, app)
	for i := 0; i < 50; i++ {
		req, _ := http.NewRequest("GET", fmt.Sprintf("%s/n/%d", s.URL, i), nil)
		if r := s.Do(t, req); r.Text() != fmt.Sprint(i) {
			t.Fatalf("request %d: %q", i, r.Text())
		}
	}
}

// TestStaticRoutesMany serves a few hundred static routes, most of 4 to 16
// bytes (Route's own probe; with this many, some are displaced from their
// home slot by another and found by the index's general probe) and some
// longer, pipelined on one connection: each answers its own body, and
// near misses of each shape are 404.
func TestStaticRoutesMany(t *testing.T) {
	app := eddy.New(eddy.Config{})
	type want struct {
		path   string
		status int
	}
	var reqs []want
	for i := 0; i < 100; i++ {
		for _, p := range []string{fmt.Sprintf("/r%03d/items", i), fmt.Sprintf("/%d", 1000000+i),
			fmt.Sprintf("/%d", 100+i), fmt.Sprintf("/api/v1/x%03dy/objects", i)} {
			app.Get(p, func(c *eddy.Ctx) error { return c.Text(p) })
			reqs = append(reqs, want{p, 200})
		}
		for _, p := range []string{fmt.Sprintf("/r%03d/itemz", i), fmt.Sprintf("/%d", 2000000+i),
			fmt.Sprintf("/x%d", 100+i), fmt.Sprintf("/api/v1/x%03dy/objectz", i)} {
			reqs = append(reqs, want{p, 404})
		}
	}
	s := eddytest.New(t, app)
	conn := s.Dial(t)
	for len(reqs) > 0 {
		batch := reqs[:min(50, len(reqs))]
		reqs = reqs[len(batch):]
		var b strings.Builder
		for _, r := range batch {
			fmt.Fprintf(&b, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", r.path)
		}
		if _, err := io.WriteString(conn, b.String()); err != nil {
			t.Fatal(err)
		}
		for i, resp := range readResponses(t, conn, len(batch), "GET") {
			r := batch[i]
			if resp.StatusCode != r.status || r.status == 200 && body(resp) != r.path {
				t.Errorf("GET %s: %d %q, want %d", r.path, resp.StatusCode, body(resp), r.status)
			}
		}
	}
}
