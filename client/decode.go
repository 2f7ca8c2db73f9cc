package client

import (
	"bufio"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"fmt"
	"io"
	"strings"
)

// encoding returns the body's content coding the session decodes ("gzip" or
// "deflate"), "" for none.
func encoding(resp *Response) string {
	ce := strings.ToLower(strings.TrimSpace(resp.Header.Get("Content-Encoding")))
	switch ce {
	case "gzip", "x-gzip":
		return "gzip"
	case "deflate":
		return "deflate"
	}
	return ""
}

func markDecoded(resp *Response) {
	resp.Header.Del("Content-Encoding")
	resp.Header.Del("Content-Length")
	resp.ContentLength = -1
	resp.Uncompressed = true
}

// decoded wraps a streamed body in its decompressor when the session asked for
// compression (decode) and the server used gzip or deflate.
func (s *Session) decoded(resp *Response, decode bool) *Response {
	if !decode || resp.Body == nil {
		return resp
	}
	enc := encoding(resp)
	if enc == "" {
		return resp
	}
	markDecoded(resp)
	resp.Body = &decompressor{src: resp.Body, enc: enc}
	return resp
}

// decodedBuffered decompresses a body read whole, bounded by MaxBodyBuffered.
func (s *Session) decodedBuffered(resp *Response, decode bool) (*Response, error) {
	if !decode || !resp.full || len(resp.buffered) == 0 {
		return resp, nil
	}
	enc := encoding(resp)
	if enc == "" {
		return resp, nil
	}
	r, err := newDecompressor(bytes.NewReader(resp.buffered), enc)
	if err != nil {
		return nil, err
	}
	max := s.cfg.MaxBodyBuffered
	p, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, badResponse(fmt.Errorf("%s body: %w", enc, err))
	}
	if int64(len(p)) > max {
		return nil, ErrBodyTooLarge
	}
	markDecoded(resp)
	resp.setBuffered(p)
	return resp, nil
}

// newDecompressor reads enc from src. "deflate" is zlib-wrapped as RFC 9110
// says, or raw DEFLATE as some servers send it: the first two bytes tell.
func newDecompressor(src io.Reader, enc string) (io.Reader, error) {
	if enc == "gzip" {
		r, err := gzip.NewReader(src)
		if err != nil {
			return nil, badResponse(fmt.Errorf("gzip body: %w", err))
		}
		return r, nil
	}
	br := bufio.NewReaderSize(src, 64)
	if h, err := br.Peek(2); err == nil && h[0]&0x0f == 8 && (uint16(h[0])<<8|uint16(h[1]))%31 == 0 {
		r, err := zlib.NewReader(br)
		if err != nil {
			return nil, badResponse(fmt.Errorf("deflate body: %w", err))
		}
		return r, nil
	}
	return flate.NewReader(br), nil
}

// decompressor decodes a streamed body, set up on the first Read.
type decompressor struct {
	src io.ReadCloser
	enc string
	r   io.Reader
	err error
}

func (d *decompressor) Read(p []byte) (int, error) {
	if d.err != nil {
		return 0, d.err
	}
	if d.r == nil {
		d.r, d.err = newDecompressor(d.src, d.enc)
		if d.err != nil {
			return 0, d.err
		}
	}
	n, err := d.r.Read(p)
	if err != nil && err != io.EOF {
		err = badResponse(fmt.Errorf("%s body: %w", d.enc, err))
		d.err = err
	}
	return n, err
}

func (d *decompressor) Close() error { return d.src.Close() }
