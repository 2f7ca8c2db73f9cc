package eddy_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/eddytest"
)

// TestStreamBodyMultipart: a multipart upload, sent chunked in small
// pieces, is read part by part while it arrives, its files written to
// disk; a buffered route reads the same body through BodyReader too.
func TestStreamBodyMultipart(t *testing.T) {
	dir := t.TempDir()
	// A loopback client outruns a handler writing to disk on a busy
	// machine: room for the lag (the socket cannot be left unread).
	app := eddy.New(eddy.Config{MaxInbound: 32 << 20})
	upload := func(c *eddy.Ctx) error {
		mr, err := c.MultipartReader()
		if err != nil {
			return err
		}
		var out []string
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				return eddy.ErrBadRequest.Wrap(err)
			}
			if p.FileName() == "" {
				v, _ := io.ReadAll(p)
				out = append(out, p.FormName()+"="+string(v))
				continue
			}
			f, err := os.Create(filepath.Join(dir, filepath.Base(p.FileName())))
			if err != nil {
				return err
			}
			h := sha256.New()
			n, err := io.Copy(f, io.TeeReader(p, h))
			f.Close()
			if err != nil {
				return err
			}
			out = append(out, fmt.Sprintf("%s:%d:%s", p.FileName(), n, hex.EncodeToString(h.Sum(nil))[:12]))
		}
		return c.Text(strings.Join(out, " "))
	}
	app.Post("/up", upload, eddy.StreamBody, eddy.MaxBody(64<<20))
	app.Post("/buffered", upload)
	s := eddytest.New(t, app)

	big := bytes.Repeat([]byte("eddy!"), 600<<10) // 3 MiB
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("title", "two files")
	fw, _ := mw.CreateFormFile("a", "big.bin")
	fw.Write(big)
	fw, _ = mw.CreateFormFile("b", "small.txt")
	fw.Write([]byte("small"))
	mw.Close()
	sum := func(b []byte) string { h := sha256.Sum256(b); return hex.EncodeToString(h[:])[:12] }
	want := fmt.Sprintf("title=two files big.bin:%d:%s small.txt:5:%s", len(big), sum(big), sum([]byte("small")))

	for _, path := range []string{"/up", "/buffered"} {
		c := s.Dial(t)
		head := "POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Type: " + mw.FormDataContentType() + "\r\nTransfer-Encoding: chunked\r\n\r\n"
		go func() {
			io.WriteString(c, head)
			b := body.Bytes()
			for len(b) > 0 {
				n := min(len(b), 50000)
				fmt.Fprintf(c, "%x\r\n%s\r\n", n, b[:n])
				b = b[n:]
			}
			io.WriteString(c, "0\r\n\r\n")
		}()
		if r := c.ReadResponse(t, "POST"); r.Status != 200 || r.Text() != want {
			t.Errorf("%s: %d %q\nwant %q", path, r.Status, r.Text(), want)
		}
	}
	if got, err := os.ReadFile(filepath.Join(dir, "big.bin")); err != nil || !bytes.Equal(got, big) {
		t.Errorf("big.bin on disk: %d bytes, %v", len(got), err)
	}
	// Not multipart: 415.
	if r := s.Post(t, "/up", "text/plain", []byte("x")); r.Status != 415 {
		t.Errorf("text/plain to /up: %d", r.Status)
	}
}

// TestStreamBodySlowClient: a client that stops sending half way through a
// streamed upload gets 408 after BodyTimeout; the handler's read fails.
func TestStreamBodySlowClient(t *testing.T) {
	readErr := make(chan error, 1)
	app := eddy.New(eddy.Config{BodyTimeout: 200 * time.Millisecond})
	app.Post("/up", func(c *eddy.Ctx) error {
		_, err := io.Copy(io.Discard, c.BodyReader())
		readErr <- err
		return err
	}, eddy.StreamBody)
	s := eddytest.New(t, app)
	c := s.Dial(t)
	c.Send(t, "POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n"+strings.Repeat("x", 5000))
	if r := c.ReadResponse(t, "POST"); r.Status != 408 {
		t.Errorf("status %d %q, want 408", r.Status, r.Text())
	}
	select {
	case err := <-readErr:
		if !errors.Is(err, eddy.ErrBodyIncomplete) || !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("the handler's read: %v, want ErrBodyIncomplete", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the handler's read did not return")
	}
}

// TestStreamBodyHandlerStops: a handler that stops reading does not make
// the server buffer the upload: it takes at most its pipe and
// Config.MaxInbound, then cuts the connection; the handler's read fails.
func TestStreamBodyHandlerStops(t *testing.T) {
	release := make(chan struct{})
	readErr := make(chan error, 1)
	app := eddy.New(eddy.Config{MaxInbound: 256 << 10})
	app.Post("/up", func(c *eddy.Ctx) error {
		<-release
		_, err := io.Copy(io.Discard, c.BodyReader())
		readErr <- err
		return err
	}, eddy.StreamBody, eddy.MaxBody(1<<30))
	s := eddytest.New(t, app)
	c, err := net.Dial("tcp", s.Address)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	const size = 256 << 20
	sent := make(chan int64, 1)
	go func() {
		io.WriteString(c, "POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: "+strconv.Itoa(size)+"\r\n\r\n")
		n, _ := io.Copy(c, io.LimitReader(zeros{}, size))
		sent <- n
	}()
	var n int64
	select {
	case n = <-sent: // the server cut the connection: the writes failed
	case <-time.After(20 * time.Second):
		t.Fatal("the server kept taking the upload of a handler that does not read")
	}
	close(release)
	if n >= size {
		t.Errorf("the whole upload (%d bytes) was taken while the handler did not read", n)
	}
	t.Logf("the client got %d KiB out before the server cut it off", n>>10)
	select {
	case err := <-readErr:
		if !errors.Is(err, eddy.ErrBodyIncomplete) || !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("the handler's read: %v, want ErrBodyIncomplete", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the handler's read did not return")
	}
}

// zeros is an endless reader of zero bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}
