package middleware

import (
	"bytes"
	"io"
	"strings"
	"sync"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/httpcodec"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zlib"
	"github.com/klauspost/compress/zstd"
)

// Encoder is one content coding the Compress middleware may answer with.
type Encoder struct {
	// Name is the coding's token, as in Accept-Encoding and
	// Content-Encoding: "gzip", "deflate", "zstd", "br".
	Name string
	// Open returns a writer encoding into dst, for one response; it may
	// hand out a pooled writer and take it back in the writer's Close.
	Open func(dst io.Writer) eddy.EncodeWriter
}

// Gzip returns the gzip coding (klauspost/compress) at level (1 fastest
// to 9 smallest; 0 means 5, a good balance for dynamic responses).
// Writers are pooled.
func Gzip(level int) Encoder {
	if level == 0 {
		level = 5
	}
	if _, err := gzip.NewWriterLevel(io.Discard, level); err != nil {
		panic("middleware: Gzip: " + err.Error())
	}
	p := &writerPool{}
	p.pool.New = func() any {
		w, _ := gzip.NewWriterLevel(io.Discard, level)
		return &pooledWriter{w: w, reset: w.Reset, pool: p}
	}
	return Encoder{Name: "gzip", Open: p.open}
}

// Deflate returns the deflate coding, which in HTTP is the zlib format
// (RFC 9110 8.4.1.2), at level as for Gzip. Writers are pooled.
func Deflate(level int) Encoder {
	if level == 0 {
		level = 5
	}
	if _, err := zlib.NewWriterLevel(io.Discard, level); err != nil {
		panic("middleware: Deflate: " + err.Error())
	}
	p := &writerPool{}
	p.pool.New = func() any {
		w, _ := zlib.NewWriterLevel(io.Discard, level)
		return &pooledWriter{w: w, reset: w.Reset, pool: p}
	}
	return Encoder{Name: "deflate", Open: p.open}
}

// Zstd returns the zstd coding (klauspost/compress) at a zstd level (1
// to 22; 0 means 3, zstd's default), with a 4 MiB window at most, which
// browsers accept (they refuse windows past 8 MiB). Encoders are pooled;
// each runs on the calling goroutine (no goroutines of its own).
func Zstd(level int) Encoder {
	if level == 0 {
		level = 3
	}
	opts := []zstd.EOption{
		zstd.WithEncoderLevel(zstd.EncoderLevelFromZstd(level)),
		zstd.WithEncoderConcurrency(1),
		zstd.WithWindowSize(4 << 20),
		zstd.WithLowerEncoderMem(true),
	}
	if _, err := zstd.NewWriter(nil, opts...); err != nil {
		panic("middleware: Zstd: " + err.Error())
	}
	p := &writerPool{}
	p.pool.New = func() any {
		w, _ := zstd.NewWriter(nil, opts...)
		return &pooledWriter{w: w, reset: w.Reset, pool: p}
	}
	return Encoder{Name: "zstd", Open: p.open}
}

// writerPool pools the writers of one coding at one level.
type writerPool struct{ pool sync.Pool }

func (p *writerPool) open(dst io.Writer) eddy.EncodeWriter {
	w := p.pool.Get().(*pooledWriter)
	w.reset(dst)
	w.closed = false
	return w
}

// pooledWriter goes back to its pool when closed.
type pooledWriter struct {
	w interface {
		io.WriteCloser
		Flush() error
	}
	reset  func(io.Writer)
	pool   *writerPool
	closed bool
}

func (w *pooledWriter) Write(p []byte) (int, error) { return w.w.Write(p) }
func (w *pooledWriter) Flush() error                { return w.w.Flush() }

// Close writes the coding's end and returns the writer to its pool (it
// must not be used after). A second Close does nothing.
func (w *pooledWriter) Close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	err := w.w.Close()
	w.reset(io.Discard) // drop the reference to the response's buffer
	w.pool.pool.Put(w)
	return err
}

// CompressConfig configures Compress. The zero value is usable.
type CompressConfig struct {
	// Encoders are the codings offered, in the server's order of
	// preference (used between codings the client rates equally).
	// Default: zstd, gzip, deflate. Brotli is not in the core module (its
	// encoder is a large dependency); add it from the separate module
	// github.com/eddy-go/eddy/middleware/brotli.
	Encoders []Encoder
	// MinSize: a whole body smaller than this is sent as is (compressing
	// a few hundred bytes costs more than it saves). Default 1024; a
	// negative value compresses every non-empty body. Streams have no
	// size known in advance and are always compressed.
	MinSize int
	// ContentTypes lists the media types compressed: an entry ending in
	// "/" is a prefix ("text/"), an entry starting with "+" a suffix
	// ("+json"), any other entry exact. Default: text/, application/json,
	// application/javascript, application/xml, application/wasm,
	// image/svg+xml, +json, +xml. A response without a Content-Type is
	// not compressed.
	ContentTypes []string
	// OffloadAbove: a whole body of at least this many bytes answered by
	// an on-loop handler is compressed in the worker pool, not on the
	// loop. Default 64 KiB; negative: never.
	OffloadAbove int
}

var defaultContentTypes = []string{
	"text/", "application/json", "application/javascript", "application/xml",
	"application/wasm", "image/svg+xml", "+json", "+xml",
}

// compress is one Compress middleware's settings.
type compress struct {
	names    []string
	encs     []*eddy.BodyEncoder
	minSize  int
	types    []string
	prepareF func(*eddy.Ctx) // c.prepare, bound once
}

