package ws

import (
	"compress/flate"
	"io"
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
// for a Parser (set Parser.Inflater). With context takeover it keeps the
// last window of decompressed bytes (up to 32 KiB, as the peer's window
// bits say) between messages; without, it keeps nothing between messages,
// and one Inflater may serve every connection of a loop in turn. Its
// decompressor (about 43 KiB, compress/flate's) is allocated at the first
// compressed message.
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

// inflate decompresses one message. The result is valid until the next
// call; it fails with ErrDecompressedTooBig as soon as the output passes
// limit, having grown its buffer only as output was produced.
func (f *Inflater) inflate(in []byte, limit int64) ([]byte, error) {
	f.src = inflateSource{data: in}
	var dict []byte
	if f.takeover {
		dict = f.dict
	}
	if f.fr == nil {
		f.fr = flate.NewReaderDict(&f.src, dict)
	} else if err := f.fr.(flate.Resetter).Reset(&f.src, dict); err != nil {
		return nil, ErrBadCompressedData
	}
	if cap(f.out) > keepBuf {
		f.out = nil
	}
	f.out = f.out[:0]
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
		k, err := f.fr.Read(out[len(out):cap(out)])
		out = out[:len(out)+k]
		f.out = out
		if int64(len(out)) > limit {
			return nil, ErrDecompressedTooBig
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
	if f.takeover {
		f.dict = slide(f.dict, f.out, f.window)
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
// permessage-deflate. Its compressor is compress/flate's at BestSpeed,
// allocated at the first message; it is large (about 1 MiB), so a server
// that expects many compressed connections negotiates
// server_no_context_takeover, after which one Deflater can serve every
// connection of a loop in turn.
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

// compress appends the compressed form of payload to dst, without the
// trailing empty stored block (RFC 7692 7.2.1).
func (d *Deflater) compress(dst, payload []byte) []byte {
	d.w.b = dst
	if d.fw == nil {
		d.fw, _ = flate.NewWriter(&d.w, flate.BestSpeed)
	} else if !d.takeover {
		d.fw.Reset(&d.w)
	}
	for {
		piece := payload
		if !d.takeover && len(piece) > d.window {
			piece = piece[:d.window]
		}
		_, _ = d.fw.Write(piece)
		_ = d.fw.Flush()
		payload = payload[len(piece):]
		if len(payload) == 0 {
			break
		}
		if !d.takeover {
			d.fw.Reset(&d.w)
		}
	}
	out := d.w.b
	d.w.b = nil
	return out[:len(out)-4] // Flush always ends with 00 00 ff ff
}

// AppendFrame appends payload as one compressed, unmasked frame (a
// server's) with op (OpText or OpBinary) and the RSV1 bit. Loop-only.
func (d *Deflater) AppendFrame(dst []byte, op Op, payload []byte) []byte {
	return d.appendFrame(dst, op, payload, false, [4]byte{})
}

// AppendMaskedFrame is AppendFrame for a client, masked with key.
// Loop-only.
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
