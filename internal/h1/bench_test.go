package h1

import (
	"bytes"
	"strings"
	"syscall"
	"testing"

	"github.com/eddy-go/eddy/loop"
)

// rawResponder is the baseline: a loop.Protocol that only finds the end of
// each head and writes a canned response of the same size as the
// engine's, in one write per batch.
type rawResponder struct{ out []byte }

var (
	rawReply = []byte("HTTP/1.1 200 OK\r\nServer: eddy\r\nDate: Mon, 02 Jan 2006 15:04:05 GMT\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nHello, World!")
	headEnd  = []byte("\r\n\r\n")
)

func (r *rawResponder) ConnectionMade(c *loop.Conn) {}
func (r *rawResponder) DataReceived(c *loop.Conn, data []byte) int {
	n := 0
	r.out = r.out[:0]
	for {
		i := bytes.Index(data[n:], headEnd)
		if i < 0 {
			break
		}
		n += i + 4
		r.out = append(r.out, rawReply...)
	}
	if len(r.out) > 0 {
		_ = c.Write(r.out)
	}
	return n
}
func (r *rawResponder) ConnectionLost(c *loop.Conn, err error) {}

// cpuTime returns the process's user+system CPU time in nanoseconds.
func cpuTime() int64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// BenchmarkPlaintext: round trips of GET /plaintext over loopback against
// the engine and against the raw responder (same run: compare ratios).
func BenchmarkPlaintext(b *testing.B) {
	servers := []struct {
		name string
		f    loop.Factory
	}{
		{"raw", func() loop.Protocol { return &rawResponder{} }},
		{"h1", NewFactory(Config{ServerName: "eddy"}, plainHandler{})},
	}
	for _, depth := range []int{1, 16} {
		for _, s := range servers {
			b.Run(s.name+"/depth="+itoa(depth), func(b *testing.B) {
				c := dialLoop(b, startOneLoop(b, s.f))
				req := []byte(strings.Repeat("GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n", depth))
				roundTrip := roundTripper(b, c, req, make([]byte, len(rawReply)*depth))
				b.ReportAllocs()
				b.SetBytes(int64(len(req)))
				cpu0 := cpuTime()
				b.ResetTimer()
				for i := 0; i < b.N; i += depth {
					roundTrip()
				}
				b.StopTimer()
				// Process CPU (client and server): the client is the same for
				// both servers, so the difference is the server's.
				b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
			})
		}
	}
}

// BenchmarkVaryingLength: pipelined round trips (16 requests) to an
// on-loop handler whose body length alternates between 5 and 13 bytes, so
// that every response's head differs from the last in its Content-Length.
func BenchmarkVaryingLength(b *testing.B) {
	c := dialLoop(b, startOneLoop(b, NewFactory(Config{ServerName: "eddy"}, varyHandler{})))
	const depth = 16
	req, respLen := varyRequests(depth)
	roundTrip := roundTripper(b, c, req, make([]byte, respLen))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i += depth {
		roundTrip()
	}
}
