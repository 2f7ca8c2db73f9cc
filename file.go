package eddy

import (
	"errors"
	"io"
	"io/fs"
	"mime"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/eddy-go/eddy/httpcodec"
)

// File answers with the file at path (aiohttp's FileResponse): its
// Content-Type from the extension (application/octet-stream when unknown,
// unless one was set with SetHeader), ETag and Last-Modified, and answers
// to conditional requests (304 Not Modified, 412 Precondition Failed) and
// to a single byte range (206, or 416 with "Content-Range: bytes */size"
// when it cannot be satisfied; several ranges get the whole file). A
// missing file is a 404, one that cannot be read a 403; a directory is a
// 404. path is the application's, used as given: never build it from
// request data (App.Static serves a directory safely).
//
// The file is opened and stat'ed in the pool, never on the loop: in an
// on-loop handler File defers the response (see Ctx.Go). Files up to
// 64 KiB are read whole there; larger ones are sent from the loop with
// sendfile(2) when the connection can take them (the kernel copies them
// from the page cache, at most a couple of MiB per turn of the loop; a
// piece not in the page cache is read into it in the pool first, so the
// loop never waits for the disk), else streamed with
// backpressure, each piece read in the pool. A file being sent stays open
// until its last byte is sent; the files held open so for responses are
// bounded in the whole process (half its descriptor limit, RLIMIT_NOFILE),
// past which File answers 503 rather than open one more. Return File's
// result and do not use c afterwards:
//
//	app.Get("/report", func(c *eddy.Ctx) error { return c.File("/srv/report.pdf") })
func (c *Ctx) File(path string) error {
	if !c.enter() {
		return ErrStaleCtx
	}
	defer c.exit()
	return c.sendFile(path, "")
}

// Attachment is File with "Content-Disposition: attachment", so that a
// browser downloads the file as name (the file's own base name when name
// is ""), instead of showing it. A non-ASCII name is sent as RFC 6266's
// filename* (UTF-8), with an ASCII fallback.
func (c *Ctx) Attachment(path, name string) error {
	if !c.enter() {
		return ErrStaleCtx
	}
	defer c.exit()
	if name == "" {
		name = filepath.Base(path)
	}
	return c.sendFile(path, contentDisposition(name))
}

// contentDisposition renders an attachment disposition for name: an
// ASCII filename (unsafe characters replaced by '_') and, when name is
// not plain ASCII, filename* with the UTF-8 name percent-encoded.
func contentDisposition(name string) string {
	ascii := make([]byte, 0, len(name))
	plain := true
	for i := 0; i < len(name); i++ {
		b := name[i]
		switch {
		case b >= 0x80:
			plain = false
			ascii = append(ascii, '_')
			// skip the rest of the rune's bytes
			for i+1 < len(name) && name[i+1]&0xC0 == 0x80 {
				i++
			}
		case b < 0x20 || b == 0x7f || b == '"' || b == '\\' || b == '/' || b == ';' || b == '%':
			plain = false
			ascii = append(ascii, '_')
		default:
			ascii = append(ascii, b)
		}
	}
	v := `attachment; filename="` + string(ascii) + `"`
	if !plain {
		v += "; filename*=UTF-8''" + url.PathEscape(name)
	}
	return v
}

// sendFile opens path where blocking is allowed and answers with it.
func (c *Ctx) sendFile(path, disposition string) error {
	if c.responded {
		return ErrResponded
	}
	var rep *fileRep
	var body bodyFile
	job := func() error {
		if !responseFiles.take() {
			return errTooManyFiles
		}
		r, f, err := openFileRep(path, "", "", smallFile)
		rep = r
		if f != nil {
			body = responseFile{f} // gives the slot back when closed
		} else {
			responseFiles.put() // read whole (or failed): nothing held
		}
		return err
	}
	h := func(c *Ctx) error {
		if disposition != "" {
			c.delHeader("Content-Disposition")
			c.addHeader("Content-Disposition", disposition)
		}
		return c.serveRep(rep, body, "")
	}
	if c.inPool {
		if err := job(); err != nil {
			return err
		}
		return h(c)
	}
	return c.goThen(job, h, func() {
		if body != nil {
			_ = body.Close() // gives the file and its slot back: h did not run
		}
	})
}

// smallFile is the largest file Ctx.File reads whole instead of streaming.
const smallFile = 64 << 10

