package eddy

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// xorEncoder is a BodyEncoder that changes every byte (x ^ 0x5a), so a body
// that skipped the encoder shows.
var xorEncoder = &BodyEncoder{Open: func(dst io.Writer) EncodeWriter { return &xorWriter{dst: dst} }}

type xorWriter struct{ dst io.Writer }

func (w *xorWriter) Write(p []byte) (int, error) {
	q := make([]byte, len(p))
	for i, b := range p {
		q[i] = b ^ 0x5a
	}
	return w.dst.Write(q)
}
func (w *xorWriter) Flush() error { return nil }
func (w *xorWriter) Close() error { return nil }

// A file larger than what File reads whole is sent with sendfile(2) by an
// on-loop handler (LoopStats.FileBytes counts its bytes), whole or a
// range, and pipelined responses keep their order around it; HEAD sends no
// body; an encoded body (EncodeBody, as Compress does) and an InPool
// handler copy the bytes instead, and the encoded one is really encoded.
func TestFileSendfile(t *testing.T) {
	const size = 1<<20 + 123
	data := make([]byte, size)
	for i := range data {
		data[i] = byte(i*7 + i>>11)
	}
	path := filepath.Join(t.TempDir(), "big.bin")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	xored := make([]byte, size)
	for i, b := range data {
		xored[i] = b ^ 0x5a
	}
	app := New(Config{Loops: 1})
	app.Get("/f", func(c *Ctx) error { return c.File(path) })
	app.Get("/pool", func(c *Ctx) error { return c.File(path) }, InPool)
	app.Get("/enc", func(c *Ctx) error {
		c.OnPrepare(func(c *Ctx) {
			c.SetHeader("Content-Encoding", "xor")
			c.EncodeBody(xorEncoder)
		})
		return c.File(path)
	})
	app.Get("/small", func(c *Ctx) error { return c.Text("small") })
	if err := app.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = app.Shutdown(ctx)
	})
	fileBytes := func() int64 { return app.srv.Stats()[0].FileBytes }
	type answer struct {
		status int
		body   []byte
	}
	cases := []struct {
		name     string
		reqs     string   // pipelined, on one connection
		want     []answer // in order
		sendfile int64    // FileBytes added
	}{
		{"whole", "GET /f HTTP/1.1\r\nHost: x\r\n\r\n", []answer{{200, data}}, size},
		{"range", "GET /f HTTP/1.1\r\nHost: x\r\nRange: bytes=1000-700000\r\n\r\n", []answer{{206, data[1000:700001]}}, 699001},
		{"pipelined", "GET /small HTTP/1.1\r\nHost: x\r\n\r\nGET /f HTTP/1.1\r\nHost: x\r\n\r\nGET /small HTTP/1.1\r\nHost: x\r\n\r\nGET /f HTTP/1.1\r\nHost: x\r\nRange: bytes=-5000\r\n\r\nGET /small HTTP/1.1\r\nHost: x\r\n\r\n",
			[]answer{{200, []byte("small")}, {200, data}, {200, []byte("small")}, {206, data[size-5000:]}, {200, []byte("small")}}, -1},
		{"head", "HEAD /f HTTP/1.1\r\nHost: x\r\n\r\n", []answer{{200, nil}}, 0},
		{"encoded", "GET /enc HTTP/1.1\r\nHost: x\r\n\r\n", []answer{{200, xored}}, 0},
		{"in pool", "GET /pool HTTP/1.1\r\nHost: x\r\n\r\n", []answer{{200, data}}, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := fileBytes()
			cl, err := net.DialTimeout("tcp", app.Addr().String(), 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			defer cl.Close()
			_ = cl.SetDeadline(time.Now().Add(20 * time.Second))
			if _, err := cl.Write([]byte(tc.reqs)); err != nil {
				t.Fatal(err)
			}
			br := bufio.NewReader(cl)
			for i, w := range tc.want {
				req, _ := readRequestFor(tc.reqs, i)
				resp, err := readResponse(br, req)
				if err != nil {
					t.Fatalf("response %d: %v", i, err)
				}
				if resp.status != w.status || !bytes.Equal(resp.body, w.body) {
					t.Fatalf("response %d: status %d, %d body bytes (equal: %v); want %d, %d bytes",
						i, resp.status, len(resp.body), bytes.Equal(resp.body, w.body), w.status, len(w.body))
				}
			}
			// The loop adds a sendfile's bytes to FileBytes when the call
			// returns, which can be after the client read them all: one more
			// round trip on the same connection (the same loop) is served
			// only after that, so the count is whole before it is read.
			if _, err := cl.Write([]byte("GET /small HTTP/1.1\r\nHost: x\r\n\r\n")); err != nil {
				t.Fatal(err)
			}
			if resp, err := readResponse(br, "GET"); err != nil || string(resp.body) != "small" {
				t.Fatalf("the round trip after: %q, %v", resp.body, err)
			}
			// A pump whose sendfile is refused (the connection above its high
			// water mark at that moment) copies a piece instead, so on a busy
			// machine only part of a body may go by sendfile: the bodies above
			// are exact, the counts are bounds. The whole file must use it at
			// least in part; answers that must not use it, never.
			got := fileBytes() - before
			switch {
			case tc.sendfile < 0 && got <= 0: // pipelined
				t.Fatalf("FileBytes grew by %d, want some", got)
			case tc.sendfile == 0 && got != 0:
				t.Fatalf("FileBytes grew by %d, want 0", got)
			case tc.sendfile > 0 && got > tc.sendfile:
				t.Fatalf("FileBytes grew by %d, more than the body's %d", got, tc.sendfile)
			case tc.name == "whole" && got == 0:
				t.Fatal("FileBytes did not grow: the whole file was copied")
			}
			t.Logf("%d of the body's bytes went by sendfile", got)
		})
	}
}

