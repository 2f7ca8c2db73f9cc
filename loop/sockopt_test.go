package loop

import (
	"syscall"
	"testing"
)

// Config's socket options reach accepted connections, with either engine.
func TestSocketOptions(t *testing.T) {
	type opts struct{ rcvbuf, sndbuf, keepalive, nodelay int }
	for _, tc := range []struct {
		name  string
		cfg   Config
		check func(t *testing.T, o opts)
	}{
		{"defaults", Config{}, func(t *testing.T, o opts) {
			if o.keepalive != 1 || o.nodelay != 1 {
				t.Errorf("keepalive %d nodelay %d, want 1 1", o.keepalive, o.nodelay)
			}
		}},
		{"set", Config{SocketRecvBuffer: 48 << 10, SocketSendBuffer: 40 << 10, TCPKeepAlive: -1, TCPNagle: true},
			func(t *testing.T, o opts) {
				// Linux doubles the requested sizes (bookkeeping overhead).
				if o.rcvbuf != 96<<10 || o.sndbuf != 80<<10 || o.keepalive != 0 || o.nodelay != 0 {
					t.Errorf("got %+v, want rcvbuf 96 KiB, sndbuf 80 KiB, keepalive 0, nodelay 0", o)
				}
			}},
	} {
		for _, reuse := range []bool{false, true} {
			name := tc.name
			if reuse {
				name += "/reuseport"
			}
			t.Run(name, func(t *testing.T) {
				r := newRecorder(nil)
				cfg := tc.cfg
				cfg.Loops, cfg.ReusePort = 1, reuse
				s := startServer(t, cfg, func() Protocol { return r })
				dial(t, s)
				sc := recv(t, r.made, "ConnectionMade")
				var o opts
				var err error
				onLoop(t, s.Loops()[0], func() {
					fd := sc.fd()
					get := func(level, opt int, v *int) {
						if err == nil {
							*v, err = syscall.GetsockoptInt(fd, level, opt)
						}
					}
					get(syscall.SOL_SOCKET, syscall.SO_RCVBUF, &o.rcvbuf)
					get(syscall.SOL_SOCKET, syscall.SO_SNDBUF, &o.sndbuf)
					get(syscall.SOL_SOCKET, syscall.SO_KEEPALIVE, &o.keepalive)
					get(syscall.IPPROTO_TCP, syscall.TCP_NODELAY, &o.nodelay)
				})
				if err != nil {
					t.Fatal(err)
				}
				tc.check(t, o)
			})
		}
	}
}