// fileRep is one representation of a file: its bytes on disk (the file
// itself or a precompressed sibling) and what is answered with them.
// Immutable once built: the static cache shares it between loops.
type fileRep struct {
	path  string // as opened (relative to a Static's root, or the File path)
	enc   string // Content-Encoding ("" for the file itself)
	size  int64
	mod   time.Time
	etag  string // strong, quoted
	ctype string // Content-Type line value
	data  []byte // the whole content when small enough, else nil
	// open is the file kept open by a Static's cache when it is too
	// large for data (nil otherwise); acquire a reference to send it.
	open *sharedFile
	// meta holds the validator lines (ETag, Last-Modified) and the
	// Content-Encoding line, pre-rendered.
	meta string
}

// newFileRep describes a file from its stat; ctype is its type.
func newFileRep(path, enc, ctype string, fi fs.FileInfo) *fileRep {
	r := &fileRep{path: path, enc: enc, size: fi.Size(), mod: fi.ModTime(), ctype: ctype}
	tag := make([]byte, 0, 48)
	tag = append(tag, '"')
	tag = strconv.AppendInt(tag, r.mod.UnixNano(), 36)
	tag = append(tag, '-')
	tag = strconv.AppendInt(tag, r.size, 36)
	if enc != "" {
		tag = append(tag, '-')
		tag = append(tag, enc...)
	}
	tag = append(tag, '"')
	r.etag = string(tag)
	meta := make([]byte, 0, 128)
	meta = httpcodec.AppendHeader(meta, "ETag", r.etag)
	meta = append(meta, "Last-Modified: "...)
	meta = httpcodec.AppendHTTPDate(meta, r.mod)
	meta = append(meta, "\r\n"...)
	if enc != "" {
		meta = httpcodec.AppendHeader(meta, "Content-Encoding", enc)
	}
	r.meta = string(meta)
	return r
}

// same reports whether fi still describes the file r was built from.
func (r *fileRep) same(fi fs.FileInfo) bool {
	return fi.Size() == r.size && fi.ModTime().Equal(r.mod)
}

// typeByName returns the Content-Type for a file name: by extension,
// application/octet-stream when unknown. It may read the system's MIME
// tables on first use: call it where blocking is allowed.
func typeByName(name string) string {
	if t := mime.TypeByExtension(filepath.Ext(name)); t != "" {
		return t
	}
	return "application/octet-stream"
}

// openFileRep opens path (ctype "" means by the name's extension) and
// describes it; a file up to small bytes is read whole and closed (f is
// nil then). It blocks: pool only.
func openFileRep(path, enc, ctype string, small int64) (rep *fileRep, f *os.File, err error) {
	f, err = os.Open(path)
	if err != nil {
		return nil, nil, fileErr(err)
	}
	rep, f, err = describeOpen(f, path, enc, ctype, small)
	return rep, f, err
}

// describeOpen builds the representation of the open file f, reading it
// whole (and closing it) when it has at most small bytes. A directory or
// a device is refused with 404. It blocks: pool only.
func describeOpen(f *os.File, path, enc, ctype string, small int64) (*fileRep, *os.File, error) {
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, fileErr(err)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, nil, ErrNotFound
	}
	if ctype == "" {
		ctype = typeByName(path)
	}
	rep := newFileRep(path, enc, ctype, fi)
	if rep.size > small {
		return rep, f, nil
	}
	defer f.Close()
	data := make([]byte, rep.size)
	if _, err := io.ReadFull(f, data); err != nil {
		// Shrunk while being read: answer what it is next time.
		return nil, nil, ErrServiceUnavailable.Wrap(err)
	}
	rep.data = data
	return rep, nil, nil
}

// fileErr maps an error opening a file to its answer: 404 when it does not
// exist (or a path element is not a directory), 403 when it may not be
// read, else 500.
func fileErr(err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return ErrNotFound.Wrap(err)
	case errors.Is(err, fs.ErrPermission):
		return ErrForbidden.Wrap(err)
	case errors.Is(err, syscall.ENOTDIR), errors.Is(err, syscall.ELOOP):
		return ErrNotFound.Wrap(err)
	}
	return err
}

// verdict evaluates the request's conditions and range against rep.
func (c *Ctx) verdict(rep *fileRep) fileVerdict {
	req := c.x.Request()
	v := fileValidators{etag: rep.etag, modSec: rep.mod.Unix(), size: rep.size}
	switch c.m.method {
	case mGet:
		v.isGet, v.isGetOK = true, true
	case mHead:
		v.isGetOK = true
	}
	return decide(v, fileConds{
		ifMatch:           req.Header("If-Match"),
		ifNoneMatch:       req.Header("If-None-Match"),
		ifModifiedSince:   req.Header("If-Modified-Since"),
		ifUnmodifiedSince: req.Header("If-Unmodified-Since"),
		ifRange:           req.Header("If-Range"),
		rng:               req.Header("Range"),
	})
}

