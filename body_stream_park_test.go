package eddy_test

import (
	"io"
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/eddytest"
)

// TestStreamBodyHandlerPauseParks: a StreamBody handler that does not read
// for a while, under a client that sends as fast as it can, makes the
// connection park (leave the poller, so the kernel stops reading it and
// TCP's window closes): the client is held back by TCP, having written
// no more than the sockets' buffers hold, not cut off at MaxInbound (the
// default 1 MiB, well below the upload); once the handler reads, the
// connection resumes and the upload completes.
func TestStreamBodyHandlerPauseParks(t *testing.T) {
	const size = 64 << 20
	release := make(chan struct{})
	app := eddy.New(eddy.Config{})
	app.Post("/up", func(c *eddy.Ctx) error {
		<-release
		n, err := io.Copy(io.Discard, c.BodyReader())
		if err != nil {
			return err
		}
		return c.Text(strconv.FormatInt(n, 10))
	}, eddy.StreamBody, eddy.MaxBody(1<<30))
	s := eddytest.New(t, app)
	c := s.Dial(t)
	var written atomic.Int64
	sent := make(chan error, 1)
	go func() { sent <- sendBody(countWriter{c, &written}, size, false) }()
	defer func() {
		select {
		case <-release:
		default:
			close(release) // a failed check: let the handler go, so the server drains
		}
	}()

	// Wait until the connection parked and the client's writes stopped
	// moving (unchanged for 200 ms): TCP holds it back.
	deadline := time.Now().Add(20 * time.Second)
	last, still := int64(-1), 0
	for eddy.Parks(app) == 0 || still < 4 {
		select {
		case err := <-sent:
			if err != nil {
				t.Fatalf("the client was cut off after %d KiB: %v", written.Load()>>10, err)
			}
			t.Fatalf("the client wrote the whole upload while the handler did not read")
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("no park with the client held back within 20 s: %d parks, %d bytes written", eddy.Parks(app), written.Load())
		}
		if n := written.Load(); n == last {
			still++
		} else {
			last, still = n, 0
		}
	}
	t.Logf("held back after %d KiB of %d KiB, %d parks", last>>10, size>>10, eddy.Parks(app))
	if last >= size/2 {
		t.Errorf("the client wrote %d KiB of %d KiB while the handler did not read", last>>10, size>>10)
	}

	close(release)
	c.SetReadDeadline(time.Now().Add(time.Minute))
	resp, err := http.ReadResponse(c.Reader(), &http.Request{Method: "POST"})
	if err != nil {
		t.Fatalf("after the handler read: %v (the client's writes: %v)", err, <-sent)
	}
	b, _ := io.ReadAll(resp.Body)
	if err := <-sent; err != nil {
		t.Fatalf("the client's writes failed: %v", err)
	}
	if resp.StatusCode != 200 || string(b) != strconv.Itoa(size) {
		t.Fatalf("upload: %d %q, want 200 %d", resp.StatusCode, b, size)
	}
}

// countWriter counts what its writes took.
type countWriter struct {
	w io.Writer
	n *atomic.Int64
}

func (w countWriter) Write(p []byte) (int, error) {
	n, err := w.w.Write(p)
	w.n.Add(int64(n))
	return n, err
}

// sendBody writes a POST /up of size zero bytes to w as fast as w takes
// them: with a Content-Length, or chunked in 256 KiB chunks.
func sendBody(w io.Writer, size int64, chunked bool) error {
	head := "POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: " + strconv.FormatInt(size, 10) + "\r\n\r\n"
	if chunked {
		head = "POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
	}
	if _, err := io.WriteString(w, head); err != nil {
		return err
	}
	buf := make([]byte, 256<<10, 256<<10+2) // room for a chunk's CRLF
	for sent := int64(0); sent < size; {
		n := int(min(int64(len(buf)), size-sent))
		p := buf[:n]
		if chunked {
			if _, err := io.WriteString(w, strconv.FormatInt(int64(n), 16)+"\r\n"); err != nil {
				return err
			}
			p = append(p, "\r\n"...)
		}
		if _, err := w.Write(p); err != nil {
			return err
		}
		sent += int64(n)
	}
	if chunked {
		_, err := io.WriteString(w, "0\r\n\r\n")
		return err
	}
	return nil
}
