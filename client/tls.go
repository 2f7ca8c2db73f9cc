package client

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"sync"
)

// The loops have no TLS. An https hop goes through Go's own net/http Transport
// (HTTP/1.1 or HTTP/2), one round trip at a time, on a goroutine of its own; the
// session keeps doing the rest (redirects, cookies, headers, decompression,
// RaiseForStatus, the total timeout and cancellation) as for plain http. The
// Transport has its own pool (Config.MaxConnsPerHost and IdleTimeout apply to
// it; MaxConns does not); Timeout.Connect bounds its dial and TLS handshake,
// Timeout.ResponseHeader its wait for the head; Timeout.ReadGap does not apply.

// newTransport builds the https fallback.
func (s *Session) newTransport() *http.Transport {
	cfg := &s.cfg
	d := &net.Dialer{Timeout: cfg.Timeout.Connect}
	t := &http.Transport{
		DialContext:            d.DialContext,
		TLSClientConfig:        cfg.TLS,
		TLSHandshakeTimeout:    cfg.Timeout.Connect,
		ResponseHeaderTimeout:  cfg.Timeout.ResponseHeader,
		IdleConnTimeout:        cfg.IdleTimeout,
		MaxConnsPerHost:        cfg.MaxConnsPerHost,
		MaxResponseHeaderBytes: int64(cfg.MaxHeaderBytes),
		DisableCompression:     true, // the session decodes, as for plain http
		ForceAttemptHTTP2:      true,
	}
	t.Proxy = cfg.Proxy
	return t
}

// tlsHop is an https hop on the fallback transport.
type tlsHop struct {
	c      *call
	cancel context.CancelCauseFunc
	mode   sinkMode
	buf    []byte // the body, read whole when the call is buffered
}

func (h *tlsHop) fail(err error) { h.cancel(err) }

// tlsHop starts req on the fallback transport. Loop-only.
func (c *call) tlsHop(req *Request, hdr http.Header) {
	s := c.s
	if !s.liveAdd() {
		c.finish(nil, ErrClosed)
		return
	}
	c.tainted = true // the round trip's goroutine refers to c
	c.armTimer()
	ctx, cancel := context.WithCancelCause(s.ctx)
	h := &tlsHop{c: c, cancel: cancel}
	c.cur = h
	if t := c.trace; t != nil {
		ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
			GetConn:              t.GetConn,
			DNSStart:             t.DNSStart,
			DNSDone:              t.DNSDone,
			ConnectStart:         t.ConnectStart,
			ConnectDone:          t.ConnectDone,
			GotConn:              t.GotConn,
			WroteRequest:         t.WroteRequest,
			GotFirstResponseByte: t.GotFirstResponseByte,
		})
	}
	var body io.Reader
	if req.inMemory && len(req.payload) > 0 {
		body = bytes.NewReader(req.payload)
	} else if req.streamed() {
		body = req.Body
	}
	hreq, err := http.NewRequestWithContext(ctx, req.Method, req.URL.String(), body)
	if err != nil {
		cancel(nil)
		s.liveDone()
		c.finish(nil, badRequest("%v", err))
		return
	}
	hreq.Header = hdr
	if req.streamed() {
		hreq.ContentLength = max(req.ContentLength, 0)
		if req.ContentLength <= 0 {
			hreq.ContentLength = -1
		}
	}
	buffered, max, l := c.buffered, s.cfg.MaxBodyBuffered, c.lp.l
	go func() {
		hresp, err := s.std.RoundTrip(hreq)
		var resp *Response
		if jar := s.cfg.Jar; jar != nil && err == nil {
			if cs := hresp.Cookies(); len(cs) > 0 {
				jar.SetCookies(req.URL, cs) // here, not on the loop: a jar may block
			}
		}
		if err == nil {
			resp = &Response{
				StatusCode: hresp.StatusCode, Status: hresp.Status, Proto: hresp.Proto,
				Header: hresp.Header, ContentLength: hresp.ContentLength, Request: req, maxBuf: max,
			}
			if buffered {
				h.buf, err = io.ReadAll(io.LimitReader(hresp.Body, max+1))
				hresp.Body.Close()
				if err == nil && int64(len(h.buf)) > max {
					err = ErrBodyTooLarge
				}
			} else {
				resp.Body = s.trackTLS(&tlsBody{rc: hresp.Body, h: h})
			}
		}
		if err != nil {
			if cause := context.Cause(ctx); cause != nil && ctx.Err() != nil {
				err = cause
			}
		}
		if buffered || err != nil {
			cancel(nil)
			s.liveDone()
		}
		post := l.CallSoonThreadsafe(func() { c.tlsDone(h, resp, err) })
		if post != nil && resp != nil && !buffered {
			resp.Body.Close()
		}
	}()
}

// tlsDone takes an https hop's result on the loop.
func (c *call) tlsDone(h *tlsHop, resp *Response, err error) {
	if h != c.cur || c.ended {
		if resp != nil && resp.Body != nil {
			go resp.Body.Close()
		}
		return
	}
	if err != nil {
		c.onEnd(h, err)
		return
	}
	body := resp.Body // onHead replaces a redirect's body: keep it to close it
	c.onHead(h, resp)
	if h != c.cur || c.ended || h.mode == sinkDiscard {
		if body != nil {
			go body.Close() // ends the https hop: its connection and count are released
		}
		if h.mode == sinkDiscard {
			return
		}
	}
	if c.buffered && h == c.cur {
		c.onEnd(h, nil)
	}
}

// trackTLS records an open https body, which Close ends.
func (s *Session) trackTLS(b *tlsBody) *tlsBody {
	s.liveMu.Lock()
	s.tlsOpen[b] = struct{}{}
	s.liveMu.Unlock()
	return b
}

// tlsBody is a streamed https body: at its end (or Close) the call ends on its
// loop and the session stops counting it.
type tlsBody struct {
	rc   io.ReadCloser
	h    *tlsHop
	once sync.Once
}

func (b *tlsBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if err != nil {
		b.end(err)
	}
	return n, err
}

func (b *tlsBody) Close() error {
	err := b.rc.Close()
	b.end(ErrBodyClosed)
	return err
}

func (b *tlsBody) end(err error) {
	b.once.Do(func() {
		if err == io.EOF {
			err = nil
		}
		h := b.h
		s := h.c.s
		s.liveMu.Lock()
		delete(s.tlsOpen, b)
		s.liveMu.Unlock()
		h.cancel(nil)
		_ = h.c.lp.l.CallSoonThreadsafe(func() { h.c.onEnd(h, err) })
		s.liveDone()
	})
}
