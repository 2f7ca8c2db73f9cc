package eddy_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/eddytest"
)

// TestAbuseOpenFiles: clients that ask for large files on many connections
// at once and read nothing make the server hold one open file per response
// being sent (Ctx.File and an uncached Static open one each; a Static's
// cache shares its own, a reference per response). Those are bounded in
// the whole process (half the descriptor limit by default; 8 here): past
// the bound a file response answers 503 instead of opening one more, the
// descriptors open on the file stay within it, and every slot is given back once the
// clients read, or go away. Unbounded, 12 connections pipelining 2 requests each held
// 24 files open (Ctx.File, uncached Static), one per response, with no
// limit but the process's own.
func TestAbuseOpenFiles(t *testing.T) {
	const (
		limit   = 8
		conns   = 12
		perConn = 2
		size    = 8 << 20 // more than the sockets' buffers take
	)
	restore := eddy.SetResponseFileLimit(limit)
	defer restore()
	dir := t.TempDir()
	big := filepath.Join(dir, "big")
	if err := os.WriteFile(big, make([]byte, size), 0o600); err != nil {
		t.Fatal(err)
	}
	routes := []string{"/file", "/uncached/big", "/cached/big"}
	logger, logs := boundedLog(t, len(routes)*(conns*perConn+limit)) // one line a request at most
	app := eddy.New(eddy.Config{Loops: 1, Logger: logger})
	app.Get("/file", func(c *eddy.Ctx) error { return c.File(big) })
	app.Static("/uncached", dir, eddy.StaticOptions{CacheFiles: -1})
	app.Static("/cached", dir, eddy.StaticOptions{})
	s := eddytest.New(t, app)
	addr := s.App.Addr().String()
	// bigOpen counts the descriptors open on the file, exactly (the
	// process's other descriptors come and go with other tests).
	bigOpen := func() int {
		ents, err := os.ReadDir("/proc/self/fd")
		if err != nil {
			t.Skip("no /proc/self/fd")
		}
		n := 0
		for _, e := range ents {
			if target, err := os.Readlink(filepath.Join("/proc/self/fd", e.Name())); err == nil && target == big {
				n++
			}
		}
		return n
	}
	refused := func() int { return strings.Count(logs.String(), "too many files open for responses") }
	for _, route := range routes {
		refused0 := refused()
		var cs []net.Conn
		for range conns {
			c, err := smallRecvDialer().Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			cs = append(cs, c)
			if _, err := io.WriteString(c, strings.Repeat("GET "+route+" HTTP/1.1\r\nHost: x\r\n\r\n", perConn)); err != nil {
				t.Fatal(err)
			}
		}
		// Every connection's first response holds a file or was refused.
		deadline := time.Now().Add(20 * time.Second)
		for eddy.ResponseFilesOpen() < limit || refused()-refused0 < conns-limit {
			if time.Now().After(deadline) {
				t.Fatalf("%s: %d files open, %d refused; want %d open, at least %d refused", route, eddy.ResponseFilesOpen(), refused()-refused0, limit, conns-limit)
			}
			time.Sleep(5 * time.Millisecond)
		}
		held, open := bigOpen(), eddy.ResponseFilesOpen()
		t.Logf("%s: %d connections that do not read: %d descriptors open on the file, %d files held for responses (bound %d), %d refused", route, conns, held, open, limit, refused()-refused0)
		if open > limit || held > limit+1 { // +1: the cache's own
			t.Errorf("%s: %d files held for responses, %d descriptors on the file; want at most %d and %d", route, open, held, limit, limit+1)
		}
		var ok, unavailable int
		for i, c := range cs {
			br := bufio.NewReader(c)
			for range perConn {
				resp, err := http.ReadResponse(br, nil)
				if err != nil {
					t.Fatalf("%s: connection %d: %v", route, i, err)
				}
				n, err := io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				switch {
				case err != nil:
					t.Fatalf("%s: connection %d: body: %v", route, i, err)
				case resp.StatusCode == 200 && n == size:
					ok++
				case resp.StatusCode == 503:
					unavailable++
				default:
					t.Fatalf("%s: connection %d: %d with %d bytes", route, i, resp.StatusCode, n)
				}
			}
		}
		t.Logf("%s: %d answered whole, %d with 503", route, ok, unavailable)
		if ok < limit || unavailable < conns-limit {
			t.Errorf("%s: %d whole, %d refused; want at least %d and %d", route, ok, unavailable, limit, conns-limit)
		}
		waitUntil(t, 10*time.Second, "every file slot back", func() bool { return eddy.ResponseFilesOpen() == 0 })

		// Clients that go away without reading give their slots back too.
		cs = cs[:0]
		for range limit {
			c, err := smallRecvDialer().Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			cs = append(cs, c)
			if _, err := io.WriteString(c, "GET "+route+" HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
				t.Fatal(err)
			}
		}
		waitUntil(t, 10*time.Second, "the bound reached again", func() bool { return eddy.ResponseFilesOpen() == limit })
		for _, c := range cs {
			c.Close()
		}
		waitUntil(t, 10*time.Second, "every slot back after the clients left", func() bool { return eddy.ResponseFilesOpen() == 0 })
	}
}
