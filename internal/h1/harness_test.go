package h1

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/eddy-go/eddy/loop"
)

// testHandler routes by path:
//
//	/plain        on the loop, "plain <query>"
//	/pool         in the pool, "pool <query>"
//	/lead         RespondLead with "X-Lead: 1" before textPlain, "lead <query>" (in the pool with ?pool=1)
//	/bylead       RespondLead(200, lead, nil, ?b=) with lead textPlain, or "X-Lead: 2" with ?lead=2
//	/byplain      the same through RespondPlain
//	/later        on the loop, detached, finished by a CallLater timer
//	/deferpool    on the loop, detached, finished from a pool job
//	/echo         the request body (Plan.MaxBody from ?max=N)
//	/stream       chunked stream of ?n= chunks "chunk i\n" (in the pool with ?pool=1)
//	/bigstream    ?n= chunks of 16 KiB; pool: blocks on backpressure; loop: OnWritable
//	/big          ?n= bytes in one Respond
//	/block        in the pool, waits for release or the exchange's context
//	/slow         in the pool, waits for its context, then answers
//	/upgrade      101 then Hijack with an echo protocol (counting abandoned hijacks)
//	/noroute      Route answers 404 itself (the body is not read)
//	/misuse       on the loop, returns without finishing
//	/upload       streamed body (Plan.StreamBody, MaxBody ?max=N): "<bytes> <sum> <streamed>"
//	              or, when ReadBody fails, reports the error on ctxDone;
//	              ?hold=1 announces itself on blocked and waits for unblock first
//	/closeafter   CloseAfter, then "closeafter" (in the pool with ?pool=1);
//	              ?when=after: Respond first; ?when=detached: both from
//	              another goroutine after Detach
type testHandler struct {
	routed    atomic.Int64
	released  atomic.Int64
	served    atomic.Int64
	chunks    atomic.Int64 // chunks written by /bigstream
	abandoned atomic.Int64 // /upgrade connections lost before the hand-over
	unblock   chan struct{}
	blocked   chan *Exchange // /block and /slow announce themselves
	ctxDone   chan error     // /block reports its context's cause when it ends
}

func newTestHandler() *testHandler {
	return &testHandler{
		unblock: make(chan struct{}),
		blocked: make(chan *Exchange, 64),
		ctxDone: make(chan error, 64),
	}
}

func query(x *Exchange, key string) string {
	q := string(x.Request().RawQuery())
	for _, kv := range strings.Split(q, "&") {
		if k, v, ok := strings.Cut(kv, "="); ok && k == key {
			return v
		}
	}
	return ""
}

func queryInt(x *Exchange, key string, def int) int {
	if n, err := strconv.Atoi(query(x, key)); err == nil {
		return n
	}
	return def
}

var textPlain = []byte("Content-Type: text/plain\r\n")

func (h *testHandler) Route(x *Exchange) Plan {
	h.routed.Add(1)
	switch string(x.Request().Path()) {
	case "/pool", "/block", "/slow":
		return Plan{InPool: true}
	case "/lead":
		return Plan{InPool: query(x, "pool") == "1"}
	case "/echo":
		return Plan{MaxBody: int64(queryInt(x, "max", 0))}
	case "/upload":
		return Plan{MaxBody: int64(queryInt(x, "max", 0)), StreamBody: true}
	case "/stream", "/bigstream", "/closeafter":
		return Plan{InPool: query(x, "pool") == "1"}
	case "/noroute":
		x.Respond(404, textPlain, []byte("no route\n"))
	}
	return Plan{}
}

