package eddy

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/eddy-go/eddy/internal/idleconns"
)

// TestAbuseBodyHeads: 2,000 connections each send a head announcing a
// 4 MiB body and then 100 bytes of it. Body buffers grow with what
// arrives, so the server's heap grows by a few KiB per connection, not by
// the 8 GiB announced; an honest 1 MiB upload made during the attack is
// still served.
func TestAbuseBodyHeads(t *testing.T) {
	const n, announced = 2000, 4 << 20
	idleconns.RaiseFDLimit(t, 2*n)
	var logs strings.Builder // written under slogTo's lock; read once the server is down
	app := New(Config{Loops: 2, Logger: slogTo(&logs)})
	t.Cleanup(func() { // registered before the shutdown, so run after it
		if logs.Len() != 0 {
			t.Errorf("the attack made the server log (want nothing at Info and above):\n%.2000s", logs.String())
		}
	})
	app.Post("/upload", func(c *Ctx) error { return c.Text(strconv.Itoa(len(c.BodyBytes()))) })
	if err := app.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = app.Shutdown(ctx)
	})
	addr := app.Addr().String()
	bytesIn := func() (sum int64) {
		for _, s := range app.srv.Stats() {
			sum += s.BytesIn
		}
		return sum
	}

	heap0, _ := idleconns.Mem()
	in0 := bytesIn()
	req := "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: " + strconv.Itoa(announced) + "\r\n\r\n" + strings.Repeat("a", 100)
	conns := make([]net.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	start := time.Now()
	for i := range n {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		conns = append(conns, c)
		_ = c.SetWriteDeadline(time.Now().Add(5 * time.Second))
		if _, err := c.Write([]byte(req)); err != nil {
			t.Fatalf("connection %d: write: %v", i, err)
		}
	}
	want := in0 + int64(n*len(req))
	deadline := time.Now().Add(20 * time.Second)
	for bytesIn() < want {
		if time.Now().After(deadline) {
			t.Fatalf("the server received %d of %d bytes", bytesIn()-in0, want-in0)
		}
		time.Sleep(5 * time.Millisecond)
	}
	sent := time.Since(start)
	heap1, rss1 := idleconns.Mem()
	grew := int64(heap1) - int64(heap0)

	// An honest upload still gets through.
	honest := strings.Repeat("h", 1<<20)
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	go func() {
		_, _ = c.Write([]byte("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: " + strconv.Itoa(len(honest)) + "\r\n\r\n" + honest))
	}()
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("honest upload: %v", err)
	}
	resp.Body.Close()

	t.Logf("%d heads announcing %d B + 100 B sent in %v: live heap %d -> %d B (%+.1f MiB, %.0f B per connection, %.1f MiB announced in all), RSS %.0f MiB; honest 1 MiB upload: %d",
		n, announced, sent.Round(time.Millisecond), heap0, heap1, float64(grew)/(1<<20), float64(grew)/n,
		float64(n)*announced/(1<<20), float64(rss1)/(1<<20), resp.StatusCode)
	if grew > 200<<20 {
		t.Fatalf("heap grew %.1f MiB for %d heads with 100 B each, want < 200 MiB", float64(grew)/(1<<20), n)
	}
	if resp.StatusCode != 200 {
		t.Fatalf("honest upload during the attack: %d, want 200", resp.StatusCode)
	}
}