// errPrecondition answers a failed If-Match or If-Unmodified-Since.
var errPrecondition = &HTTPError{Status: 412, Message: "precondition failed"}

// serveRep answers with rep: the open file f streams its body when rep
// has no data in memory. extra holds further header lines (a Static's
// Cache-Control and Vary). It takes f: closed here or by the stream. It
// runs on the loop or in the pool, where c may be used.
func (c *Ctx) serveRep(rep *fileRep, f bodyFile, extra string) error {
	v := c.verdict(rep)
	if f != nil && (v.status != 200 && v.status != 206 || c.m.method == mHead) {
		f.Close()
		f = nil
	}
	switch v.status {
	case 304:
		// RFC 9110 15.4.5: the validators and the caching fields of a 200.
		c.hdr = append(c.hdr, rep.meta...)
		c.hdr = append(c.hdr, extra...)
		c.status = 304
		return c.send("", nil)
	case 412:
		return errPrecondition
	case 416:
		c.delHeader("Content-Range")
		c.hdr = append(c.hdr, "Content-Range: bytes */"...)
		c.hdr = strconv.AppendInt(c.hdr, rep.size, 10)
		c.hdr = append(c.hdr, "\r\n"...)
		return &HTTPError{Status: 416, Message: "range not satisfiable"}
	}
	if !c.hasCT {
		c.appendHeader("Content-Type", rep.ctype)
	}
	c.hdr = append(c.hdr, rep.meta...)
	c.hdr = append(c.hdr, extra...)
	c.hdr = append(c.hdr, "Accept-Ranges: bytes\r\n"...)
	if v.status == 206 {
		c.hdr = append(c.hdr, "Content-Range: "...)
		c.hdr = appendContentRange(c.hdr, v.start, v.n, rep.size)
		c.hdr = append(c.hdr, "\r\n"...)
	}
	c.status = v.status
	if rep.data != nil {
		return c.send("", rep.data[v.start:v.start+v.n])
	}
	if f == nil && c.m.method != mHead {
		// Callers open the file whenever a body must be read from it.
		return errors.New("eddy: file response without its file")
	}
	err := c.startStream("", v.n)
	s := &Stream{c: c} // on the stack unless the pump below keeps it
	if err != nil || f == nil {
		if f != nil {
			f.Close()
		}
		if err != nil {
			return err
		}
		return s.Close() // HEAD: the head only
	}
	if c.inPool {
		return streamFileBlocking(s, f, v.start, v.n)
	}
	if s.sendFile(f, v.start, v.n) {
		// The whole body went to the connection (sent, or queued as a
		// file segment): the response is done without a pump.
		return s.Close()
	}
	c.deferResponse() // the pump finishes the response
	p := &filePump{c: c, s: *s, f: f, off: v.start, left: v.n, buf: fileBufs.Get().(*[]byte), enc: c.encW != nil}
	p.writeFn = p.write
	p.readFn = p.read
	p.read()
	return nil
}

// fileChunk is the size of one read of a streamed file: large enough that
// a 1 GiB file takes about 8,000 pool round trips, small enough that a
// download holds little memory (one chunk, plus the connection's queue
// bounded by its high water mark).
const fileChunk = 128 << 10

var fileBufs = sync.Pool{New: func() any { b := make([]byte, fileChunk); return &b }}

// streamFileBlocking copies n bytes of f from off into s, in the pool
// (Stream.Write blocks while the connection is above its high water
// mark). It closes f.
func streamFileBlocking(s *Stream, f bodyFile, off, n int64) error {
	defer f.Close()
	bp := fileBufs.Get().(*[]byte)
	defer fileBufs.Put(bp)
	buf := *bp
	for n > 0 {
		k := int(min(n, int64(len(buf))))
		got, err := f.ReadAt(buf[:k], off)
		if got < k {
			if err == nil {
				err = io.ErrUnexpectedEOF
			}
			return err // the handler's error: the stream is aborted
		}
		if _, err := s.Write(buf[:k]); err != nil {
			return err
		}
		off += int64(k)
		n -= int64(k)
	}
	return s.Close()
}

