package main

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/client"
	"github.com/eddy-go/eddy/eddytest"
)

// TestFetchConcurrent: n URLs that each take a delay are fetched in about one
// delay, not n (an eddy app stands in for httpbin's /get and /delay/{ms}).
func TestFetchConcurrent(t *testing.T) {
	app := eddy.New(eddy.Config{})
	app.Get("/get", func(c *eddy.Ctx) error { return c.JSON(map[string]string{"url": "/get"}) })
	app.Get("/delay/{ms}", func(c *eddy.Ctx) error {
		ms, _ := strconv.Atoi(c.Param("ms"))
		c.Defer()
		c.Loop().CallLater(time.Duration(ms)*time.Millisecond, func() { c.Text("slept") })
		return nil
	})
	srv := eddytest.New(t, app)
	sess, err := client.New(client.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close(context.Background())

	const n, delay = 8, 300 * time.Millisecond
	urls := []string{srv.URL + "/get"}
	for range n {
		urls = append(urls, srv.URL+"/delay/"+strconv.Itoa(int(delay/time.Millisecond)))
	}
	start := time.Now()
	lines := fetchAll(context.Background(), sess, urls)
	took := time.Since(start)
	for _, l := range lines {
		if !strings.Contains(l, ": 200 OK,") {
			t.Errorf("line %q", l)
		}
	}
	t.Logf("%d URLs of %v each in %v", n, delay, took)
	if took >= 3*delay {
		t.Errorf("took %v: not concurrent (%d x %v sequentially is %v)", took, n, delay, n*delay)
	}
}

func TestHTTPBinURLs(t *testing.T) {
	got := strings.Join(httpbinURLs("http://h/", 2, 1), " ")
	if want := "http://h/get http://h/delay/1 http://h/delay/1"; got != want {
		t.Errorf("%q, want %q", got, want)
	}
}
