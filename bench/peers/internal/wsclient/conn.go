package wsclient

import (
	"bufio"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"strings"
	"time"
)

// Op codes of RFC 6455 section 5.2.
const (
	OpContinuation byte = 0x0
	OpText         byte = 0x1
	OpBinary       byte = 0x2
	OpClose        byte = 0x8
	OpPing         byte = 0x9
	OpPong         byte = 0xA
)

// RSV1 is the first reserved bit of a frame's first byte (permessage-deflate's "compressed").
const RSV1 byte = 0x40

// MaxPayload bounds the payload of one frame read from a server: a little above the
// contract's 16 MiB message, so a broken length cannot make the client allocate without end.
const MaxPayload = 17 << 20

var (
	// ErrMasked is returned for a server frame with the mask bit set (RFC 6455 section 5.1).
	ErrMasked = errors.New("wsclient: server frame is masked")
	// ErrTooLarge is returned for a frame or message longer than MaxPayload.
	ErrTooLarge = errors.New("wsclient: frame longer than MaxPayload")
)

// StatusError is the handshake's failure when the server answered something other than 101.
type StatusError struct {
	Code int
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("wsclient: handshake answered %d, want 101", e.Code)
}

// CloseError is returned by ReadMessage when the server sent a close frame.
type CloseError struct {
	Code   int // 1005 when the frame had no code
	Reason string
}

func (e *CloseError) Error() string {
	return fmt.Sprintf("wsclient: server closed with %d %q", e.Code, e.Reason)
}

// Options shape Dial.
type Options struct {
	Path       string        // default "/ws"
	Extensions string        // Sec-WebSocket-Extensions offer; "" offers none
	Timeout    time.Duration // for dial and handshake; default 10 s
	ReadBuffer int           // bufio size; default 4 KiB
}

// Conn is one client WebSocket connection.
type Conn struct {
	nc         net.Conn
	br         *bufio.Reader
	rnd        *mrand.ChaCha8
	wbuf       []byte
	rbuf       []byte
	msg        []byte
	wait       time.Duration // Probe's reaction timeout
	Extensions string        // the server's Sec-WebSocket-Extensions answer, "" if none
}

// Frame is one frame as read. Payload is valid until the next read; copy it to keep it.
type Frame struct {
	Fin     bool
	RSV     byte // the three reserved bits, in place (0x70 mask)
	Op      byte
	Payload []byte
}

// Dial connects to addr and performs the opening handshake.
func Dial(addr string, o Options) (*Conn, error) {
	if o.Path == "" {
		o.Path = "/ws"
	}
	if o.Timeout == 0 {
		o.Timeout = 10 * time.Second
	}
	if o.ReadBuffer == 0 {
		o.ReadBuffer = 4096
	}
	nc, err := net.DialTimeout("tcp", addr, o.Timeout)
	if err != nil {
		return nil, err
	}
	c, err := handshake(nc, addr, o)
	if err != nil {
		nc.Close()
		return nil, err
	}
	return c, nil
}

func handshake(nc net.Conn, addr string, o Options) (*Conn, error) {
	var seed [32]byte
	rand.Read(seed[:])
	var key [16]byte
	rand.Read(key[:])
	k := base64.StdEncoding.EncodeToString(key[:])
	var req strings.Builder
	fmt.Fprintf(&req, "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n", o.Path, addr, k)
	if o.Extensions != "" {
		fmt.Fprintf(&req, "Sec-WebSocket-Extensions: %s\r\n", o.Extensions)
	}
	req.WriteString("\r\n")
	nc.SetDeadline(time.Now().Add(o.Timeout))
	if _, err := io.WriteString(nc, req.String()); err != nil {
		return nil, err
	}
	br := bufio.NewReaderSize(nc, o.ReadBuffer)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return nil, fmt.Errorf("wsclient: handshake: %w", err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		resp.Body.Close()
		return nil, &StatusError{Code: resp.StatusCode}
	}
	if got, want := resp.Header.Get("Sec-WebSocket-Accept"), AcceptKey(k); got != want {
		return nil, fmt.Errorf("wsclient: Sec-WebSocket-Accept %q, want %q", got, want)
	}
	nc.SetDeadline(time.Time{})
	return &Conn{
		nc: nc, br: br, rnd: mrand.NewChaCha8(seed),
		Extensions: strings.Join(resp.Header.Values("Sec-WebSocket-Extensions"), ", "),
	}, nil
}

// AcceptKey is the Sec-WebSocket-Accept value for a Sec-WebSocket-Key (RFC 6455 section 4.2.2).
func AcceptKey(key string) string {
	h := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	return base64.StdEncoding.EncodeToString(h[:])
}

// NetConn is the underlying connection (for deadlines and closing).
func (c *Conn) NetConn() net.Conn { return c.nc }

// Close closes the TCP connection without a closing handshake.
func (c *Conn) Close() error { return c.nc.Close() }

