package client

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/eddy-go/eddy/ws"
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
	dctx, release := s.untilClose(ctx)
	defer release()
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
	go w.bridge(tc, local)
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
// the server its TLS connection). Every write to the TLS connection (at most
// 32 KiB) has WSOptions.WriteTimeout to complete: a server that takes none
// of our output for that long ends the bridge, and the WebSocket with
// ErrWSWriteStall, instead of holding both goroutines forever (the loop's
// own bounds do not reach them: its side of the stand-in closes, but the
// goroutine stuck writing to the server never reads it again). The reverse
// copy's writes go to the loop, which reads its input or closes.
func (w *WebSocket) bridge(tc, local net.Conn) {
	defer w.s.liveDone()
	done := make(chan struct{}, 2)
	end := func() {
		tc.Close()
		local.Close()
		done <- struct{}{}
	}
	go func() { // our output: the loop's bytes to the server
		_, err := io.Copy(deadlineWriter{tc, w.opts.WriteTimeout}, local)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			w.writeStalled()
		}
		end()
	}()
	go func() { // the server's bytes to the loop
		_, _ = io.Copy(local, tc)
		end()
	}()
	<-done
	<-done
}

// deadlineWriter gives every write to c d to complete.
type deadlineWriter struct {
	c net.Conn
	d time.Duration
}

func (dw deadlineWriter) Write(p []byte) (int, error) {
	if err := dw.c.SetWriteDeadline(time.Now().Add(dw.d)); err != nil {
		return 0, err
	}
	return dw.c.Write(p)
}

// writeStalled makes ErrWSWriteStall the cause the WebSocket ends with, unless
// it is ending already for another. Safe for concurrent use.
func (w *WebSocket) writeStalled() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.code == 0 && w.cause == nil {
		// The code with the cause, as the pong timeout sets them: a later
		// close (closeWith, the peer's close) tests code, and would
		// otherwise overwrite the stall.
		w.code, w.reason, w.cause = int(ws.StatusAbnormal), "write timeout", ErrWSWriteStall
	}
}
