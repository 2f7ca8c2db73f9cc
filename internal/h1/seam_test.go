package h1

import (
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// seamStep is one thing that happens to a connection on the fake loop.
type seamStep struct {
	in   string        // bytes arrive
	tick time.Duration // the clock advances (Timeout runs if due)
	eof  bool          // the client shuts down its sending side
	run  bool          // everything queued runs, in the seed's order
	read int           // the client reads this many bytes (-1: all)

	// Checked after the step.
	readPaused, writePaused *bool
	statuses                string // responses so far, e.g. "200 200 408"; "-": a response is partly written
}

func yes() *bool { b := true; return &b }
func no() *bool  { b := false; return &b }

// TestConnSeam drives the connection's state machine without sockets:
// pipelining across placements, pausing and resuming reading and writing,
// the timeouts and the client's EOF, each under several seeds.
func TestConnSeam(t *testing.T) {
	get := func(p string) string { return "GET " + p + " HTTP/1.1\r\nHost: a\r\n\r\n" }
	cases := []struct {
		name  string
		depth int
		hwm   int
		steps []seamStep
		end   string // how the engine ended the connection: "", "shutdown", "close"
	}{
		{name: "pipelined placements answer in order", steps: []seamStep{
			{in: get("/d") + get("/l") + get("/p") + get("/t") + get("/r"), statuses: ""},
			{run: true, statuses: "200 200 200 200 200"},
		}},
		{name: "a full pipeline pauses reading until the head is answered", depth: 2, steps: []seamStep{
			{in: get("/d") + get("/d") + get("/l"), readPaused: yes(), statuses: ""},
			{run: true, readPaused: no(), statuses: "200 200 200"},
		}},
		{name: "write flow pauses parsing and resumes it", hwm: 64, steps: []seamStep{
			{in: get("/l"), writePaused: yes(), statuses: "200"},
			{in: get("/l"), readPaused: yes(), statuses: "200"},
			{read: -1, writePaused: yes(), readPaused: yes(), statuses: "200 200"},
			{read: -1, writePaused: no(), readPaused: no(), statuses: "200 200"},
		}},
		{name: "a stream above the high water mark continues from OnWritable", hwm: 64, steps: []seamStep{
			{in: get("/t"), run: true, writePaused: yes(), statuses: "-"},
			{read: -1, statuses: "200"},
		}},
		{name: "a partial head times out with 408", steps: []seamStep{
			{in: "GET / HTTP/1.1\r\n", statuses: ""},
			{tick: DefaultHeaderTimeout + time.Millisecond, statuses: "408"},
		}, end: "shutdown"},
		{name: "an idle connection closes silently", steps: []seamStep{
			{in: get("/l"), statuses: "200"},
			{tick: DefaultIdleTimeout + time.Millisecond, statuses: "200"},
		}, end: "close"},
		{name: "a slow handler gets 503 and its late answer is dropped", steps: []seamStep{
			{in: get("/d") + get("/l"), statuses: ""},
			{tick: DefaultHandlerTimeout + time.Millisecond, statuses: "503"},
			{run: true, statuses: "503"},
		}, end: "shutdown"},
		{name: "EOF mid-body answers what was read, drops the rest", steps: []seamStep{
			{in: get("/d") + "POST /l HTTP/1.1\r\nHost: a\r\nContent-Length: 9\r\n\r\nabc", statuses: ""},
			{eof: true, statuses: ""},
			{run: true, statuses: "200"},
		}, end: "shutdown"},
		{name: "a malformed head after good ones is answered 400 last", steps: []seamStep{
			{in: get("/t") + get("/l") + "BAD\r\n\r\n", statuses: ""},
			{run: true, statuses: "200 200 400"},
		}, end: "shutdown"},
		{name: "Connection: close ends after its response", steps: []seamStep{
			{in: "GET /d HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n" + get("/l"), statuses: ""},
			{run: true, statuses: "200"},
		}, end: "shutdown"},
	}
	for _, tc := range cases {
		for seed := uint64(1); seed <= 8; seed++ {
			t.Run(fmt.Sprintf("%s/seed=%d", tc.name, seed), func(t *testing.T) {
				l := newFakeLoop(seed)
				h := newFuzzHandler(t, l, tc.hwm == 0)
				cfg := Config{PipelineDepth: tc.depth, Logger: slog.New(slog.DiscardHandler)}
				w := newFakeWire(t, cfg, h, l)
				w.fc.hwm = tc.hwm
				for i, s := range tc.steps {
					if s.in != "" {
						w.arrive([]byte(s.in))
					}
					if s.tick != 0 {
						w.tick(s.tick)
					}
					if s.eof {
						w.sendEOF()
					}
					if s.run {
						for l.step() {
							w.resumed()
						}
					}
					if s.read != 0 {
						w.fc.read(s.read)
						w.resumed()
						for l.step() {
							w.resumed()
						}
					}
					if s.readPaused != nil && w.fc.readPaused != *s.readPaused {
						t.Fatalf("step %d: reading paused %v, want %v", i, w.fc.readPaused, *s.readPaused)
					}
					if s.writePaused != nil && w.fc.writePaused != *s.writePaused {
						t.Fatalf("step %d: writing paused %v, want %v", i, w.fc.writePaused, *s.writePaused)
					}
					if s.statuses == "-" {
						continue
					}
					rs, err := parseResponses(w.fc.out.Bytes(), h.heads, w.eof)
					if err != nil {
						t.Fatalf("step %d: %v in %q", i, err, w.fc.out.String())
					}
					var got []string
					for _, r := range rs {
						got = append(got, fmt.Sprint(r.status))
					}
					if g := strings.Join(got, " "); g != s.statuses {
						t.Fatalf("step %d: statuses %q, want %q\nout: %q", i, g, s.statuses, w.fc.out.String())
					}
				}
				switch {
				case tc.end == "shutdown" && !w.fc.shutdown,
					tc.end == "close" && !w.fc.closed,
					tc.end == "" && w.fc.Closed():
					t.Fatalf("connection end: shutdown %v closed %v, want %q", w.fc.shutdown, w.fc.closed, tc.end)
				}
				w.fc.read(-1)
				w.lose()
				for l.step() {
				}
				if len(h.live) != 0 {
					t.Fatalf("%d exchanges never released", len(h.live))
				}
				if w.fc.writesAfterClose != 0 {
					t.Fatalf("%d writes after close", w.fc.writesAfterClose)
				}
			})
		}
	}
}

// BenchmarkConnFake: the engine's own cost per request, without sockets or
// gnet: 16 pipelined GETs answered on the loop, through the fake transport.
// Steadier than BenchmarkPlaintext on a busy machine; compare runs of the
// same machine only.
func BenchmarkConnFake(b *testing.B) {
	const depth = 16
	req := []byte(strings.Repeat("GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n", depth))
	l := newFakeLoop(1)
	w := newFakeWire(b, Config{ServerName: "eddy"}, plainHandler{}, l)
	b.ReportAllocs()
	b.SetBytes(int64(len(req)))
	b.ResetTimer()
	for i := 0; i < b.N; i += depth {
		w.fc.out.Reset()
		w.arrive(req)
		w.fc.read(-1)
	}
}