// filePump streams a file from an on-loop (deferred) response: each piece
// is read in the pool and written on the loop, one piece in flight, and a
// piece the connection cannot take yet waits for OnWritable. So no pool
// worker waits for a slow client, and the memory held is one buffer plus
// the connection's bounded queue. The pump starts when serveRep could not
// hand the whole body to sendfile at once (the connection is above its
// high water mark, or an encoder must see the bytes). Under an encoder
// (Compress) each piece is also encoded in the pool, right after it is
// read, so that compressing a large file never holds the loop; the loop
// only writes the encoded bytes.
type filePump struct {
	c       *Ctx
	s       Stream // the response's stream, held by value: no allocation of its own
	f       bodyFile
	off     int64
	left    int64
	buf     *[]byte
	n       int
	err     error
	writeFn func()
	readFn  func()
	waited  bool // read waited for room once for sendfile
	enc     bool // pieces are encoded in the pool (the stream has an encoder)
}

// read starts the next piece's read in the pool, or ends the stream. When
// the connection can take it now, the rest of the file goes with
// sendfile(2) instead: the kernel copies it from the page cache to the
// socket as the client reads, without a pool round trip or a copy per
// piece (a 1 MiB file cost about three times nginx's CPU copied).
//
// So the loop does touch the file, though it never opens, stats or reads
// it: sendfile copies from the page cache on the loop. It never reads the
// disk there: the connection checks that each piece (at most a couple of
// MiB a turn of the loop) is in the page cache first, and has a piece
// that is not read into it in the pool before it sends it
// (loop.Conn.SendFile, LoopStats.FileWarms). Loop-only.
func (p *filePump) read() {
	if p.left > 0 && p.s.sendFile(p.f, p.off, p.left) {
		p.f = nil // the connection's now: it closes it once sent
		p.off += p.left
		p.left = 0
	}
	if p.left > 0 && !p.waited && p.c.encW == nil {
		// Refused: most often the connection is above its high water mark
		// (the piece just written is still queued). Then wait for room once
		// and try again, rather than copy the rest piece by piece; refused
		// again, one piece is copied.
		switch _, err := p.s.tryWrite(nil); err {
		case ErrBackpressure:
			p.waited = true
			p.s.OnWritable(p.readFn)
			return
		case nil:
		default:
			p.end(err)
			return
		}
	}
	p.waited = false
	if p.left == 0 {
		p.end(nil)
		return
	}
	if err := p.c.loop.RunInExecutor(p.readJob, p.readDone); err != nil {
		p.end(err)
	}
}

// readJob reads the next piece, and encodes it when the stream has an
// encoder. Pool.
func (p *filePump) readJob() {
	k := int(min(p.left, int64(len(*p.buf))))
	p.n, p.err = p.f.ReadAt((*p.buf)[:k], p.off)
	if p.n == k {
		p.err = nil
	} else if p.err == nil {
		p.err = io.ErrUnexpectedEOF
	}
	if p.enc && p.err == nil {
		p.err = p.encode((*p.buf)[:p.n])
	}
}

// encode runs the piece b through the stream's encoder into the Ctx's
// encOut, which write then sends. The loop leaves the encoder alone while
// the pump's job runs (one piece is in flight, and only the pump writes),
// and the call pins the Ctx's state, so it is not reused meanwhile. Pool.
func (p *filePump) encode(b []byte) error {
	c := p.c
	if !c.enter() {
		return ErrConnClosed
	}
	defer c.exit()
	if c.encW == nil {
		return ErrConnClosed // aborted
	}
	return c.encodePiece(b)
}

// readDone writes the piece just read. Loop-only.
func (p *filePump) readDone() {
	if p.err != nil {
		p.end(p.err)
		return
	}
	p.write()
}

// write hands the piece (encoded, under an encoder) to the connection,
// or waits until it can take it. Loop-only.
func (p *filePump) write() {
	var err error
	if p.enc {
		err = p.s.writeEncoded()
	} else {
		_, err = p.s.writeDirect((*p.buf)[:p.n])
	}
	switch err {
	case nil:
		p.off += int64(p.n)
		p.left -= int64(p.n)
		p.read()
	case ErrBackpressure:
		p.s.OnWritable(p.writeFn)
	default:
		p.end(err)
	}
}

// end closes the file and finishes the response: ended when every byte
// went out, aborted (the client sees the body cut short) after an error.
// Loop-only.
func (p *filePump) end(err error) {
	if p.f != nil {
		p.f.Close()
	}
	fileBufs.Put(p.buf)
	p.buf = nil
	if err == nil {
		_ = p.s.Close()
		return
	}
	if !errors.Is(err, ErrConnClosed) {
		p.c.app.log.Error("eddy: streaming a file", "path", string(p.c.PathBytes()), "error", err)
	}
	if p.c.enter() {
		p.c.abortStream()
		p.c.exit()
	}
}