// AppendFrame appends one client frame (masked with key) to dst. rsv holds the reserved bits
// in place (0x70 mask); op may be any value 0-15, so callers can build invalid frames.
func AppendFrame(dst []byte, fin bool, rsv, op byte, key [4]byte, payload []byte) []byte {
	b0 := rsv&0x70 | op&0x0f
	if fin {
		b0 |= 0x80
	}
	n := len(payload)
	switch {
	case n < 126:
		dst = append(dst, b0, 0x80|byte(n))
	case n <= 0xffff:
		dst = append(dst, b0, 0x80|126, byte(n>>8), byte(n))
	default:
		dst = append(dst, b0, 0x80|127)
		dst = binary.BigEndian.AppendUint64(dst, uint64(n))
	}
	dst = append(dst, key[:]...)
	start := len(dst)
	dst = append(dst, payload...)
	maskBytes(dst[start:], key)
	return dst
}

// maskBytes XORs p with key in place, starting at key offset 0.
func maskBytes(p []byte, key [4]byte) {
	k := binary.LittleEndian.Uint32(key[:])
	k64 := uint64(k) | uint64(k)<<32
	i := 0
	for ; i+8 <= len(p); i += 8 {
		binary.LittleEndian.PutUint64(p[i:], binary.LittleEndian.Uint64(p[i:])^k64)
	}
	for ; i < len(p); i++ {
		p[i] ^= key[i&3]
	}
}

// WriteFrame writes one masked frame with one Write.
func (c *Conn) WriteFrame(fin bool, rsv, op byte, payload []byte) error {
	var key [4]byte
	binary.LittleEndian.PutUint32(key[:], uint32(c.rnd.Uint64()))
	c.wbuf = AppendFrame(c.wbuf[:0], fin, rsv, op, key, payload)
	_, err := c.nc.Write(c.wbuf)
	return err
}

// WriteRaw writes b as it is (for frames built with AppendFrame, or several at once).
func (c *Conn) WriteRaw(b []byte) error {
	_, err := c.nc.Write(b)
	return err
}

// ReadFrame reads one frame. Its payload is valid until the next read; copy it to keep it.
func (c *Conn) ReadFrame() (Frame, error) {
	var h [2]byte
	if _, err := io.ReadFull(c.br, h[:]); err != nil {
		return Frame{}, err
	}
	f := Frame{Fin: h[0]&0x80 != 0, RSV: h[0] & 0x70, Op: h[0] & 0x0f}
	if h[1]&0x80 != 0 {
		return f, ErrMasked
	}
	n := uint64(h[1] & 0x7f)
	switch n {
	case 126:
		var l [2]byte
		if _, err := io.ReadFull(c.br, l[:]); err != nil {
			return f, err
		}
		n = uint64(binary.BigEndian.Uint16(l[:]))
	case 127:
		var l [8]byte
		if _, err := io.ReadFull(c.br, l[:]); err != nil {
			return f, err
		}
		n = binary.BigEndian.Uint64(l[:])
	}
	if n > MaxPayload {
		return f, ErrTooLarge
	}
	if uint64(cap(c.rbuf)) < n {
		c.rbuf = make([]byte, n)
	}
	f.Payload = c.rbuf[:n]
	if _, err := io.ReadFull(c.br, f.Payload); err != nil {
		return f, err
	}
	return f, nil
}

// ReadMessage reads the next data message, joining fragments, answering pings with pongs
// and skipping pongs. A close frame ends it with a *CloseError. rsv is the first frame's
// reserved bits (RSV1 marks a compressed message). The payload is valid until the next read;
// copy it to keep it.
func (c *Conn) ReadMessage() (op, rsv byte, payload []byte, err error) {
	c.msg = c.msg[:0]
	started := false
	for {
		f, err := c.ReadFrame()
		if err != nil {
			return 0, 0, nil, err
		}
		switch f.Op {
		case OpPing:
			if err := c.WriteFrame(true, 0, OpPong, f.Payload); err != nil {
				return 0, 0, nil, err
			}
			continue
		case OpPong:
			continue
		case OpClose:
			return 0, 0, nil, parseClose(f.Payload)
		}
		if !started {
			op, rsv, started = f.Op, f.RSV, true
			if f.Fin { // the common case: no copy
				return op, rsv, f.Payload, nil
			}
		}
		if len(c.msg)+len(f.Payload) > MaxPayload {
			return 0, 0, nil, ErrTooLarge
		}
		c.msg = append(c.msg, f.Payload...)
		if f.Fin {
			return op, rsv, c.msg, nil
		}
	}
}

func parseClose(p []byte) *CloseError {
	if len(p) < 2 {
		return &CloseError{Code: 1005}
	}
	return &CloseError{Code: int(binary.BigEndian.Uint16(p)), Reason: string(p[2:])}
}

// ClosePayload is a close frame's payload: the code, then the reason.
func ClosePayload(code int, reason string) []byte {
	return append(binary.BigEndian.AppendUint16(nil, uint16(code)), reason...)
}