func (h *testHandler) Serve(x *Exchange) {
	h.served.Add(1)
	r := x.Request()
	switch string(r.Path()) {
	case "/plain":
		x.Respond(200, textPlain, append([]byte("plain "), r.RawQuery()...))
	case "/pool":
		x.Respond(200, textPlain, append([]byte("pool "), r.RawQuery()...))
	case "/lead":
		x.RespondLead(200, "X-Lead: 1\r\n", textPlain, append([]byte("lead "), r.RawQuery()...))
	case "/bylead", "/byplain":
		lead := "Content-Type: text/plain\r\n"
		if query(x, "lead") == "2" {
			lead = "X-Lead: 2\r\n"
		}
		if body := []byte(query(x, "b")); string(r.Path()) == "/byplain" {
			x.RespondPlain(lead, body)
		} else {
			x.RespondLead(200, lead, nil, body)
		}
	case "/later":
		x.Detach()
		body := append([]byte("later "), r.RawQuery()...)
		d := time.Duration(queryInt(x, "ms", 5)) * time.Millisecond
		x.Loop().CallLater(d, func() { x.Respond(200, textPlain, body) })
	case "/deferpool":
		x.Detach()
		body := append([]byte("deferpool "), r.RawQuery()...)
		if err := x.Loop().RunInExecutor(func() { x.Respond(200, textPlain, body) }, nil); err != nil {
			x.Respond(503, nil, nil)
		}
	case "/echo":
		x.Respond(200, nil, x.Body())
	case "/big":
		x.Respond(200, nil, make([]byte, queryInt(x, "n", 1<<20)))
	case "/stream":
		n := queryInt(x, "n", 3)
		_ = x.StreamStart(200, textPlain)
		for i := 0; i < n; i++ {
			_ = x.StreamWrite([]byte("chunk " + strconv.Itoa(i) + "\n"))
		}
		if query(x, "abort") == "1" {
			_ = x.StreamAbort()
			break
		}
		_ = x.StreamEnd(nil)
	case "/sized":
		// ?n= pieces of "0123456789" under a Content-Length of 10n.
		n := queryInt(x, "n", 3)
		_ = x.StreamStartLength(200, textPlain, int64(10*n))
		for i := 0; i < n; i++ {
			_ = x.StreamWrite([]byte("0123456789"))
		}
		_ = x.StreamEnd(nil)
	case "/bigstream":
		h.bigStream(x)
	case "/upload":
		h.upload(x)
	case "/block":
		ctx := x.Context()
		h.blocked <- x
		select {
		case <-h.unblock:
			x.Respond(200, nil, []byte("unblocked"))
		case <-ctx.Done():
			h.ctxDone <- context.Cause(ctx)
			x.Respond(200, nil, []byte("too late"))
		}
	case "/slow":
		ctx := x.Context()
		h.blocked <- x
		<-ctx.Done()
		h.ctxDone <- context.Cause(ctx)
		x.Respond(200, nil, []byte("slow"))
	case "/upgrade":
		x.Respond(101, []byte("Upgrade: echo\r\nConnection: Upgrade\r\n"), nil)
		if err := x.Hijack(&echoProto{}, func() { h.abandoned.Add(1) }); err != nil {
			panic(err)
		}
	case "/closeafter":
		body := []byte("closeafter")
		switch query(x, "when") {
		case "after":
			x.Respond(200, textPlain, body)
			x.CloseAfter()
		case "detached":
			x.Detach()
			go func() {
				x.CloseAfter()
				x.Respond(200, textPlain, body)
			}()
		default:
			x.CloseAfter()
			x.CloseAfter() // a second call does nothing
			x.Respond(200, textPlain, body)
		}
	case "/misuse":
	default:
		x.Respond(404, nil, []byte("not found"))
	}
}

func (h *testHandler) Release(x *Exchange) { h.released.Add(1) }

// upload reads a streamed body (or Body, when it came whole) and answers
// its length, byte sum and whether it was streamed.
func (h *testHandler) upload(x *Exchange) {
	if query(x, "hold") == "1" {
		h.blocked <- x
		<-h.unblock
	}
	var n, sum int64
	if !x.StreamsBody() {
		for _, b := range x.Body() {
			sum += int64(b)
		}
		n = int64(len(x.Body()))
	} else {
		buf := make([]byte, 16<<10)
		for {
			k, err := x.ReadBody(buf)
			n += int64(k)
			for _, b := range buf[:k] {
				sum += int64(b)
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				h.ctxDone <- err
				x.Respond(500, nil, nil) // dropped: the engine answered
				return
			}
		}
	}
	x.Respond(200, textPlain, []byte(fmt.Sprintf("%d %d %v", n, sum, x.StreamsBody())))
}

// bigStream writes ?n= chunks of 16 KiB, each filled with the chunk number
// mod 256. In the pool StreamWrite blocks; on the loop it continues from
// OnWritable.
func (h *testHandler) bigStream(x *Exchange) {
	n := queryInt(x, "n", 64)
	chunk := make([]byte, 16<<10)
	if err := x.StreamStart(200, nil); err != nil {
		return
	}
	if x.Detached() { // in the pool
		for i := 0; i < n; i++ {
			for j := range chunk {
				chunk[j] = byte(i)
			}
			if x.StreamWrite(chunk) != nil {
				return
			}
			h.chunks.Add(1)
		}
		_ = x.StreamEnd(nil)
		return
	}
	x.Detach()
	i := 0
	var step func()
	step = func() {
		for ; i < n; i++ {
			for j := range chunk {
				chunk[j] = byte(i)
			}
			switch err := x.StreamWrite(chunk); err {
			case nil:
				h.chunks.Add(1)
			case ErrBackpressure:
				x.OnWritable(step)
				return
			default:
				return
			}
		}
		_ = x.StreamEnd(nil)
	}
	step()
}

