package eddy_test

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/eddytest"
)

// halfCloseBody is the body every half-close route answers with: n bytes of a
// pattern the client checks.
func halfCloseBody(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = 'a' + byte(i%26)
	}
	return b
}

// halfCloseApp answers GET /{placement}/{n} with n bytes from the given
// placement: on the loop, in the pool, deferred to a timer, or streamed (from
// the pool, in 64 KiB pieces), logging to logger (nil: slog.Default()).
func halfCloseApp(logger *slog.Logger) *eddy.App {
	app := eddy.New(eddy.Config{Loops: 1, Logger: logger})
	size := func(c *eddy.Ctx) int { n, _ := strconv.Atoi(c.Param("n")); return n }
	app.Get("/loop/{n}", func(c *eddy.Ctx) error {
		return c.Blob("application/octet-stream", halfCloseBody(size(c)))
	})
	app.Get("/pool/{n}", func(c *eddy.Ctx) error {
		return c.Blob("application/octet-stream", halfCloseBody(size(c)))
	}, eddy.InPool)
	app.Get("/deferred/{n}", func(c *eddy.Ctx) error {
		c.Defer()
		c.Loop().CallLater(30*time.Millisecond, func() {
			_ = c.Blob("application/octet-stream", halfCloseBody(size(c)))
		})
		return nil
	})
	app.Get("/stream/{n}", func(c *eddy.Ctx) error {
		b := halfCloseBody(size(c))
		st, err := c.Stream("application/octet-stream")
		if err != nil {
			return err
		}
		for len(b) > 0 {
			k := min(len(b), 64<<10)
			if _, err := st.Write(b[:k]); err != nil {
				return err
			}
			b = b[k:]
		}
		return st.Close()
	}, eddy.InPool)
	return app
}

// fetchHalfClosed sends one request, shuts down its write side at once (as
// HTTP/1.0 tools and nc -N do), then reads slowly-buffered (a 32 KiB receive
// buffer) until EOF. It returns the body bytes that matched, and an error
// unless the whole response came, followed by EOF.
func fetchHalfClosed(addr, path string, n int) (got int, err error) {
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return 0, err
	}
	defer nc.Close()
	c := nc.(*net.TCPConn)
	_ = c.SetReadBuffer(32 << 10)
	_ = c.SetDeadline(time.Now().Add(60 * time.Second))
	if _, err := fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", path); err != nil {
		return 0, err
	}
	if err := c.CloseWrite(); err != nil {
		return 0, err
	}
	r, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return 0, fmt.Errorf("no response head: %v", err)
	}
	body, err := io.ReadAll(r.Body) // decoded: chunked streams too
	want := halfCloseBody(n)
	for got < len(body) && got < len(want) && body[got] == want[got] {
		got++
	}
	switch {
	case err != nil:
		return got, fmt.Errorf("body: %v", err)
	case got != n || len(body) != n:
		return got, fmt.Errorf("body: %d of %d bytes right (%d read)", got, n, len(body))
	}
	if k, err := c.Read(make([]byte, 1)); k != 0 || err != io.EOF {
		return got, fmt.Errorf("no EOF after the response: %d bytes, %v", k, err)
	}
	return got, nil
}

// A client that half-closes after its request gets the whole response, then
// EOF, from every placement (gnet alone closed at the client's EOF and cut
// what the kernel had not taken).
func TestHalfClosedClientGetsWholeResponse(t *testing.T) {
	s := eddytest.New(t, halfCloseApp(nil))
	addr := s.App.Addr().String()
	for _, tc := range []struct {
		place string
		n     int
	}{
		{"loop", 10 << 20},
		{"loop", 32 << 20},
		{"pool", 10 << 20},
		{"deferred", 10 << 20},
		{"stream", 10 << 20},
	} {
		got, err := fetchHalfClosed(addr, fmt.Sprintf("/%s/%d", tc.place, tc.n), tc.n)
		if err != nil {
			t.Errorf("%s %d: %d bytes delivered: %v", tc.place, tc.n, got, err)
		}
	}
}
