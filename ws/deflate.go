package ws

import (
	"compress/flate"
	"io"
	"sync"
)

// DeflateParams are negotiated permessage-deflate parameters (RFC 7692):
// the Handshake reports them, NewInflater and NewDeflater take them. Window
// bits are 8 to 15 (15 when the parameter was absent).
type DeflateParams struct {
	ServerNoContextTakeover bool
	ClientNoContextTakeover bool
	ServerMaxWindowBits     int
	ClientMaxWindowBits     int
}

// forPeer returns the context takeover and window of the messages the peer
// of role r compresses (the ones r's Inflater reads).
func (d DeflateParams) forPeer(r Role) (takeover bool, window int) {
	if r == RoleServer {
		return !d.ClientNoContextTakeover, windowOf(d.ClientMaxWindowBits)
	}
	return !d.ServerNoContextTakeover, windowOf(d.ServerMaxWindowBits)
}

// forSelf returns the context takeover and window of the messages role r
// compresses (the ones r's Deflater writes).
func (d DeflateParams) forSelf(r Role) (takeover bool, window int) {
	if r == RoleServer {
		return !d.ServerNoContextTakeover, windowOf(d.ServerMaxWindowBits)
	}
	return !d.ClientNoContextTakeover, windowOf(d.ClientMaxWindowBits)
}

func windowOf(bits int) int {
	if bits < 8 || bits > 15 {
		bits = 15
	}
	return 1 << bits
}

// deflateTail ends every message given to the decompressor: the empty
// stored block the sender removed (RFC 7692 7.2.2), then an empty final
// block, so the decompressor reports io.EOF at the end of the message.
const deflateTail = "\x00\x00\xff\xff\x01\x00\x00\xff\xff"

// Inflater decompresses the permessage-deflate messages of one connection
// for a Parser (set Parser.Inflater). With context takeover it keeps
// compress/flate's decompressor and the last window of decompressed bytes
// (up to 32 KiB, as the peer's window bits say) between messages: about
// 72 KiB, allocated at the first compressed message. Without, it keeps
// only its output buffer, and borrows a decompressor from a pool shared by
// the process for each message.
type Inflater struct {
	takeover bool
	window   int
	fr       io.ReadCloser
	src      inflateSource
	dict     []byte
	out      []byte
}

// NewInflater returns an Inflater for the messages the peer of role r
// sends under the negotiated params p (a server reads with the client_*
// parameters).
func NewInflater(p DeflateParams, r Role) *Inflater {
	takeover, window := p.forPeer(r)
	return &Inflater{takeover: takeover, window: window}
}

// Reset forgets the context kept between messages.
func (f *Inflater) Reset() { f.dict = f.dict[:0] }

// inflateSource feeds a message, then deflateTail, to the decompressor. It
// is an io.ByteReader, so flate reads it directly, without a bufio.Reader.
type inflateSource struct {
	data []byte
	tail int
}

func (s *inflateSource) ReadByte() (byte, error) {
	if len(s.data) > 0 {
		b := s.data[0]
		s.data = s.data[1:]
		return b, nil
	}
	if s.tail < len(deflateTail) {
		b := deflateTail[s.tail]
		s.tail++
		return b, nil
	}
	return 0, io.EOF
}

func (s *inflateSource) Read(b []byte) (int, error) {
	if len(s.data) > 0 {
		n := copy(b, s.data)
		s.data = s.data[n:]
		return n, nil
	}
	if s.tail < len(deflateTail) {
		n := copy(b, deflateTail[s.tail:])
		s.tail += n
		return n, nil
	}
	return 0, io.EOF
}

// readers holds compress/flate decompressors (io.ReadCloser) for the
// Inflaters that keep no context: they borrow one per message, so a
// connection holds none between messages. sync.Pool is safe for
// concurrent use.
var readers sync.Pool

// inflate decompresses one message. The result is valid until the next
// call; it fails with ErrDecompressedTooBig as soon as the output passes
// limit, having grown its buffer only as output was produced.
//
// With text set, the output is validated as UTF-8 as it is produced: an
// invalid message fails with ErrInvalidUTF8 without being decompressed
// further.
func (f *Inflater) inflate(in []byte, limit int64, text bool) ([]byte, error) {
	f.src = inflateSource{data: in}
	fr := f.fr
	if !f.takeover {
		fr, _ = readers.Get().(io.ReadCloser)
	}
	if fr == nil {
		fr = flate.NewReaderDict(&f.src, f.dict)
	} else if err := fr.(flate.Resetter).Reset(&f.src, f.dict); err != nil {
		return nil, ErrBadCompressedData
	}
	out, err := f.decode(fr, limit, text)
	if f.takeover {
		f.fr = fr
	} else {
		readers.Put(fr)
	}
	f.src = inflateSource{} // the pool must not keep the message alive
	if err != nil {
		return nil, err
	}
	if f.takeover {
		f.dict = slide(f.dict, out, f.window)
	}
	return out, nil
}