// echoProto is the protocol a hijacked connection switches to: it writes
// back what it receives.
type echoProto struct{}

func (*echoProto) ConnectionMade(c *loop.Conn) {}
func (*echoProto) DataReceived(c *loop.Conn, data []byte) int {
	_ = c.Write(data)
	return len(data)
}
func (*echoProto) ConnectionLost(c *loop.Conn, err error) {}

// testServer is a running loop.Server with the engine and a testHandler.
type testServer struct {
	srv  *loop.Server
	h    *testHandler
	addr string

	mu    sync.Mutex
	conns []*conn // every engine connection made, in order
}

// conn returns the i-th engine connection the server made (in accept
// order), waiting for it.
func (ts *testServer) conn(t *testing.T, i int) *conn {
	t.Helper()
	var c *conn
	waitFor(t, "the server's connection "+strconv.Itoa(i), 5*time.Second, func() bool {
		ts.mu.Lock()
		defer ts.mu.Unlock()
		if i < len(ts.conns) {
			c = ts.conns[i]
		}
		return c != nil
	})
	return c
}

// onLoop runs fn on c's loop and returns what it returned.
func onLoop(t *testing.T, c *conn, fn func() bool) bool {
	t.Helper()
	done := make(chan bool, 1)
	if err := c.ls.l.CallSoonThreadsafe(func() { done <- fn() }); err != nil {
		t.Fatalf("loop: %v", err)
	}
	select {
	case v := <-done:
		return v
	case <-time.After(5 * time.Second):
		t.Fatal("the loop did not run a callback")
		return false
	}
}

func startServer(t *testing.T, cfg Config, lcfg loop.Config) *testServer {
	t.Helper()
	h := newTestHandler()
	lcfg.Network = "tcp"
	lcfg.Addr = "127.0.0.1:0"
	if lcfg.Loops == 0 {
		lcfg.Loops = 1
	}
	ts := &testServer{h: h}
	f := NewFactory(cfg, h)
	srv, err := loop.New(lcfg, func() loop.Protocol {
		p := f()
		ts.mu.Lock()
		ts.conns = append(ts.conns, p.(*conn))
		ts.mu.Unlock()
		return p
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	ts.srv, ts.addr = srv, srv.Addr().String()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Stop(ctx)
	})
	return ts
}

// client is a raw connection with a buffered reader for responses.
type client struct {
	t  *testing.T
	c  net.Conn
	br *bufio.Reader
}

func (ts *testServer) dial(t *testing.T) *client {
	t.Helper()
	return ts.dialWith(t, 0)
}

// dialWith dials with the socket's receive buffer set to rcvbuf bytes
// before connecting (0 = the system's default), so the TCP window is
// small from the start: a client that reads nothing then stops the server
// quickly. (Shrinking it after the connect makes the kernel's zero-window
// probing stall the test instead.)
func (ts *testServer) dialWith(t *testing.T, rcvbuf int) *client {
	t.Helper()
	d := net.Dialer{Timeout: 5 * time.Second}
	if rcvbuf > 0 {
		d.Control = func(network, address string, rc syscall.RawConn) error {
			var serr error
			err := rc.Control(func(fd uintptr) {
				serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, rcvbuf)
			})
			if err != nil {
				return err
			}
			return serr
		}
	}
	c, err := d.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	t.Cleanup(func() { c.Close() })
	return &client{t: t, c: c, br: bufio.NewReader(c)}
}

func (cl *client) send(s string) {
	cl.t.Helper()
	if _, err := io.WriteString(cl.c, s); err != nil {
		cl.t.Fatalf("write: %v", err)
	}
}

// response is a read response with its body.
type response struct {
	*http.Response
	body string
}

// read reads one response to a request with method.
func (cl *client) read(method string) response {
	cl.t.Helper()
	resp, err := http.ReadResponse(cl.br, &http.Request{Method: method})
	if err != nil {
		cl.t.Fatalf("read response: %v", err)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		cl.t.Fatalf("read body: %v", err)
	}
	resp.Body.Close()
	return response{resp, string(b)}
}

// expect reads a response and checks its status and body.
func (cl *client) expect(method string, status int, body string) response {
	cl.t.Helper()
	r := cl.read(method)
	if r.StatusCode != status || r.body != body {
		cl.t.Fatalf("got %d %q, want %d %q", r.StatusCode, r.body, status, body)
	}
	return r
}

