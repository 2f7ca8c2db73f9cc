package eddy_test

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/eddytest"
)

// TestStreamWriteWait: an on-loop handler streams 4 MiB from the job of
// Ctx.Go to a client reading through a small window: WriteWait waits for
// room (no ErrBackpressure reaches the job) and every byte arrives in
// order; a plain Write from the same place reports ErrBackpressure
// instead of blocking.
func TestStreamWriteWait(t *testing.T) {
	const pieces, size = 256, 16 << 10
	backpressure := make(chan bool, 1)
	app := eddy.New(eddy.Config{})
	produce := func(wait bool) eddy.Handler {
		return func(c *eddy.Ctx) error {
			var s *eddy.Stream
			return c.Go(func() error {
				var err error
				if s, err = c.Stream("application/octet-stream"); err != nil {
					return err
				}
				piece := make([]byte, size)
				sawBP := false
				for i := 0; i < pieces; i++ {
					for j := range piece {
						piece[j] = byte(i)
					}
					if wait {
						if _, err := s.WriteWait(piece); err != nil {
							return err
						}
						continue
					}
					for {
						_, err := s.Write(piece)
						if errors.Is(err, eddy.ErrBackpressure) {
							sawBP = true
							time.Sleep(time.Millisecond) // polling, as a caller without WriteWait must
							continue
						}
						if err != nil {
							return err
						}
						break
					}
				}
				backpressure <- sawBP
				return nil
			}, func(c *eddy.Ctx) error { return s.Close() })
		}
	}
	app.Get("/wait", produce(true))
	app.Get("/poll", produce(false))
	s := eddytest.New(t, app)
	for _, path := range []string{"/wait", "/poll"} {
		c, err := smallRecvDialer().Dial("tcp", s.Address)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		io.WriteString(c, "GET "+path+" HTTP/1.1\r\nHost: x\r\n\r\n")
		c.SetReadDeadline(time.Now().Add(30 * time.Second))
		resp, err := http.ReadResponse(newSlowReader(c), &http.Request{Method: "GET"})
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		if err != nil || len(body) != pieces*size {
			t.Fatalf("%s: %d bytes, %v", path, len(body), err)
		}
		for i := 0; i < pieces; i++ {
			if !bytes.Equal(body[i*size:(i+1)*size], bytes.Repeat([]byte{byte(i)}, size)) {
				t.Fatalf("%s: piece %d corrupted", path, i)
			}
		}
		if path == "/poll" && !<-backpressure {
			t.Errorf("/poll: Write never reported backpressure to a slow client")
		}
		if path == "/wait" {
			<-backpressure
		}
	}
}

// slowReader reads at most 8 KiB at a time, a millisecond apart: a client
// slower than the server writes.
type slowReader struct{ r io.Reader }

func (s slowReader) Read(p []byte) (int, error) {
	time.Sleep(time.Millisecond) // the slowness under test, not a synchronisation
	return s.r.Read(p[:min(len(p), 8<<10)])
}

func newSlowReader(r io.Reader) *bufio.Reader { return bufio.NewReaderSize(slowReader{r}, 8<<10) }
