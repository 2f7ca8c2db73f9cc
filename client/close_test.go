package client

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// goroutines counts the goroutines, except the idle workers of gnet's
// process-wide goroutine pool (ants), which expire on their own 10 s after
// their last job whatever the session does.
func goroutines() int {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	count := 0
	for _, g := range strings.Split(string(buf), "\n\n") {
		if !strings.Contains(g, "panjf2000/ants/") {
			count++
		}
	}
	return count
}

func openFDs(t *testing.T) int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd")
	}
	return len(ents)
}

// TestCloseLeavesNothing: Close returns only once every connection is closed,
// and no goroutine or descriptor of the session outlives it, with requests in
// every state: idle, a body left unread, a request waiting for a slot, one
// waiting for its head.
func TestCloseLeavesNothing(t *testing.T) {
	release := make(chan struct{})
	ts := newHTTPServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/big":
			w.Write(make([]byte, 4<<20))
		case "/hang":
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}
	}))
	defer close(release)
	ts.Client().Get(ts.URL) // warm the server's goroutines up
	g0, fd0 := goroutines(), openFDs(t)

	s, err := New(Config{MaxConnsPerHost: 2})
	if err != nil {
		t.Fatal(err)
	}
	ctx := ctxT(t)
	resp, err := s.Get(ctx, ts.URL+"/") // idle afterwards
	if err != nil {
		t.Fatal(err)
	}
	resp.Close()
	unread, err := s.Get(ctx, ts.URL+"/big") // body never read nor closed
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 2)
	for range 2 { // one waits for its head, one waits for a slot
		go func() {
			_, err := s.Get(context.Background(), ts.URL+"/hang")
			errs <- err
		}()
	}
	waitFor(t, "a request queued for a slot", func() bool { return s.waiting.Load() == 1 })
	cctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	if err := s.Close(cctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("Close took %v", time.Since(start))
	for range 2 {
		if err := <-errs; !errors.Is(err, ErrClosed) {
			t.Errorf("request in flight at Close: %v, want ErrClosed", err)
		}
	}
	if _, err := io.ReadAll(unread.Body); err == nil {
		t.Error("an unread body read to a clean end after Close")
	}
	unread.Close()
	if _, err := s.Get(ctx, ts.URL); !errors.Is(err, ErrClosed) {
		t.Errorf("request after Close: %v", err)
	}
	if n := s.total.Load(); n != 0 {
		t.Errorf("%d connections counted after Close", n)
	}
	// The server's own goroutines for our connections end once it sees them close.
	waitFor(t, "goroutines and descriptors back to their start", func() bool {
		return goroutines() <= g0 && openFDs(t) <= fd0
	})
}
