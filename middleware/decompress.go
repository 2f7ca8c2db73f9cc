package middleware

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"sync"

	"github.com/eddy-go/eddy"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zlib"
	"github.com/klauspost/compress/zstd"
)

// DecompressConfig configures Decompress.
type DecompressConfig struct {
	// MaxSize bounds the decoded body: a body that decodes past it is
	// answered 413 (a zip bomb stops there, having cost at most MaxSize
	// bytes of memory). Default 4 MiB.
	MaxSize int64
	// OffloadAbove: a body of at least this many (encoded) bytes is
	// decoded in the worker pool (Ctx.Go), so an on-loop route does not
	// hold its loop while it inflates; smaller ones are decoded where the
	// handler runs, unless they decode past 64 KiB (a few bytes of zstd
	// can stand for MiB of zeros): decoding stops there and starts again
	// in the pool. Default 16 KiB; negative: never by encoded size (the
	// 64 KiB decoded bound still holds).
	OffloadAbove int
}

var (
	errBodyTooLarge = eddy.NewHTTPError(413, "decoded request body too large")
	errBadEncoding  = eddy.NewHTTPError(415, "unsupported Content-Encoding")
	errBadBody      = eddy.NewHTTPError(400, "request body does not match its Content-Encoding")
)

// Decompress returns middleware that decodes request bodies sent with a
// Content-Encoding of gzip (or x-gzip), deflate (zlib) or zstd, so the
// handler's BodyBytes, BindJSON and Form see the decoded body. It is
// opt-in: install it only where clients compress uploads. A body is
// decoded once, before the handler runs; decoding stops at MaxSize (413),
// a body that is not valid for its coding is answered 400, any other
// coding (or more than one) 415. The request's headers are left as sent.
// Bodies past OffloadAbove, or that decode past 64 KiB, are decoded in the
// worker pool, then the rest of the chain runs (Ctx.Go); the others where
// the handler runs, so a loop spends at most 64 KiB of inflating on one.
func Decompress(cfg DecompressConfig) eddy.Middleware {
	max := cfg.MaxSize
	if max <= 0 {
		max = 4 << 20
	}
	off := cfg.OffloadAbove
	switch {
	case off == 0:
		off = 16 << 10
	case off < 0:
		off = int(^uint(0) >> 1)
	}
	return func(next eddy.Handler) eddy.Handler {
		return func(c *eddy.Ctx) error {
			ce, ok := c.HeaderBytes("Content-Encoding")
			if !ok {
				return next(c)
			}
			coding := strings.ToLower(strings.TrimSpace(string(ce)))
			if coding == "identity" || coding == "" {
				return next(c)
			}
			in := c.BodyBytes()
			if len(in) < off {
				if body, done, err := decodeInline(coding, in, max); done {
					if err != nil {
						return err
					}
					c.SetRequestBody(body)
					return next(c)
				}
			}
			var body []byte
			return c.Go(func() (err error) {
				// Go detached the request: its body moved, so in is
				// stale; the job may read the Ctx (nothing writes it now).
				body, err = decode(coding, c.BodyBytes(), max)
				return err
			}, func(c *eddy.Ctx) error {
				c.SetRequestBody(body)
				return next(c)
			})
		}
	}
}

// maxInlineDecode bounds what Decompress inflates where the handler runs
// (on the loop, for an on-loop route): past it the pool decodes the body.
const maxInlineDecode = 64 << 10

// decodeInline decodes in where the handler runs when it decodes to at
// most maxInlineDecode bytes (or to max, when max is lower): done reports
// that body and err are the answer. A body that decodes past the bound is
// not done: decode it in the pool, from the start.
func decodeInline(coding string, in []byte, max int64) (body []byte, done bool, err error) {
	limit := min(max, maxInlineDecode)
	body, err = decode(coding, in, limit)
	if err == errBodyTooLarge && limit < max {
		return nil, false, nil
	}
	return body, true, err
}

var zstdDecoders = sync.Pool{New: func() any {
	d, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true),
		zstd.WithDecoderMaxWindow(8<<20))
	if err != nil {
		panic("middleware: zstd decoder: " + err.Error())
	}
	return d
}}

// decode decodes in with coding, stopping past max bytes.
func decode(coding string, in []byte, max int64) ([]byte, error) {
	var r io.Reader
	src := bytes.NewReader(in)
	switch coding {
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(src)
		if err != nil {
			return nil, errBadBody
		}
		zr.Multistream(false)
		r = zr
	case "deflate":
		zr, err := zlib.NewReader(src)
		if err != nil {
			return nil, errBadBody
		}
		r = zr
	case "zstd":
		d := zstdDecoders.Get().(*zstd.Decoder)
		if err := d.Reset(src); err != nil {
			zstdDecoders.Put(d)
			return nil, errBadBody
		}
		defer func() {
			_ = d.Reset(nil)
			zstdDecoders.Put(d)
		}()
		r = d
	default:
		return nil, errBadEncoding
	}
	var out bytes.Buffer
	n, err := out.ReadFrom(io.LimitReader(r, max+1))
	switch {
	case n > max:
		return nil, errBodyTooLarge
	case err != nil && !errors.Is(err, io.EOF):
		return nil, errBadBody
	}
	return out.Bytes(), nil
}
