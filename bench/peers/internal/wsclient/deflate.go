package wsclient

import (
	"bytes"
	"compress/flate"
	"errors"
	"io"
)

// Compress deflates one message for permessage-deflate (RFC 7692 section 7.2.1): a fresh
// compressor per message (valid whatever context takeover was negotiated, since the client may
// always reset its context), with the trailing empty stored block's 00 00 ff ff removed.
func Compress(p []byte) []byte {
	var b bytes.Buffer
	w, _ := flate.NewWriter(&b, flate.BestSpeed)
	w.Write(p)
	w.Flush()
	out := b.Bytes()
	return bytes.TrimSuffix(out, []byte{0, 0, 0xff, 0xff})
}

// Inflater decompresses the server's messages. It keeps the last 32 KiB of output as the next
// message's dictionary, which is right both with and without server context takeover (a server
// that resets its context simply never refers back).
type Inflater struct {
	window []byte
}

// tail completes a message's deflate stream: the 00 00 ff ff the sender removed, then a final
// empty stored block so the reader sees a clean end.
var tail = []byte{0, 0, 0xff, 0xff, 1, 0, 0, 0xff, 0xff}

// ErrInflate wraps a decompression failure.
var ErrInflate = errors.New("wsclient: bad permessage-deflate data")

// Inflate returns the decompressed message, refusing more than limit bytes.
func (d *Inflater) Inflate(p []byte, limit int) ([]byte, error) {
	r := flate.NewReaderDict(io.MultiReader(bytes.NewReader(p), bytes.NewReader(tail)), d.window)
	out, err := io.ReadAll(io.LimitReader(r, int64(limit)+1))
	if err != nil {
		return nil, errors.Join(ErrInflate, err)
	}
	if len(out) > limit {
		return nil, ErrTooLarge
	}
	d.window = append(d.window, out...)
	if n := len(d.window); n > 32<<10 {
		d.window = append(d.window[:0], d.window[n-32<<10:]...)
	}
	return out, nil
}
