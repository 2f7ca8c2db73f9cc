//go:build !race

package client

import (
	"bytes"
	"net"
	"testing"
)

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
	url := cannedServer(t, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nHello, World!") + "/plaintext"
	s := newSession(t, Config{DisableCompression: true})
	req, _ := NewRequest("GET", url, nil)
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