// decode reads fr to its end into f.out.
func (f *Inflater) decode(fr io.Reader, limit int64, text bool) ([]byte, error) {
	if cap(f.out) > keepBuf {
		f.out = nil
	}
	f.out = f.out[:0]
	var v validator
	for {
		out := f.out
		if len(out) == cap(out) {
			grow := max(2*cap(out), 512)
			if int64(grow) > limit+1 {
				grow = int(limit + 1)
			}
			if grow <= len(out) {
				return nil, ErrDecompressedTooBig
			}
			next := make([]byte, len(out), grow)
			copy(next, out)
			out = next
		}
		k, err := fr.Read(out[len(out):cap(out)])
		out = out[:len(out)+k]
		f.out = out
		if int64(len(out)) > limit {
			return nil, ErrDecompressedTooBig
		}
		if text && !v.feed(out[len(out)-k:]) {
			return nil, ErrInvalidUTF8
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, ErrBadCompressedData
		}
	}
	if len(f.src.data) > 0 {
		// A final block ended the stream before the message did.
		return nil, ErrBadCompressedData
	}
	if text && !v.complete() {
		return nil, ErrInvalidUTF8
	}
	return f.out, nil
}

// slide appends out to the window dict, keeping its last w bytes.
func slide(dict, out []byte, w int) []byte {
	if dict == nil {
		dict = make([]byte, 0, w)
	}
	if len(out) >= w {
		return append(dict[:0], out[len(out)-w:]...)
	}
	if extra := len(dict) + len(out) - w; extra > 0 {
		copy(dict, dict[extra:])
		dict = dict[:len(dict)-extra]
	}
	return append(dict, out...)
}

// Deflater compresses the messages one connection sends with
// permessage-deflate, with compress/flate at BestSpeed. With context
// takeover it keeps its compressor between messages, and compress/flate's
// is large (about 1.2 MB, allocated at the first message); without
// (server_no_context_takeover for a server, or a window below 15 bits) it
// borrows one from a pool shared by the process for each message and keeps
// nothing. A server that expects many compressed connections therefore
// sets DeflateOptions.ServerNoContextTakeover.
//
// Window bits below 15 are honoured by compressing the message in pieces of
// the window's size, each with a fresh compressor state: no back reference
// reaches further than the window allows.
type Deflater struct {
	takeover bool
	window   int
	fw       *flate.Writer
	w        sliceWriter
	scratch  []byte
}

// NewDeflater returns a Deflater for the messages role r sends under the
// negotiated params p (a server writes with the server_* parameters).
func NewDeflater(p DeflateParams, r Role) *Deflater {
	takeover, window := p.forSelf(r)
	if window < 1<<15 {
		takeover = false
	}
	return &Deflater{takeover: takeover, window: window}
}

type sliceWriter struct{ b []byte }

func (w *sliceWriter) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	return len(p), nil
}

// writers holds compress/flate compressors at BestSpeed for the Deflaters
// that keep no context: they borrow one per message, so a connection holds
// none between messages. sync.Pool is safe for concurrent use.
var writers sync.Pool

// compress appends the compressed form of payload to dst, without the
// trailing empty stored block (RFC 7692 7.2.1).
func (d *Deflater) compress(dst, payload []byte) []byte {
	d.w.b = dst
	fw := d.fw
	if !d.takeover {
		fw, _ = writers.Get().(*flate.Writer)
		if fw != nil {
			fw.Reset(&d.w)
		}
	}
	if fw == nil {
		fw, _ = flate.NewWriter(&d.w, flate.BestSpeed)
	}
	for {
		piece := payload
		if !d.takeover && len(piece) > d.window {
			piece = piece[:d.window]
		}
		_, _ = fw.Write(piece)
		_ = fw.Flush()
		payload = payload[len(piece):]
		if len(payload) == 0 {
			break
		}
		if !d.takeover {
			fw.Reset(&d.w)
		}
	}
	if d.takeover {
		d.fw = fw
	} else {
		fw.Reset(io.Discard) // the pool must not keep d alive
		writers.Put(fw)
	}
	out := d.w.b
	d.w.b = nil
	return out[:len(out)-4] // Flush always ends with 00 00 ff ff
}

// AppendFrame appends payload as one compressed, unmasked frame (a
// server's) with op (OpText or OpBinary) and the RSV1 bit. Not safe for
// concurrent use: one call at a time, in the order the frames are sent.
func (d *Deflater) AppendFrame(dst []byte, op Op, payload []byte) []byte {
	return d.appendFrame(dst, op, payload, false, [4]byte{})
}

// AppendMaskedFrame is AppendFrame for a client, masked with key. Not
// safe for concurrent use, as AppendFrame.
func (d *Deflater) AppendMaskedFrame(dst []byte, op Op, payload []byte, key [4]byte) []byte {
	return d.appendFrame(dst, op, payload, true, key)
}

func (d *Deflater) appendFrame(dst []byte, op Op, payload []byte, masked bool, key [4]byte) []byte {
	if cap(d.scratch) > keepBuf {
		d.scratch = nil
	}
	z := d.compress(d.scratch[:0], payload)
	d.scratch = z
	dst = AppendHeader(dst, Header{Fin: true, Rsv1: true, Op: op, Masked: masked, Mask: key, Length: int64(len(z))})
	n := len(dst)
	dst = append(dst, z...)
	if masked {
		Mask(dst[n:], key, 0)
	}
	return dst
}
