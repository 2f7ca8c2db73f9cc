package eddy_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"os"
	"path/filepath"
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
