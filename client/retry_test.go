package client

import (
	"bufio"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
)

// TestStaleConnectionRetry: a server that drops a keep-alive connection as
// the next request arrives (the race every pool meets) gets an idempotent
// request again on a new connection, once, and never a POST.
func TestStaleConnectionRetry(t *testing.T) {
	for _, tc := range []struct {
		method    string
		body      io.Reader
		wantErr   error
		wantConns int64
	}{
		{"GET", nil, nil, 2},
		{"PUT", strings.NewReader("x"), nil, 2},
		{"POST", strings.NewReader("x"), ErrConnLost, 1},
		{"POST", nil, ErrConnLost, 1},
	} {
		t.Run(tc.method, func(t *testing.T) {
			addr, accepted := rawServer(t, func(n int, c net.Conn) {
				br := bufio.NewReader(c)
				for i := 0; ; i++ {
					if _, err := readRequest(br); err != nil {
						return
					}
					if n == 1 && i == 1 {
						return // stale: closed without an answer
					}
					io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
				}
			})
			s := newSession(t, Config{})
			resp, err := s.Get(ctxT(t), addr) // opens connection 1
			if err != nil {
				t.Fatal(err)
			}
			resp.Close()
			req, _ := NewRequest(tc.method, addr, tc.body)
			resp, err = s.Do(ctxT(t), req)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err %v, want %v", err, tc.wantErr)
			}
			if err == nil {
				if b, _ := resp.Text(); b != "ok" {
					t.Fatalf("body %q", b)
				}
			}
			if got := accepted.Load(); got != tc.wantConns {
				t.Errorf("%d connections, want %d", got, tc.wantConns)
			}
		})
	}
}

// TestServerClosesIdle: a server that closes idle connections is noticed by
// the pool; the next request dials without an error.
func TestServerClosesIdle(t *testing.T) {
	addr, accepted := rawServer(t, func(_ int, c net.Conn) {
		if _, err := readRequest(bufio.NewReader(c)); err != nil {
			return
		}
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok") // keep-alive, then closes
	})
	s := newSession(t, Config{})
	for i := range 3 {
		resp, err := s.Post(ctxT(t), addr, "", nil)
		if err != nil {
			t.Fatalf("%d: %v", i, err)
		}
		resp.Close()
		waitFor(t, "the pool to see the close", func() bool { return s.total.Load() == 0 })
	}
	if got := accepted.Load(); got != 3 {
		t.Errorf("%d connections, want 3", got)
	}
}
