// The race detector reports a data race inside nbio v1.6.8 itself (its accept goroutine
// writes a connection's address that its poller goroutine reads in OnComplete, an edge nbio
// hides from the detector with go:norace), so this test runs without -race.

//go:build !race

package main

import (
	"net"
	"testing"

	"github.com/eddy-go/eddy/bench/peers/internal/wspeertest"
)

func TestWebSocketContract(t *testing.T) {
	wspeertest.Check(t, true, func(deflate bool) string {
		var addr string
		listen := func(network, a string) (net.Listener, error) {
			ln, err := net.Listen(network, a)
			if err == nil {
				addr = ln.Addr().String()
			}
			return ln, err
		}
		e := newEngine("127.0.0.1:0", deflate, listen)
		if err := e.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(e.Stop)
		return addr
	}, "empty text echo") // nbio's WriteMessage sends nothing for an empty message
}