// Compress returns middleware compressing responses by the request's
// Accept-Encoding (RFC 9110 12.5.3): q-values are honoured (q=0 refuses a
// coding), "*" stands for any coding not named, and the coding with the
// highest q wins, ties going to the server's order. "identity;q=0" (or
// "*;q=0" without identity) forbids an unencoded answer: then a response is
// compressed whatever its size or type, and a request accepting none of
// the codings is answered 406. Every response whose type is compressible
// gets "Vary: Accept-Encoding". A response that already has a
// Content-Encoding, or carries "Cache-Control: no-transform", a 206, or
// no body is left alone. Streams are compressed as they are written, each
// Write flushed to the client. Large whole bodies are compressed in the
// worker pool (OffloadAbove).
//
// Put it inside middleware that reads the response body size (it changes
// it) and outside the handlers: it works through Ctx.OnPrepare, so it
// sees every response the handler and the error handler send.
func Compress(cfg CompressConfig) eddy.Middleware {
	encs := cfg.Encoders
	if len(encs) == 0 {
		encs = []Encoder{Zstd(0), Gzip(0), Deflate(0)}
	}
	m := &compress{minSize: cfg.MinSize, types: cfg.ContentTypes}
	if m.minSize == 0 {
		m.minSize = 1024
	}
	if m.types == nil {
		m.types = defaultContentTypes
	}
	off := cfg.OffloadAbove
	switch {
	case off == 0:
		off = 64 << 10
	case off < 0:
		off = 0
	}
	for _, e := range encs {
		if e.Name == "" || e.Open == nil {
			panic("middleware: Compress: an Encoder needs a Name and Open")
		}
		m.names = append(m.names, strings.ToLower(e.Name))
		m.encs = append(m.encs, &eddy.BodyEncoder{Open: e.Open, OffloadAbove: off})
	}
	m.prepareF = m.prepare
	return m.middleware
}

func (m *compress) middleware(next eddy.Handler) eddy.Handler {
	return func(c *eddy.Ctx) error {
		ae, _ := c.HeaderBytes("Accept-Encoding")
		if i, forbidden := negotiate(ae, m.names); i < 0 && forbidden {
			return errNotAcceptable
		}
		c.OnPrepare(m.prepareF)
		return next(c)
	}
}

var errNotAcceptable = eddy.NewHTTPError(406, "none of the offered content codings is acceptable")

// prepare runs just before the head is sent.
func (m *compress) prepare(c *eddy.Ctx) {
	st := c.StatusCode()
	if st == 206 || st < 200 || st == 204 || st == 304 {
		return
	}
	if c.ResponseHeader("Content-Encoding") != "" || strings.Contains(c.ResponseHeader("Cache-Control"), "no-transform") {
		return
	}
	if !m.compressible(c.ResponseHeader("Content-Type")) {
		return
	}
	addVary(c, "Accept-Encoding")
	ae, _ := c.HeaderBytes("Accept-Encoding")
	i, forbidden := negotiate(ae, m.names)
	if i < 0 {
		return
	}
	body, whole := c.PreparedBody()
	if whole && (len(body) == 0 || len(body) < m.minSize && !forbidden) {
		return
	}
	c.SetHeader("Content-Encoding", m.names[i])
	c.EncodeBody(m.encs[i])
}

// compressible reports whether the media type of ct is in the list.
func (m *compress) compressible(ct string) bool {
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	ct = strings.TrimSpace(ct)
	if ct == "" {
		return false
	}
	for _, t := range m.types {
		switch {
		case strings.HasSuffix(t, "/"):
			if len(ct) > len(t) && strings.EqualFold(ct[:len(t)], t) {
				return true
			}
		case strings.HasPrefix(t, "+"):
			if len(ct) > len(t) && strings.EqualFold(ct[len(ct)-len(t):], t) {
				return true
			}
		case strings.EqualFold(ct, t):
			return true
		}
	}
	return false
}

// addVary adds token to the response's Vary unless it is listed (or Vary
// is "*").
func addVary(c *eddy.Ctx, token string) {
	v := c.ResponseHeader("Vary")
	for f := range strings.SplitSeq(v, ",") {
		f = strings.TrimSpace(f)
		if f == "*" || strings.EqualFold(f, token) {
			return
		}
	}
	if v == "" {
		c.SetHeader("Vary", token)
		return
	}
	c.SetHeader("Vary", v+", "+token)
}

// negotiate picks the coding of names to answer with for the
// Accept-Encoding value ae: its index, or -1 for none (identity), and
// whether identity is forbidden. No Accept-Encoding at all means identity
// (RFC 9110 12.5.3 allows any coding then, but clients that send none
// often cannot decode one).
func negotiate(ae []byte, names []string) (best int, identityForbidden bool) {
	best = -1
	if len(bytes.TrimSpace(ae)) == 0 {
		return -1, false
	}
	bestQ := 0
	star, identity := -1, -1 // q of "*" and of identity when listed
	for i, name := range names {
		q := httpcodec.ListQ(ae, name)
		if q < 0 && name == "gzip" {
			q = httpcodec.ListQ(ae, "x-gzip")
		}
		if q < 0 {
			if star < 0 {
				star = httpcodec.ListQ(ae, "*")
			}
			q = star
		}
		if q > bestQ {
			best, bestQ = i, q
		}
	}
	identity = httpcodec.ListQ(ae, "identity")
	if identity < 0 {
		if star < 0 {
			star = httpcodec.ListQ(ae, "*")
		}
		identityForbidden = star == 0
	} else {
		identityForbidden = identity == 0
	}
	return best, identityForbidden
}
