package eddy_test

import (
	"bufio"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/eddytest"
)

// TestAbuseTrickledBody: a client announces a 1 MB body and sends one byte
// every 100 ms, which restarts any inactivity timeout forever. The minimum
// body rate (100 B/s after a 1 s grace here; 240 B/s after 5 s by default)
// cuts it with 408.
func TestAbuseTrickledBody(t *testing.T) {
	logger, _ := boundedLog(t, 0)
	app := eddy.New(eddy.Config{MinBodyRate: 100, BodyRateGrace: time.Second, Logger: logger})
	app.Post("/upload", func(c *eddy.Ctx) error { return c.Text("got it") })
	s := eddytest.New(t, app)
	c := s.Dial(t)
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	start := time.Now()
	if _, err := c.Write([]byte("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	sent := make(chan int, 1)
	stop := make(chan struct{})
	go func() {
		n := 0
		defer func() { sent <- n }()
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				if _, err := c.Write([]byte("x")); err != nil {
					return
				}
				n++
			}
		}
	}()
	resp, err := http.ReadResponse(bufio.NewReader(c), &http.Request{Method: "POST"})
	took := time.Since(start)
	close(stop)
	n := <-sent
	if err != nil {
		t.Fatalf("no answer after %v: %v", took, err)
	}
	b := new(strings.Builder)
	_, _ = bufio.NewReader(resp.Body).WriteTo(b)
	resp.Body.Close()
	t.Logf("trickled body (1 B / 100 ms): %d %q after %v, %d body bytes delivered", resp.StatusCode, strings.TrimSpace(b.String()), took.Round(time.Millisecond), n)
	if resp.StatusCode != 408 || !resp.Close {
		t.Fatalf("got %d close=%v, want 408 and close", resp.StatusCode, resp.Close)
	}
	// About 1.1 s on a quiet machine; the bound leaves room for a loaded
	// one (the unfixed server never cuts it: the read deadline fires).
	if took > 6*time.Second {
		t.Fatalf("cut after %v, want < 6 s (1 s grace, 100 B/s)", took)
	}
	expectClosed(t, c)
}
