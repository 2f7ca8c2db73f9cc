package h1

import (
	"errors"
	"io"
	"net/http"
	"testing"

	"github.com/eddy-go/eddy/loop"
)

// TestStreamAbort: an aborted stream sends what was written, no last
// chunk, and closes the connection (a request pipelined behind it gets
// nothing), on the loop and in the pool.
func TestStreamAbort(t *testing.T) {
	for _, pool := range []string{"0", "1"} {
		ts := startServer(t, Config{}, loop.Config{})
		cl := ts.dial(t)
		cl.send(get("/stream?n=2&abort=1&pool="+pool) + get("/plain"))
		resp, err := http.ReadResponse(cl.br, &http.Request{Method: "GET"})
		if err != nil {
			t.Fatalf("pool=%s: %v", pool, err)
		}
		b, err := io.ReadAll(resp.Body)
		if !errors.Is(err, io.ErrUnexpectedEOF) || string(b) != "chunk 0\nchunk 1\n" {
			t.Errorf("pool=%s: body %q, error %v; want the two chunks, then io.ErrUnexpectedEOF", pool, b, err)
		}
		cl.expectEOF()
	}
}
