package main

import (
	"net"
	"testing"

	"github.com/eddy-go/eddy/bench/peers/internal/wspeertest"
)

func TestWebSocketContract(t *testing.T) {
	wspeertest.Check(t, true, func(deflate bool) string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		// The listener stays open until the test binary exits: gws's RunListener retries a
		// failed Accept forever, so closing it would spin.
		go newServer(deflate).RunListener(ln)
		return ln.Addr().String()
	})
}
