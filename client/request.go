package client

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
)

// Request is one HTTP request. Build it with NewRequest (or the Session helpers);
// the session does not modify it (redirects and retries work on copies).
type Request struct {
	Method string // default GET
	// URL is absolute, or relative to Config.BaseURL.
	URL    *url.URL
	Header http.Header

	// Body is the request body; nil: none. A *bytes.Buffer, *bytes.Reader or
	// *strings.Reader given to NewRequest is read once into memory, so the
	// request can be sent again (a retry on a stale connection, a 307/308
	// redirect). Any other reader is streamed: with ContentLength > 0 it is sent
	// with that length, else chunked; such a request is never retried, and a
	// 307/308 redirect of it is returned rather than followed. A streamed
	// body that is an io.Closer is closed if the request ends before the
	// body is all sent (which unblocks a Read waiting on a pipe or socket).
	Body io.Reader
	// ContentLength of a streamed Body; -1 or 0: unknown (chunked). Set by
	// NewRequest for bodies held in memory.
	ContentLength int64

	// Trace receives this request's events; nil: Config.Trace.
	Trace *Trace

	payload  []byte // a Body held in memory (replayable)
	inMemory bool
}

// NewRequest returns a request for method and rawURL (absolute, or relative to the
// session's BaseURL) with body (nil: none); see Request.Body.
func NewRequest(method, rawURL string, body io.Reader) (*Request, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, badRequest("%v", err)
	}
	if method == "" {
		method = http.MethodGet
	}
	if !validMethod(method) {
		return nil, badRequest("invalid method %q", method)
	}
	r := &Request{Method: method, URL: u, Header: make(http.Header)}
	r.setBody(body)
	return r, nil
}

func (r *Request) setBody(body io.Reader) {
	r.Body = body
	switch b := body.(type) {
	case nil:
		r.payload, r.inMemory = nil, true
	case *bytes.Buffer:
		r.payload, r.inMemory = bytes.Clone(b.Bytes()), true
	case *bytes.Reader:
		p, _ := io.ReadAll(b) // reading a bytes.Reader cannot fail
		r.payload, r.inMemory = p, true
	case *strings.Reader:
		p, _ := io.ReadAll(b)
		r.payload, r.inMemory = p, true
	default:
		r.payload, r.inMemory = nil, false
		r.ContentLength = -1
		return
	}
	r.ContentLength = int64(len(r.payload))
}

// streamed reports whether the body is streamed by a pump (not held in memory).
func (r *Request) streamed() bool { return r.Body != nil && !r.inMemory }

// replayable reports whether the body can be sent again.
func (r *Request) replayable() bool { return r.Body == nil || r.inMemory }

// clone copies r for a new hop (header copied, body shared).
func (r *Request) clone() *Request {
	c := *r
	c.Header = r.Header.Clone()
	if c.Header == nil {
		c.Header = make(http.Header)
	}
	u := *r.URL
	c.URL = &u
	return &c
}

func validMethod(m string) bool {
	if m == "" {
		return false
	}
	for i := 0; i < len(m); i++ {
		c := m[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("\"(),/:;<=>?@[\\]{}", c) >= 0 {
			return false
		}
	}
	return true
}

// JSONBody marshals v and returns it as a body with its content type, for
// NewRequest and Post: aiohttp's json= argument.
func JSONBody(v any) (io.Reader, string, error) {
	p, err := json.Marshal(v)
	if err != nil {
		return nil, "", fmt.Errorf("client: json body: %w", err)
	}
	return bytes.NewReader(p), "application/json", nil
}

// FormBody encodes values as application/x-www-form-urlencoded: aiohttp's data=
// with a dict.
func FormBody(values url.Values) (io.Reader, string) {
	return strings.NewReader(values.Encode()), "application/x-www-form-urlencoded"
}

// FormFile is one file part of a multipart form.
type FormFile struct {
	Field, Filename string
	ContentType     string // default application/octet-stream
	Content         io.Reader
}

// MultipartBody builds a multipart/form-data body in memory from fields and
// files (aiohttp's FormData), and returns it with its content type, boundary
// included.
func MultipartBody(fields url.Values, files ...FormFile) (io.Reader, string, error) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, vs := range fields {
		for _, v := range vs {
			if err := w.WriteField(k, v); err != nil {
				return nil, "", fmt.Errorf("client: multipart: %w", err)
			}
		}
	}
	for _, f := range files {
		ct := f.ContentType
		if ct == "" {
			ct = "application/octet-stream"
		}
		h := make(map[string][]string)
		h["Content-Disposition"] = []string{fmt.Sprintf(`form-data; name=%q; filename=%q`, f.Field, f.Filename)}
		h["Content-Type"] = []string{ct}
		pw, err := w.CreatePart(h)
		if err != nil {
			return nil, "", fmt.Errorf("client: multipart: %w", err)
		}
		if _, err := io.Copy(pw, f.Content); err != nil {
			return nil, "", fmt.Errorf("client: multipart: %s: %w", f.Filename, err)
		}
	}
	if err := w.Close(); err != nil {
		return nil, "", fmt.Errorf("client: multipart: %w", err)
	}
	return &buf, w.FormDataContentType(), nil
}