// readRequestFor returns the method of the i-th pipelined request in reqs.
func readRequestFor(reqs string, i int) (string, bool) {
	for _, line := range bytes.Split([]byte(reqs), []byte("\r\n\r\n")) {
		if len(line) == 0 {
			continue
		}
		if i == 0 {
			m, _, _ := bytes.Cut(line, []byte(" "))
			return string(m), true
		}
		i--
	}
	return "", false
}

type rawResponse struct {
	status int
	body   []byte
}

// readResponse reads one response for a request of method: its status and
// body (Content-Length or chunked).
func readResponse(br *bufio.Reader, method string) (rawResponse, error) {
	var r rawResponse
	line, err := br.ReadString('\n')
	if err != nil {
		return r, err
	}
	if len(line) < 12 {
		return r, io.ErrUnexpectedEOF
	}
	r.status, _ = strconv.Atoi(line[9:12])
	clen, chunked := int64(-1), false
	for {
		h, err := br.ReadString('\n')
		if err != nil {
			return r, err
		}
		if h == "\r\n" {
			break
		}
		name, value, _ := bytes.Cut([]byte(h), []byte(":"))
		value = bytes.TrimSpace(value)
		switch string(bytes.ToLower(name)) {
		case "content-length":
			clen, _ = strconv.ParseInt(string(value), 10, 64)
		case "transfer-encoding":
			chunked = string(value) == "chunked"
		}
	}
	switch {
	case method == "HEAD":
	case chunked:
		for {
			h, err := br.ReadString('\n')
			if err != nil {
				return r, err
			}
			n, err := strconv.ParseInt(string(bytes.TrimSpace([]byte(h))), 16, 64)
			if err != nil {
				return r, err
			}
			if n == 0 {
				_, err = br.ReadString('\n')
				return r, err
			}
			chunk := make([]byte, n+2)
			if _, err := io.ReadFull(br, chunk); err != nil {
				return r, err
			}
			r.body = append(r.body, chunk[:n]...)
		}
	case clen >= 0:
		r.body = make([]byte, clen)
		_, err = io.ReadFull(br, r.body)
	}
	return r, err
}

