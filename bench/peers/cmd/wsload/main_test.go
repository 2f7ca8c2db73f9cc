package main

import (
	"bufio"
	"errors"
	"github.com/eddy-go/eddy/bench/peers/internal/wsclient"
	"golang.org/x/sys/unix"
	"io"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eddy-go/eddy/bench/peers/contract"
	"github.com/gorilla/websocket"
)

// serve starts a WebSocket server keeping the contract (gorilla, as the peer does) on
// 127.0.0.1:0 and returns its address. On any other path than /ws it is a room: every message
// is broadcast to every client there.
func serve(t *testing.T) string {
	t.Helper()
	var mu sync.Mutex
	clients := map[*websocket.Conn]*sync.Mutex{}
	up := websocket.Upgrader{}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		wmu := &sync.Mutex{}
		mu.Lock()
		clients[c] = wmu
		mu.Unlock()
		defer func() {
			mu.Lock()
			delete(clients, c)
			mu.Unlock()
			c.Close()
		}()
		for {
			mt, msg, err := c.ReadMessage()
			if err != nil {
				return
			}
			rest, ok := strings.CutPrefix(string(msg), contract.BroadcastPrefix)
			if r.URL.Path != contract.WSPath {
				rest, ok = string(msg), true
			}
			if ok {
				mu.Lock()
				for oc, omu := range clients {
					omu.Lock()
					oc.WriteMessage(websocket.TextMessage, []byte(rest))
					omu.Unlock()
				}
				mu.Unlock()
				continue
			}
			wmu.Lock()
			c.WriteMessage(mt, msg)
			wmu.Unlock()
		}
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

var reResult = regexp.MustCompile(`^result echoes=(\d+) seconds=[\d.]+ client_cpu=[\d.]+ p50=(\d+) p99=(\d+) p999=(\d+) max=(\d+) errors=0 first_error=""$`)

func TestEchoAndPaced(t *testing.T) {
	addr := serve(t)
	cases := []struct {
		mode     string
		text     bool
		min, max int64
	}{
		{mode: "echo", min: 1, max: 1 << 40},
		{mode: "echo", text: true, min: 1, max: 1 << 40},
		// 4 connections at 50/s for 0.4 s: about 80 echoes, never more than one per slot.
		{mode: "paced", min: 20, max: 4*21 + 4},
	}
	for _, c := range cases {
		var out strings.Builder
		cfg := &config{addr: addr, mode: c.mode, n: 4, size: 100, text: c.text, duration: 400 * time.Millisecond,
			warmup: 50 * time.Millisecond, rate: 50, parallel: 2, out: &out, in: strings.NewReader("")}
		if err := run(cfg); err != nil {
			t.Fatalf("%s: %v", c.mode, err)
		}
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		if len(lines) != 2 || lines[0] != `ready held=4 failed=0 first_error=""` {
			t.Fatalf("%s: output %q", c.mode, out.String())
		}
		m := reResult.FindStringSubmatch(lines[1])
		if m == nil {
			t.Fatalf("%s: result line %q", c.mode, lines[1])
		}
		n, _ := strconv.ParseInt(m[1], 10, 64)
		p50, _ := strconv.ParseInt(m[2], 10, 64)
		mx, _ := strconv.ParseInt(m[5], 10, 64)
		if n < c.min || n > c.max || p50 <= 0 || mx < p50 {
			t.Errorf("%s: %d echoes (want %d..%d), p50 %d, max %d", c.mode, n, c.min, c.max, p50, mx)
		}
	}
}

// TestWaitProtocol drives wsload as the harness does: nothing is measured before the go-ahead,
// and the connections stay open after the result until standard input closes.
func TestWaitProtocol(t *testing.T) {
	addr := serve(t)
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(&config{addr: addr, mode: "echo", n: 2, size: 32, duration: 100 * time.Millisecond, parallel: 2, wait: true, out: outW, in: inR})
		outW.Close()
	}()
	out := bufio.NewReader(outR)
	line, _ := out.ReadString('\n')
	if !strings.HasPrefix(line, "ready held=2 ") {
		t.Fatalf("first line %q", line)
	}
	next := make(chan string, 1)
	go func() {
		l, _ := out.ReadString('\n')
		next <- l
	}()
	select {
	case l := <-next:
		t.Fatalf("printed %q before the go-ahead", l)
	case <-time.After(300 * time.Millisecond): // longer than the 100 ms load
	}
	io.WriteString(inW, "go\n")
	if l := <-next; !strings.HasPrefix(l, "result echoes=") {
		t.Fatalf("second line %q", l)
	}
	select {
	case err := <-done:
		t.Fatalf("returned (%v) before its input closed", err)
	default:
	}
	inW.Close()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("did not return after its input closed")
	}
}

