package client

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	gws "github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
)

// TestWSSPeerNeverReads: a wss:// server that takes none of our output ends
// the WebSocket after WSOptions.WriteTimeout with ErrWSWriteStall, and the
// bridge's goroutines end with it (they were held forever: the copy to the
// TLS connection blocked in a write without deadline, and the session's
// Close waited for it); the session's Close still closes a wss:// WebSocket
// whose server reads with 1001, and nothing outlives the session.
func TestWSSPeerNeverReads(t *testing.T) {
	closed := make(chan int, 1)
	release := make(chan struct{})
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _, _, err := gws.UpgradeHTTP(r, w)
		if err != nil {
			return
		}
		defer c.Close()
		if r.URL.Path == "/silent" {
			<-release // holds the connection and reads nothing
			return
		}
		for {
			if _, _, err := wsutil.ReadClientData(c); err != nil {
				var ce wsutil.ClosedError
				if errors.As(err, &ce) {
					closed <- int(ce.Code)
				}
				return
			}
		}
	}))
	ts.StartTLS()
	t.Cleanup(ts.Close)
	var once sync.Once
	free := func() { once.Do(func() { close(release) }) }
	t.Cleanup(free) // before ts.Close, should the test end early
	base := "wss" + strings.TrimPrefix(ts.URL, "https")
	g0, fd0 := goroutines(), openFDs(t)

	s, err := New(Config{TLS: ts.Client().Transport.(*http.Transport).TLSClientConfig})
	if err != nil {
		t.Fatal(err)
	}
	reader := dialWS(t, s, base+"/reader", nil)
	const wt = 300 * time.Millisecond
	silent := dialWS(t, s, base+"/silent", &WSOptions{WriteTimeout: wt, MaxOutbound: 64 << 20})
	if err := silent.SendBytes(make([]byte, 16<<20)); err != nil { // far more than the sockets' buffers hold
		t.Fatal(err)
	}
	start := time.Now()
	_, err = silent.Receive(ctxT(t))
	t.Logf("a server that reads nothing: %v after %v", err, time.Since(start).Round(time.Millisecond))
	if !errors.Is(err, ErrWSWriteStall) || silent.CloseCode() != 1006 {
		t.Fatalf("Receive: %v, code %d; want ErrWSWriteStall, 1006", err, silent.CloseCode())
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Close(ctx); err != nil {
		t.Fatalf("session Close: %v", err)
	}
	if _, err := reader.Receive(ctx); !errors.Is(err, ErrWSClosed) || reader.CloseCode() != 1001 {
		t.Errorf("after the session's Close: %v, code %d; want 1001", err, reader.CloseCode())
	}
	if code := <-closed; code != 1001 {
		t.Errorf("the reading server saw close %d, want 1001", code)
	}
	free()
	ts.CloseClientConnections()
	waitFor(t, "goroutines and descriptors back to their start", func() bool {
		return goroutines() <= g0 && openFDs(t) <= fd0
	})
}
