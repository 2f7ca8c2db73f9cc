// Package wire is the bench clients' one way to read an HTTP/1.1 response off a
// connection: head plus Content-Length body, with no HTTP library in the way.
package wire

import (
	"bytes"
	"errors"
	"io"
	"strconv"
)

// ErrNoLength is returned for a response head without a Content-Length.
var ErrNoLength = errors.New("response has no Content-Length")

// ReadResponse reads one whole response (head and Content-Length body) from r and
// returns it. Bytes the peer sent after it and that arrived in the same read are
// dropped, so use it with one response in flight.
func ReadResponse(r io.Reader) ([]byte, error) {
	buf := make([]byte, 0, 1024)
	for {
		if end := bytes.Index(buf, []byte("\r\n\r\n")); end >= 0 {
			n, err := contentLength(buf[:end+2])
			if err != nil {
				return nil, err
			}
			want := end + 4 + n
			for len(buf) < want {
				if buf, err = readMore(r, buf); err != nil {
					return nil, err
				}
			}
			return buf[:want], nil
		}
		var err error
		if buf, err = readMore(r, buf); err != nil {
			return nil, err
		}
	}
}

// readMore appends what one Read gives to buf, growing it when full.
func readMore(r io.Reader, buf []byte) ([]byte, error) {
	if len(buf) == cap(buf) {
		buf = append(buf, 0)[:len(buf)]
	}
	n, err := r.Read(buf[len(buf):cap(buf)])
	buf = buf[:len(buf)+n]
	if n > 0 {
		return buf, nil
	}
	if err == nil {
		err = io.ErrNoProgress
	}
	return buf, err
}

func contentLength(head []byte) (int, error) {
	for line := range bytes.SplitSeq(head, []byte("\r\n")) {
		name, value, ok := bytes.Cut(line, []byte(":"))
		if ok && bytes.EqualFold(bytes.TrimSpace(name), []byte("Content-Length")) {
			return strconv.Atoi(string(bytes.TrimSpace(value)))
		}
	}
	return 0, ErrNoLength
}