func TestIdleAndBroadcast(t *testing.T) {
	addr := serve(t)
	var out strings.Builder
	if err := run(&config{addr: addr, mode: "idle", n: 5, parallel: 2, out: &out, in: strings.NewReader("")}); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != "ready held=5 failed=0 first_error=\"\"\n" {
		t.Fatalf("idle output %q", got)
	}
	for _, c := range []struct{ path, prefix string }{{"/ws", contract.BroadcastPrefix}, {"/room", ""}} {
		out.Reset()
		if err := run(&config{addr: addr, path: c.path, prefix: c.prefix, mode: "bcast", n: 10, rounds: 3, parallel: 4, out: &out, in: strings.NewReader("")}); err != nil {
			t.Fatalf("%s: %v", c.path, err)
		}
		if !regexp.MustCompile(`(?m)^result rounds=3 received=30 missing=0 last=[1-9]\d* p50=[1-9]\d*$`).MatchString(out.String()) {
			t.Fatalf("%s: bcast output %q", c.path, out.String())
		}
	}
}

func TestProbeAndBadFlags(t *testing.T) {
	addr := serve(t)
	var out strings.Builder
	if err := run(&config{addr: addr, mode: "probe", n: 1, parallel: 1, probeWait: 200 * time.Millisecond, out: &out}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "pass\tping between fragments\t") || !regexp.MustCompile(`(?m)^failed \d+ of \d+$`).MatchString(out.String()) {
		t.Fatalf("probe output %q", out.String())
	}
	for _, c := range []*config{{mode: "nope", n: 1, parallel: 1}, {mode: "echo", n: 0, parallel: 1}, {mode: "echo", n: 1, parallel: 1, size: contract.WSMaxMessage + 1}} {
		if err := run(c); err == nil {
			t.Errorf("%+v: no error", *c)
		}
	}
}

func TestQuantile(t *testing.T) {
	v := []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	for _, c := range []struct {
		q    float64
		want int64
	}{{0.5, 5}, {0.99, 10}, {0.1, 1}, {0, 1}, {1, 10}} {
		if got := quantile(v, c.q); got != c.want {
			t.Errorf("quantile(%v) = %d, want %d", c.q, got, c.want)
		}
	}
	if quantile(nil, 0.5) != 0 {
		t.Error("quantile of nothing is not 0")
	}
}

func TestParseFrame(t *testing.T) {
	long := make([]byte, 70000)
	cases := []struct {
		name  string
		in    []byte
		ok    bool
		fin   bool
		op    byte
		n     int
		extra int // bytes after the frame
	}{
		{name: "short", in: []byte{0x82, 3, 'a', 'b', 'c'}, ok: true, fin: true, op: 2, n: 3},
		{name: "with the next frame", in: []byte{0x01, 1, 'a', 0x80, 0}, ok: true, op: 1, n: 1, extra: 2},
		{name: "16-bit length", in: append([]byte{0x82, 126, 0x01, 0x00}, long[:256]...), ok: true, fin: true, op: 2, n: 256},
		{name: "64-bit length", in: append([]byte{0x82, 127, 0, 0, 0, 0, 0, 1, 0x11, 0x70}, long...), ok: true, fin: true, op: 2, n: 70000},
		{name: "one byte", in: []byte{0x82}},
		{name: "cut length", in: []byte{0x82, 126, 1}},
		{name: "cut payload", in: []byte{0x82, 3, 'a'}},
	}
	for _, c := range cases {
		fin, op, p, size, ok := parseFrame(c.in)
		if ok != c.ok || (ok && (fin != c.fin || op != c.op || len(p) != c.n || size != len(c.in)-c.extra)) {
			t.Errorf("%s: fin %v op %d %d bytes size %d ok %v", c.name, fin, op, len(p), size, ok)
		}
	}
}

// TestEpollRefusesHugeFrame: a server announcing a frame longer than wsclient.MaxPayload makes
// the connection fail instead of growing its buffer without end.
func TestEpollRefusesHugeFrame(t *testing.T) {
	a, b, err := socketPair()
	if err != nil {
		t.Fatal(err)
	}
	rc := &rawConn{fd: a, want: []byte("x"), in: make([]byte, 0, 64<<10)}
	hdr := []byte{0x82, 127, 0, 0, 0, 0, 0x7f, 0, 0, 0} // 2 GiB
	chunk := make([]byte, 1<<20)
	written := make(chan struct{})
	go func() {
		defer close(written)
		unix.Write(b, hdr)
		for {
			if _, err := unix.Write(b, chunk); err != nil {
				return // a closed: EPIPE
			}
		}
	}()
	// The writer must be gone before b closes: its number could be reused by another socket.
	defer func() {
		unix.Close(a)
		<-written
		unix.Close(b)
	}()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if err := rc.readMessages(func(*rawConn) { t.Error("a message completed") }); err != nil {
			if !errors.Is(err, wsclient.ErrTooLarge) {
				t.Fatalf("err = %v, want ErrTooLarge", err)
			}
			if cap(rc.in) > 3*wsclient.MaxPayload {
				t.Fatalf("buffer grew to %d bytes", cap(rc.in))
			}
			return
		}
	}
	t.Fatal("no error within 20 s")
}

// socketPair returns a connected pair of blocking Unix stream sockets.
func socketPair() (int, int, error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	return fds[0], fds[1], err
}
