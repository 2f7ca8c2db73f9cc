package main

import (
	"net"
	"net/http"
	"testing"

	"github.com/eddy-go/eddy/bench/peers/internal/wspeertest"
)

func TestWebSocketContract(t *testing.T) {
	wspeertest.Check(t, true, func(deflate bool) string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		srv := &http.Server{Handler: newHandler(deflate)}
		go srv.Serve(ln)
		t.Cleanup(func() { srv.Close() })
		return ln.Addr().String()
	})
}
