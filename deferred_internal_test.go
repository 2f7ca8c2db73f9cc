package eddy

import (
	"context"
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// TestGoThenAbandon: when the request ends while its job runs (Release
// makes every Ctx of it stale: the test does what Release does to the
// generation), the job's done step runs abandon instead of h, so what the
// job took (an open file and its slot, for File and Static) is given
// back; before, a request released during the job kept a response file
// slot for good.
func TestGoThenAbandon(t *testing.T) {
	release := make(chan struct{})
	var releaseOnce sync.Once
	defer releaseOnce.Do(func() { close(release) })
	abandoned := make(chan struct{})
	served := make(chan struct{}, 1)
	started := make(chan *Ctx, 1)
	app := New(Config{})
	app.Get("/slow", func(c *Ctx) error {
		err := c.goThen(func() error {
			<-release
			return nil
		}, func(c *Ctx) error {
			served <- struct{}{}
			return c.Text("late")
		}, func() { close(abandoned) })
		started <- c
		return err
	})
	if err := app.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = app.Shutdown(ctx) // the abandoned request never answers: do not wait long for it
	}()
	conn, err := net.Dial("tcp", app.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	c := <-started
	c.generation.Add(1) // the request ends while the job runs
	releaseOnce.Do(func() { close(release) })
	select {
	case <-abandoned:
	case <-time.After(10 * time.Second):
		t.Fatal("abandon never ran after the request ended during the job")
	}
	select {
	case <-served:
		t.Fatal("h ran for a request that had ended")
	default:
	}
}
