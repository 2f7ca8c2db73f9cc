//go:build !race

package client

import (
	"bytes"
	"net"
	"testing"
)

// maxStartAllocs is Start's allocation budget per request on a keep-alive
// connection: the call (which holds the first exchange and the response),
// the cancel func Start returns, and the response's Header: its map (two),
// one buffer holding every value and the body, and one slice backing every
// field's values.
const maxStartAllocs = 6

// TestStartAllocs: a GET sent with Start on a pooled connection, its
// response delivered whole, costs at most maxStartAllocs allocations.
func TestStartAllocs(t *testing.T) {
	s := newSession(t, Config{DisableCompression: true})
	req, _ := NewRequest("GET", cannedServer(t, plaintext)+"/plaintext", nil)
	const n, inflight = 2000, 16
	if err := startChain(s, req, n, inflight); err != nil { // dials the connections
		t.Fatal(err)
	}
	var err error
	per := testing.AllocsPerRun(3, func() { err = startChain(s, req, n, inflight) }) / n
	if err != nil {
		t.Fatal(err)
	}
	if per > maxStartAllocs+0.01 { // the chain's own channel and closures, shared by n requests
		t.Errorf("Start: %.2f allocations per request, want at most %d", per, maxStartAllocs)
	}
}

// TestRequestPathAllocs: the pieces of a request that allocate nothing once
// the session met the host: its fields, the pool lookup, the head (a target
// with a query string costs one, url.URL.RequestURI's).
func TestRequestPathAllocs(t *testing.T) {
	s := newSession(t, Config{DisableCompression: true})
	req, _ := NewRequest("GET", "http://127.0.0.1:1/x", nil)
	l := s.srv.Loops()[0]
	lp := s.pool(l)
	done := make(chan struct{})
	l.CallSoonThreadsafe(func() {
		defer close(done)
		hp := lp.host("http://127.0.0.1:1", "127.0.0.1:1")
		lp.rememberHost(req.URL.Host, hp)
		c := &call{s: s, lp: lp, req: req, authHost: req.URL.Hostname()}
		for _, tc := range []struct {
			name string
			f    func()
		}{
			{"resolve", func() { _, _ = s.resolve(req) }},
			{"defaults", func() { _ = c.defaults(req) }},
			{"knownHost", func() { _ = lp.knownHost(req.URL.Host) }},
			{"head", func() {
				h := appendHead(lp.headBuf(), req.Method, req.URL.RequestURI(), req.URL.Host, nil)
				lp.putHead(append(h, s.defHeads[0].fields...))
			}},
			{"statusLine", func() { _ = statusLine(200, []byte("OK")) }},
			{"headerKey", func() { _ = headerKey([]byte("Content-Type")) }},
		} {
			if n := testing.AllocsPerRun(100, tc.f); n != 0 {
				t.Errorf("%s: %.1f allocations, want 0", tc.name, n)
			}
		}
	})
	<-done
}

// plaintext is what eddy's bench server answers to GET /plaintext.
const plaintext = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nHello, World!"

// cannedServer answers every request head it reads on 127.0.0.1 with resp,
// from a goroutine per connection that allocates nothing per request, so
// that an allocation count of the process is the client's.
func cannedServer(t *testing.T, resp string) string {
	addr, _ := rawServer(t, func(_ int, c net.Conn) {
		buf := make([]byte, 64<<10)
		out := []byte(resp)
		end := []byte("\r\n\r\n")
		pending := 0 // bytes of a head split across reads
		for {
			k, err := c.Read(buf[pending:])
			if err != nil {
				return
			}
			in := buf[:pending+k]
			used := 0
			for {
				i := bytes.Index(in[used:], end)
				if i < 0 {
					break
				}
				used += i + len(end)
				if _, err := c.Write(out); err != nil {
					return
				}
			}
			pending = copy(buf, in[used:])
		}
	})
	return addr
}

// TestStartViewAllocs: a GET sent with StartView on a pooled connection,
// its response seen in place, costs no allocation.
func TestStartViewAllocs(t *testing.T) {
	s := newSession(t, Config{DisableCompression: true})
	req, _ := NewRequest("GET", cannedServer(t, plaintext)+"/plaintext", nil)
	const n, inflight = 5000, 16
	if err := viewChain(s, req, n, inflight); err != nil { // dials the connections
		t.Fatal(err)
	}
	var err error
	per := testing.AllocsPerRun(3, func() { err = viewChain(s, req, n, inflight) }) / n
	if err != nil {
		t.Fatal(err)
	}
	// The chain's own channel and closures (about 10) are shared by the n
	// requests: one allocation per request would be n.
	if total := per * n; total > 20 {
		t.Errorf("StartView: %.0f allocations for %d requests (%.4f each), want 0 each", total, n, per)
	}
}