// A file whose pages are not in the page cache (dropped with fsync and
// POSIX_FADV_DONTNEED) is never read from the disk by the loop's sendfile,
// whether Static's cache keeps it open or File opens it: each piece is read
// into the page cache in the pool first (LoopStats.FileWarms), and the body
// is exact.
func TestSendfileColdFile(t *testing.T) {
	const size = 3<<20 + 77
	data := make([]byte, size)
	for i := range data {
		data[i] = byte(i*13 + i>>9)
	}
	dir := t.TempDir()
	for _, name := range []string{"static.bin", "file.bin"} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	app := New(Config{Loops: 1})
	app.Static("/s", dir, StaticOptions{Revalidate: time.Hour})
	app.Get("/f", func(c *Ctx) error { return c.File(filepath.Join(dir, "file.bin")) })
	if err := app.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = app.Shutdown(ctx)
	})
	get := func(t *testing.T, target string) {
		t.Helper()
		cl, err := net.DialTimeout("tcp", app.Addr().String(), 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer cl.Close()
		_ = cl.SetDeadline(time.Now().Add(20 * time.Second))
		if _, err := cl.Write([]byte("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n")); err != nil {
			t.Fatal(err)
		}
		resp, err := readResponse(bufio.NewReader(cl), "GET")
		if err != nil || resp.status != 200 || !bytes.Equal(resp.body, data) {
			t.Fatalf("GET %s: %v, status %d, %d body bytes (equal: %v)", target, err, resp.status, len(resp.body), bytes.Equal(resp.body, data))
		}
	}
	for _, tc := range []struct{ target, file string }{{"/s/static.bin", "static.bin"}, {"/f", "file.bin"}} {
		t.Run(tc.target, func(t *testing.T) {
			target := tc.target
			// Dropped before any request: pages a socket still references
			// (sent with sendfile) cannot be dropped for a while after.
			dropPages(t, filepath.Join(dir, tc.file), size)
			before := app.srv.Stats()[0]
			get(t, target)
			after := app.srv.Stats()[0]
			if after.FileWarms == before.FileWarms {
				t.Fatal("FileWarms did not grow: the loop's sendfile read the cold file")
			}
			if after.FileBytes == before.FileBytes {
				t.Fatal("FileBytes did not grow: the file was not sent with sendfile")
			}
			t.Logf("%d pieces read in the pool, %d bytes by sendfile", after.FileWarms-before.FileWarms, after.FileBytes-before.FileBytes)
		})
	}
}

// dropPages drops the file's pages from the page cache (fsync, then
// POSIX_FADV_DONTNEED) and checks that none is left. It skips the test on a
// file system without a disk behind it (tmpfs), where pages cannot be
// dropped.
func dropPages(t *testing.T, path string, size int64) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var sfs unix.Statfs_t
	if err := unix.Fstatfs(int(f.Fd()), &sfs); err != nil {
		t.Fatal(err)
	}
	// Compared as uint32: Statfs_t.Type is an int32 on 32-bit Linux, where
	// RAMFS_MAGIC (0x858458f6) overflows it.
	if fs := uint32(sfs.Type); fs == unix.TMPFS_MAGIC || fs == unix.RAMFS_MAGIC {
		t.Skipf("%s is on a file system without a disk behind it: its pages cannot be dropped", path)
	}
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	if err := unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED); err != nil {
		t.Fatal(err)
	}
	var cs unix.Cachestat_t
	if err := unix.Cachestat(uint(f.Fd()), &unix.CachestatRange{Len: uint64(size)}, &cs, 0); err != nil {
		t.Fatal(err)
	}
	if cs.Cache != 0 {
		t.Fatalf("%d pages still in the page cache after fsync and POSIX_FADV_DONTNEED", cs.Cache)
	}
}