// expectEOF checks that the server closed the connection (after the
// responses already read).
func (cl *client) expectEOF() {
	cl.t.Helper()
	_ = cl.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	b, err := cl.br.ReadByte()
	if err == nil {
		rest, _ := cl.br.Peek(cl.br.Buffered())
		cl.t.Fatalf("expected EOF, got %q", append([]byte{b}, rest...))
	}
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		cl.t.Fatalf("expected EOF, connection still open")
	}
}

// expectCause waits for a blocked handler's context to end (ctxDone) and
// checks its cause is want.
func (ts *testServer) expectCause(t *testing.T, want error) {
	t.Helper()
	select {
	case err := <-ts.h.ctxDone:
		if !errors.Is(err, want) {
			t.Fatalf("context cause %v, want %v", err, want)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the handler's context was not cancelled")
	}
}

// trickle writes s to the server every period from a goroutine, until
// the returned stop is called or a write fails.
func (cl *client) trickle(period time.Duration, s string) (stop func()) {
	done := make(chan struct{})
	go func() {
		tick := time.NewTicker(period)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				if _, err := cl.c.Write([]byte(s)); err != nil {
					return
				}
			}
		}
	}()
	return func() { close(done) }
}

func get(path string) string {
	return "GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n"
}

func post(path, body string) string {
	return "POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func ioReadFull(cl *client, buf []byte) (int, error) { return io.ReadFull(cl.br, buf) }

// plainHandler answers every request on the loop with a fixed body: the
// benchmark's plaintext route, with nothing of its own that allocates.
type plainHandler struct{}

var (
	plainHeader = []byte("Content-Type: text/plain\r\n")
	plainBody   = []byte("Hello, World!")
)

func (plainHandler) Route(x *Exchange) Plan { return Plan{} }
func (plainHandler) Serve(x *Exchange)      { x.Respond(200, plainHeader, plainBody) }
func (plainHandler) Release(x *Exchange)    {}

// varyHandler answers GET /<n> on the loop with the first n bytes of
// varyBody through RespondPlain, as the root's Text does: an API whose
// body length varies from one response to the next.
type varyHandler struct{}

var varyBody = []byte("0123456789abcdefghijklmnopqrstuvwxyz")

func (varyHandler) Route(x *Exchange) Plan { return Plan{} }
func (varyHandler) Serve(x *Exchange) {
	n, _ := strconv.Atoi(string(x.Request().Path()[1:]))
	x.RespondPlain(plainLead, varyBody[:min(n, len(varyBody))])
}
func (varyHandler) Release(x *Exchange) {}

// plainLead is plainHeader as RespondPlain's lead.
const plainLead = "Content-Type: text/plain\r\n"

// varyRequests is a pipelined batch of depth requests alternating between
// bodies of 5 and 13 bytes, and the length of its answers.
func varyRequests(depth int) (req []byte, respLen int) {
	for i := range depth {
		n := 5 + 8*(i%2)
		req = append(req, "GET /"+strconv.Itoa(n)+" HTTP/1.1\r\nHost: x\r\n\r\n"...)
		// The head: status line, Server, Date (its value 29 bytes),
		// Content-Type, Content-Length, blank line.
		respLen += len("HTTP/1.1 200 OK\r\nServer: eddy\r\nDate: \r\n"+plainLead+"Content-Length: \r\n\r\n") + 29 +
			len(strconv.Itoa(n)) + n
	}
	return req, respLen
}

// startOneLoop starts a one-loop server of f on 127.0.0.1 for an
// allocation test or a benchmark; it stops when tb ends.
func startOneLoop(tb testing.TB, f loop.Factory) *loop.Server {
	tb.Helper()
	srv, err := loop.New(loop.Config{Addr: "127.0.0.1:0", Loops: 1}, f)
	if err != nil {
		tb.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { srv.Stop(context.Background()) })
	return srv
}

// dialLoop connects to srv; the connection closes when tb ends.
func dialLoop(tb testing.TB, srv *loop.Server) net.Conn {
	tb.Helper()
	c, err := net.Dial("tcp", srv.Addr().String())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { c.Close() })
	return c
}

// roundTripper returns one round trip on c: req written whole, then
// exactly len(resp) bytes of answer read into resp. It allocates nothing.
func roundTripper(tb testing.TB, c net.Conn, req, resp []byte) func() {
	return func() {
		if _, err := c.Write(req); err != nil {
			tb.Fatal(err)
		}
		if _, err := io.ReadFull(c, resp); err != nil {
			tb.Fatal(err)
		}
	}
}
