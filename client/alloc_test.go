//go:build !race

package client

import (
	"testing"
)

// maxStartAllocs is Start's allocation budget per request on a keep-alive
// connection: the call (which holds the first exchange and the response),
// the cancel func Start returns, the response's Header (its map and its
// storage, one buffer for every value, one slice backing every field's
// values) and the body the response owns.
const maxStartAllocs = 7

// TestStartAllocs: a GET sent with Start on a pooled connection, its
// response delivered whole, costs at most maxStartAllocs allocations.
func TestStartAllocs(t *testing.T) {
	url := benchServer(t)
	s := newSession(t, Config{DisableCompression: true})
	req, _ := NewRequest("GET", url, nil)
	const n, inflight = 2000, 16
	if err := startChain(s, req, n, inflight); err != nil { // dials the connections
		t.Fatal(err)
	}
	var err error
	per := testing.AllocsPerRun(3, func() { err = startChain(s, req, n, inflight) }) / n
	if err != nil {
		t.Fatal(err)
	}
	if per > maxStartAllocs+0.5 { // the chain's own channel and closures, shared by n requests

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
