//go:build !race

package eddy_test

import (
	"bytes"
	"io"
	"net"
	"runtime"
	"testing"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/eddytest"
	"github.com/eddy-go/eddy/ws"
)

// wsAllocCases feed TestWSEchoAllocs and BenchmarkWSEcho: messages echoed
// by a WSCallbacks handler on the loop, which must cost no allocation per
// message end to end (the measurement counts the client too, which reuses
// its buffers).
var wsAllocCases = []struct {
	name string
	op   ws.Op
	size int
}{
	{"text 32 B", ws.OpText, 32},
	{"binary 32 B", ws.OpBinary, 32},
	{"binary 16 KiB", ws.OpBinary, 16 << 10},
}

func wsEchoApp() *eddy.App {
	app := eddy.New(eddy.Config{Loops: 1})
	app.WebSocket("/ws", echoCallbacks(), eddy.WSConfig{MaxMessage: 16 << 20})
	return app
}

// wsRoundTrip writes a client frame and reads the server's echo, whose
// size is known, into buf.
func wsRoundTrip(t testing.TB, k *wsClient, f, buf []byte) {
	if _, err := k.c.Write(f); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(k.br, buf); err != nil {
		t.Fatal(err)
	}
}

func TestWSEchoAllocs(t *testing.T) {
	s := eddytest.New(t, wsEchoApp())
	for _, tc := range wsAllocCases {
		t.Run(tc.name, func(t *testing.T) {
			k := dialWS(t, s, "/ws", "", nil)
			p := bytes.Repeat([]byte{'a'}, tc.size)
			f := frame(tc.op, true, p)
			want := ws.AppendFrame(nil, tc.op, true, p)
			buf := make([]byte, len(want))
			for range 100 { // warm up: buffers grow to their size once
				wsRoundTrip(t, k, f, buf)
			}
			if !bytes.Equal(buf, want) {
				t.Fatalf("echo differs: %d bytes", len(buf))
			}
			if n := testing.AllocsPerRun(1000, func() { wsRoundTrip(t, k, f, buf) }); n != 0 {
				t.Errorf("%v allocations per echoed message, want 0", n)
			}
		})
	}
}

func BenchmarkWSEcho(b *testing.B) {
	s := eddytest.New(b, wsEchoApp())
	for _, tc := range wsAllocCases {
		b.Run(tc.name, func(b *testing.B) {
			k := dialWS(b, s, "/ws", "", nil)
			p := bytes.Repeat([]byte{'a'}, tc.size)
			f := frame(tc.op, true, p)
			buf := make([]byte, len(ws.AppendFrame(nil, tc.op, true, p)))
			b.ReportAllocs()
			b.SetBytes(int64(tc.size))
			for b.Loop() {
				wsRoundTrip(b, k, f, buf)
			}
		})
	}
}

// BenchmarkIdleConnMemory reports the heap held per idle connection
// (server and test client together, B/conn): an idle keep-alive HTTP
// connection as the baseline, and an idle WebSocket after its handshake.
// Each iteration opens one more connection; all stay open until the end.
func BenchmarkIdleConnMemory(b *testing.B) {
	app := eddy.New(eddy.Config{Loops: 1})
	app.Get("/x", func(c *eddy.Ctx) error { return c.Text("x") })
	app.WebSocket("/ws", echoCallbacks())
	s := eddytest.New(b, app)
	for _, tc := range []struct{ name, req string }{
		{"http keep-alive", "GET /x HTTP/1.1\r\nHost: x\r\n\r\n"},
		{"websocket", wsHandshake("/ws", "")},
	} {
		b.Run(tc.name, func(b *testing.B) {
			var conns []net.Conn
			defer func() {
				for _, c := range conns {
					c.Close()
				}
			}()
			buf := make([]byte, 4096)
			var m0, m1 runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&m0)
			for b.Loop() {
				c, err := net.Dial("tcp", s.App.Addr().String())
				if err != nil {
					b.Fatal(err)
				}
				conns = append(conns, c)
				if _, err := io.WriteString(c, tc.req); err != nil {
					b.Fatal(err)
				}
				if _, err := c.Read(buf); err != nil {
					b.Fatal(err)
				}
			}
			runtime.GC()
			runtime.ReadMemStats(&m1)
			b.ReportMetric(float64(int64(m1.HeapAlloc)-int64(m0.HeapAlloc))/float64(len(conns)), "B/conn")
		})
	}
}
