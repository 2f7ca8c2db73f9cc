package client

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
)

// dialTLS opens a wss:// WebSocket's connection: a TCP connection to addr and
// a TLS handshake with host, bounded by ctx, Timeout.Connect and the
// session's Close, with Config.TLS (as for https requests). The loops have no
// TLS, so the connection enrolled on w's loop is a local stand-in: a Unix
// socket (in a directory only this user may enter, removed at once) whose
// other end two goroutines bridge to the TLS connection, until either side
// closes. Everything else (the handshake, frames, heartbeat, limits) is the
// ws:// WebSocket's, on the loop.
func (w *WebSocket) dialTLS(ctx context.Context, addr, host string) error {
	s := w.s
	dctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(s.ctx, cancel) // the session's Close aborts the dial
	defer stop()
	if t := s.cfg.Timeout.Connect; t > 0 {
		var cancelT context.CancelFunc
		dctx, cancelT = context.WithTimeout(dctx, t)
		defer cancelT()
	}
	failed := func(err error) error {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return s.dialErr(dctx, addr, err)
	}
	var d net.Dialer
	raw, err := d.DialContext(dctx, "tcp", addr)
	if err != nil {
		return failed(err)
	}
	cfg := &tls.Config{}
	if s.cfg.TLS != nil {
		cfg = s.cfg.TLS.Clone()
	}
	if cfg.ServerName == "" {
		cfg.ServerName = host
	}
	cfg.NextProtos = []string{"http/1.1"} // the upgrade is an HTTP/1.1 request
	tc := tls.Client(raw, cfg)
	if err := tc.HandshakeContext(dctx); err != nil {
		raw.Close()
		if ctx.Err() != nil || s.ctx.Err() != nil {
			return failed(err)
		}
		return fmt.Errorf("client: tls handshake with %s: %w", addr, err)
	}
	local, err := w.enrollStandIn(dctx)
	if err != nil {
		tc.Close()
		return failed(err)
	}
	s.liveInc() // the bridge, until both its copies end
	go bridge(s, tc, local)
	return nil
}

// enrollStandIn enrolls one end of a fresh local Unix connection on w's loop
// (as w.conn) and returns the other end.
func (w *WebSocket) enrollStandIn(ctx context.Context) (net.Conn, error) {
	dir, err := os.MkdirTemp("", "eddy-wss-") // mode 0700: only this user may connect
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "s")
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, err
	}
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		accepted <- c // nil once the listener is closed first
	}()
	_, err = w.s.srv.Dial(ctx, "unix", path, w.l, &w.conn)
	var local net.Conn
	if err == nil {
		// The connection waits in the listener's backlog until Accept takes
		// it; closing the listener first would drop it (the loop's end would
		// see the connection lost).
		select {
		case local = <-accepted:
		case <-ctx.Done():
			err = ctx.Err()
		}
	}
	ln.Close()
	if local == nil {
		local = <-accepted // nil once the listener is closed first
	}
	if err != nil || local == nil {
		if local != nil {
			local.Close()
		}
		if err == nil {
			err = ErrConnLost
		}
		return nil, err
	}
	return local, nil
}

// bridge copies between the TLS connection and the stand-in's far end, both
// ways; when either side ends, both close (the loop sees its side close, or
// the server its TLS connection).
func bridge(s *Session, tc, local net.Conn) {
	defer s.liveDone()
	done := make(chan struct{}, 2)
	cp := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		dst.Close()
		src.Close()
		done <- struct{}{}
	}
	go cp(tc, local)
	go cp(local, tc)
	<-done
	<-done
}
