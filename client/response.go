package client

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// Response is a response head and its body. Its fields are owned copies: they
// stay valid after the body is closed. Its methods read the body: call them from
// one goroutine at a time (the goroutine that reads the body, or the loop running
// Start's callback).
//
// The body must be read to its end or closed (Close, or Bytes/Text/JSON, which
// close it): until then the response holds its connection and its slot in the
// session's limits. A body left open is ended by the total timeout or by
// Session.Close, whichever comes first; a keep-alive connection whose body was
// read to its end is back in the pool at once, before Close.
type Response struct {
	StatusCode int
	Status     string // "200 OK"
	Proto      string // "HTTP/1.1"
	Header     http.Header
	// ContentLength is the length the server declared, -1 if unknown (chunked,
	// close-delimited or decompressed).
	ContentLength int64
	// Uncompressed reports that the session decompressed the body (gzip or
	// deflate) and removed Content-Encoding and Content-Length from Header.
	Uncompressed bool
	// Body streams the body. Read it from one goroutine at a time.
	Body io.ReadCloser

	// Request is the request this response answers (after redirects, the last hop's).
	Request *Request
	// History holds the redirect responses that led here, oldest first; their
	// bodies are closed.
	History []*Response

	buffered []byte // the whole body, when it was read on the loop (Start)
	full     bool   // buffered holds the whole body
	maxBuf   int64
	held     heldBody // Body when buffered holds it: no allocation of its own
}

// URL is the URL this response came from (after redirects).
func (r *Response) URL() *url.URL { return r.Request.URL }

// Bytes reads the whole body (at most Config.MaxBodyBuffered bytes, past which it
// returns ErrBodyTooLarge) and closes it. The slice is the caller's.
func (r *Response) Bytes() ([]byte, error) {
	if r.full {
		return r.buffered, nil
	}
	defer r.Body.Close()
	p, err := io.ReadAll(io.LimitReader(r.Body, r.maxBuf+1))
	if err != nil {
		return nil, err
	}
	if int64(len(p)) > r.maxBuf {
		return nil, ErrBodyTooLarge
	}
	r.buffered, r.full = p, true
	return p, nil
}

// Text is Bytes as a string.
func (r *Response) Text() (string, error) {
	p, err := r.Bytes()
	return string(p), err
}

// JSON decodes the whole body (see Bytes) into v.
func (r *Response) JSON(v any) error {
	p, err := r.Bytes()
	if err != nil {
		return err
	}
	if err := json.Unmarshal(p, v); err != nil {
		return fmt.Errorf("client: json response: %w", err)
	}
	return nil
}

// Close closes the body: unread bytes are dropped and the connection, if still
// reading them, is closed rather than reused.
func (r *Response) Close() error { return r.Body.Close() }

// RaiseForStatus returns a *StatusError for a status of 400 or more, else nil.
func (r *Response) RaiseForStatus() error {
	if r.StatusCode < 400 {
		return nil
	}
	return &StatusError{StatusCode: r.StatusCode, Status: r.Status, URL: r.Request.URL.Redacted()}
}

// setBuffered makes p the whole body.
func (r *Response) setBuffered(p []byte) {
	r.buffered, r.full = p, true
	r.held.Reset(p)
	r.Body = &r.held
}

// heldBody is a body held whole in memory, a reader and a closer.
type heldBody struct{ bytes.Reader }

func (*heldBody) Close() error { return nil }
