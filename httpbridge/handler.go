package httpbridge

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/httpcodec"
)

// streamAfter is how much a bridged response buffers before it switches to
// a streamed (chunked) body: below it the response goes out whole, with a
// Content-Length.
const streamAfter = 32 << 10

// Router is what Mount registers on: *eddy.App and *eddy.Group.
type Router interface {
	Any(pattern string, h eddy.Handler, opts ...eddy.RouteOption) *eddy.Route
}

// Mount serves h for every method at pattern on r, in the worker pool
// (eddy.InPool is added to opts): use a catch-all pattern
// ("/debug/pprof/{path:.*}") to hand h a whole subtree. h sees the full
// request path.
func Mount(r Router, pattern string, h http.Handler, opts ...eddy.RouteOption) *eddy.Route {
	return r.Any(pattern, Handler(h), append(opts, eddy.InPool)...)
}

// Handler returns an eddy handler running h. Register it with eddy.InPool
// (Mount does): h may block, and on the loop it would stall every
// connection of that loop. A panic in h is eddy's to recover (logged,
// answered 500); http.ErrAbortHandler is treated the same.
func Handler(h http.Handler) eddy.Handler {
	if h == nil {
		panic("httpbridge: nil http.Handler")
	}
	return func(c *eddy.Ctx) error {
		req, err := newRequest(c)
		if err != nil {
			return eddy.NewHTTPError(400, "request target not understood")
		}
		w := &responseWriter{c: c, header: make(http.Header)}
		h.ServeHTTP(w, req)
		return w.finish()
	}
}

// newRequest builds the *http.Request net/http would for c's request.
func newRequest(c *eddy.Ctx) (*http.Request, error) {
	r := c.Request()
	target := string(r.Target())
	u, err := url.ParseRequestURI(target)
	if err != nil {
		return nil, err
	}
	body := c.BodyBytes()
	req := &http.Request{
		Method:     c.Method(),
		URL:        u,
		Proto:      "HTTP/1." + strconv.Itoa(r.Minor()),
		ProtoMajor: 1,
		ProtoMinor: r.Minor(),
		Header:     make(http.Header, r.NumHeaders()),
		Host:       c.Host(),
		RequestURI: target,
		Body:       http.NoBody,
	}
	if a := c.RemoteAddr(); a != nil {
		req.RemoteAddr = a.String()
	}
	for i, n := 0, r.NumHeaders(); i < n; i++ {
		k, v := r.HeaderAt(i)
		if httpcodec.EqualFold(k, "Host") {
			continue
		}
		key := http.CanonicalHeaderKey(string(k))
		req.Header[key] = append(req.Header[key], string(v))
	}
	if len(body) > 0 {
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.ContentLength = int64(len(body))
	}
	req.Header.Del("Transfer-Encoding") // the body is whole, de-chunked
	return req.WithContext(c.Context()), nil
}

// responseWriter is the http.ResponseWriter a bridged handler writes to.
type responseWriter struct {
	c       *eddy.Ctx
	header  http.Header
	status  int
	buf     []byte
	stream  *eddy.Stream
	err     error // the first write error (the client went away)
	wrote   bool  // WriteHeader (or the first Write) happened
	hdrSent bool  // headers were copied to c
}

func (w *responseWriter) Header() http.Header { return w.header }

func (w *responseWriter) WriteHeader(code int) {
	if w.wrote || code < 100 || code > 999 {
		return
	}
	if code >= 100 && code < 200 && code != 101 {
		return // interim responses are not sent through the bridge
	}
	w.wrote, w.status = true, code
}

func (w *responseWriter) Write(p []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	if w.err != nil {
		return 0, w.err
	}
	if w.stream == nil {
		if len(w.buf)+len(p) <= streamAfter {
			w.buf = append(w.buf, p...)
			return len(p), nil
		}
		if err := w.startStream(); err != nil {
			return 0, err
		}
	}
	if _, err := w.stream.Write(p); err != nil {
		w.err = err
		return 0, err
	}
	return len(p), nil
}

// Flush sends what was written so far, switching to a streamed body.
func (w *responseWriter) Flush() { _ = w.FlushError() }

// FlushError is Flush reporting the client gone (http.ResponseController
// uses it).
func (w *responseWriter) FlushError() error {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	if w.stream == nil && w.err == nil {
		return w.startStream()
	}
	return w.err
}

// copyHeader gives c the handler's status and headers (once). Headers the
// engine writes itself (Content-Length, Transfer-Encoding, Date, Server,
// Connection) are left to it.
func (w *responseWriter) copyHeader() {
	if w.hdrSent {
		return
	}
	w.hdrSent = true
	for k, vs := range w.header {
		switch k {
		case "Content-Length", "Transfer-Encoding", "Date", "Server", "Connection":
			continue
		}
		for _, v := range vs {
			w.c.AddHeader(k, v)
		}
	}
	w.c.Status(w.status)
}

// startStream starts a streamed body with what is buffered.
func (w *responseWriter) startStream() error {
	w.sniff()
	w.copyHeader()
	s, err := w.c.Stream("")
	if err != nil {
		w.err = err
		return err
	}
	w.stream = s
	if len(w.buf) > 0 {
		if _, err := s.Write(w.buf); err != nil {
			w.err = err
			return err
		}
		w.buf = w.buf[:0]
	}
	return nil
}

// sniff sets the Content-Type net/http would: detected from the first
// bytes when the handler set none.
func (w *responseWriter) sniff() {
	if _, ok := w.header["Content-Type"]; !ok && len(w.buf) > 0 {
		w.header.Set("Content-Type", http.DetectContentType(w.buf))
	}
}

// finish ends the response after the handler returned.
func (w *responseWriter) finish() error {
	if w.stream != nil {
		if err := w.stream.Close(); err != nil && err != eddy.ErrConnClosed {
			return err
		}
		return nil
	}
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	w.sniff()
	w.copyHeader()
	return w.c.Blob("", w.buf)
}
