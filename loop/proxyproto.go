package loop

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/netip"
	"strconv"
	"syscall"
	"time"
	"unsafe"
)

// ProxyProtocol says whether the server's own listener reads a PROXY
// protocol header (HAProxy's, versions 1 and 2) from each accepted
// connection before it reaches a loop: the header, written by a load
// balancer in front, carries the client's address, which RemoteAddr then
// reports.
type ProxyProtocol uint8

const (
	// ProxyOff reads no header: the default.
	ProxyOff ProxyProtocol = iota
	// ProxyOptional reads a header when the connection starts with one
	// and takes the connection as it is otherwise. Use it only while
	// migrating: a client reaching the server directly can then send a
	// header of its own and choose its address.
	ProxyOptional
	// ProxyRequired closes a connection whose first bytes are not a valid
	// header.
	ProxyRequired
)

// ProxyHeader is what a PROXY protocol header said.
type ProxyHeader struct {
	Version int // 1 or 2
	// Local is a version 2 LOCAL command (the balancer's own health
	// check) or a version 1 UNKNOWN: no addresses; RemoteAddr reports the
	// connection's peer.
	Local bool
	// Source and Destination are the client's address and the address it
	// connected to (*net.TCPAddr or *net.UnixAddr); nil when Local.
	Source, Destination net.Addr
	// TLVs are version 2's type-length-value extensions (ALPN, authority,
	// unique ID, SSL details ...), in order.
	TLVs []ProxyTLV
}

// ProxyTLV is one version 2 extension.
type ProxyTLV struct {
	Type  byte
	Value []byte
}

// TLV returns the value of the first extension of type typ.
func (h *ProxyHeader) TLV(typ byte) ([]byte, bool) {
	for _, t := range h.TLVs {
		if t.Type == typ {
			return t.Value, true
		}
	}
	return nil, false
}

// ErrProxyHeader reports a missing (with ProxyRequired) or malformed PROXY
// protocol header; the connection is closed.
var ErrProxyHeader = errors.New("loop: bad or missing PROXY protocol header")

var (
	errProxyShort = errors.New("loop: PROXY header incomplete")
	errNotProxy   = errors.New("loop: no PROXY header")
)

var proxyV2Sig = []byte("\r\n\r\n\x00\r\nQUIT\n")

const (
	proxyV1Max     = 107 // the longest version 1 header, CRLF included
	proxyV2MaxBody = 16 << 10
	// proxyPending bounds the connections whose header is being read at
	// once (each holds a goroutine for at most the header timeout); past
	// it new connections are closed.
	proxyPending = 4096
	// defaultProxyTimeout bounds the wait for a header.
	defaultProxyTimeout = 5 * time.Second
)

// parseProxy parses the header at the start of b: the header and its
// length, errProxyShort when b ends before it does, errNotProxy when b
// does not start with a header, or ErrProxyHeader.
func parseProxy(b []byte) (*ProxyHeader, int, error) {
	switch {
	case hasPrefixOf(b, proxyV2Sig):
		if len(b) < 16 {
			return nil, 0, errProxyShort
		}
		return parseProxyV2(b)
	case hasPrefixOf(b, []byte("PROXY ")):
		if len(b) < 6 {
			return nil, 0, errProxyShort
		}
		return parseProxyV1(b)
	}
	return nil, 0, errNotProxy
}

// hasPrefixOf reports whether b and sig agree on their common length (b
// may be a start of sig still arriving).
func hasPrefixOf(b, sig []byte) bool {
	n := min(len(b), len(sig))
	return n > 0 && bytes.Equal(b[:n], sig[:n])
}

// parseProxyV1 parses "PROXY TCP4 src dst sport dport\r\n" or
// "PROXY UNKNOWN ...\r\n".
func parseProxyV1(b []byte) (*ProxyHeader, int, error) {
	end := bytes.Index(b, []byte("\r\n"))
	if end < 0 {
		if len(b) >= proxyV1Max {
			return nil, 0, ErrProxyHeader
		}
		return nil, 0, errProxyShort
	}
	if end+2 > proxyV1Max {
		return nil, 0, ErrProxyHeader
	}
	f := bytes.Split(b[:end], []byte(" "))
	h := &ProxyHeader{Version: 1}
	if len(f) >= 2 && string(f[1]) == "UNKNOWN" {
		h.Local = true
		return h, end + 2, nil
	}
	if len(f) != 6 || string(f[1]) != "TCP4" && string(f[1]) != "TCP6" {
		return nil, 0, ErrProxyHeader
	}
	src, err1 := netip.ParseAddr(string(f[2]))
	dst, err2 := netip.ParseAddr(string(f[3]))
	sp, err3 := parsePort(f[4])
	dp, err4 := parsePort(f[5])
	if err1 != nil || err2 != nil || err3 != nil || err4 != nil || src.Is4() != (string(f[1]) == "TCP4") ||
		dst.Is4() != src.Is4() || src.Zone() != "" || dst.Zone() != "" {
		return nil, 0, ErrProxyHeader
	}
	h.Source = net.TCPAddrFromAddrPort(netip.AddrPortFrom(src, sp))
	h.Destination = net.TCPAddrFromAddrPort(netip.AddrPortFrom(dst, dp))
	return h, end + 2, nil
}

// parsePort parses a decimal port without sign or leading zeros.
func parsePort(b []byte) (uint16, error) {
	if len(b) == 0 || len(b) > 5 || len(b) > 1 && b[0] == '0' {
		return 0, ErrProxyHeader
	}
	n, err := strconv.ParseUint(string(b), 10, 16)
	return uint16(n), err
}

// parseProxyV2 parses a binary header (b holds at least its 16-byte
// prefix).
func parseProxyV2(b []byte) (*ProxyHeader, int, error) {
	verCmd, fam := b[12], b[13]
	n := int(binary.BigEndian.Uint16(b[14:16]))
	if verCmd>>4 != 2 || n > proxyV2MaxBody {
		return nil, 0, ErrProxyHeader
	}
	if len(b) < 16+n {
		return nil, 0, errProxyShort
	}
	body := b[16 : 16+n]
	h := &ProxyHeader{Version: 2}
	var alen int
	switch cmd := verCmd & 0xf; {
	case cmd == 0: // LOCAL: addresses, if any, are skipped
		h.Local = true
		alen = addrLen(fam)
	case cmd == 1: // PROXY
		alen = addrLen(fam)
		if alen < 0 || fam&0xf != 1 && fam&0xf != 2 { // TCP or UDP over INET, INET6, UNIX
			if fam == 0 { // AF_UNSPEC: like LOCAL
				h.Local = true
				alen = 0
				break
			}
			return nil, 0, ErrProxyHeader
		}
	default:
		return nil, 0, ErrProxyHeader
	}
	if alen < 0 {
		// LOCAL with an unknown family: its address block's length is unknown, so the
		// whole body is skipped (the receiver discards a LOCAL's protocol block).
		alen = len(body)
	}
	if len(body) < alen {
		return nil, 0, ErrProxyHeader
	}
	if !h.Local {
		a := body[:alen]
		switch fam >> 4 {
		case 1:
			src, _ := netip.AddrFromSlice(a[0:4])
			dst, _ := netip.AddrFromSlice(a[4:8])
			h.Source = net.TCPAddrFromAddrPort(netip.AddrPortFrom(src, binary.BigEndian.Uint16(a[8:10])))
			h.Destination = net.TCPAddrFromAddrPort(netip.AddrPortFrom(dst, binary.BigEndian.Uint16(a[10:12])))
		case 2:
			src, _ := netip.AddrFromSlice(a[0:16])
			dst, _ := netip.AddrFromSlice(a[16:32])
			h.Source = net.TCPAddrFromAddrPort(netip.AddrPortFrom(src, binary.BigEndian.Uint16(a[32:34])))
			h.Destination = net.TCPAddrFromAddrPort(netip.AddrPortFrom(dst, binary.BigEndian.Uint16(a[34:36])))
		case 3:
			h.Source = &net.UnixAddr{Net: "unix", Name: cString(a[0:108])}
			h.Destination = &net.UnixAddr{Net: "unix", Name: cString(a[108:216])}
		}
	}
	tlv := body[alen:]
	for len(tlv) > 0 {
		if len(tlv) < 3 {
			return nil, 0, ErrProxyHeader
		}
		l := int(binary.BigEndian.Uint16(tlv[1:3]))
		if len(tlv) < 3+l {
			return nil, 0, ErrProxyHeader
		}
		h.TLVs = append(h.TLVs, ProxyTLV{Type: tlv[0], Value: bytes.Clone(tlv[3 : 3+l])})
		tlv = tlv[3+l:]
	}
	return h, 16 + n, nil
}

// addrLen is the address block's length for a version 2 family byte, -1
// for an unknown one.
func addrLen(fam byte) int {
	switch fam >> 4 {
	case 0:
		return 0
	case 1:
		return 12
	case 2:
		return 36
	case 3:
		return 216
	}
	return -1
}

func cString(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

// proxySmall is the buffer a header is peeked into: every version 1 header fits, and
// version 2 headers of up to proxySmall bytes (addresses and a few TLVs). A longer
// version 2 header gets a buffer of its declared length, once that many bytes are
// buffered in the socket: a peer that declares 16 KiB and sends less makes us hold
// nothing more than proxySmall.
const proxySmall = 256

// proxyReader reads one connection's PROXY header (readProxy).
type proxyReader struct {
	buf   []byte
	peeks int // peeks made: one per arrival of bytes, never a poll (tests count them)
}

// readProxy reads the PROXY header from nc before it is enrolled: the
// header (nil when there is none and mode allows it), having consumed
// exactly its bytes. It peeks (MSG_PEEK), so a connection without a
// header loses nothing in ProxyOptional mode, and waits for more bytes in
// Go's poller between peeks (no polling). Bounded by timeout.
func readProxy(nc net.Conn, mode ProxyProtocol, timeout time.Duration) (*ProxyHeader, error) {
	var r proxyReader
	return r.read(nc, mode, timeout)
}

func (r *proxyReader) read(nc net.Conn, mode ProxyProtocol, timeout time.Duration) (*ProxyHeader, error) {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return nil, ErrProxyHeader
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil, err
	}
	if err := nc.SetReadDeadline(time.Now().Add(timeout)); err != nil {
		return nil, err
	}
	r.buf = make([]byte, proxySmall)
	var h *ProxyHeader
	var hlen int
	var perr error
	err = rc.Read(func(fd uintptr) bool {
		h, hlen, perr = r.peek(int(fd))
		// Incomplete (or nothing yet): wait for the next arrival. The poller is
		// edge-triggered, so the bytes already peeked do not wake it again.
		return perr != errProxyShort
	})
	if err != nil {
		return nil, err
	}
	switch {
	case perr == nil:
		if _, err := io.ReadFull(nc, r.buf[:hlen]); err != nil {
			return nil, err
		}
		return h, nc.SetReadDeadline(time.Time{})
	case perr == errNotProxy:
		if mode == ProxyOptional {
			return nil, nc.SetReadDeadline(time.Time{})
		}
		return nil, ErrProxyHeader
	}
	return nil, perr
}

// peek parses what fd holds without consuming it: the header, errProxyShort while it
// is incomplete (or nothing arrived yet), io.EOF if the peer closed before a header.
func (r *proxyReader) peek(fd int) (*ProxyHeader, int, error) {
	for {
		r.peeks++
		n, _, err := syscall.Recvfrom(fd, r.buf, syscall.MSG_PEEK)
		switch {
		case err == syscall.EINTR:
			continue
		case err == syscall.EAGAIN:
			return nil, 0, errProxyShort
		case err != nil:
			return nil, 0, err
		case n == 0:
			return nil, 0, io.EOF // closed before a header
		}
		h, hlen, perr := parseProxy(r.buf[:n])
		if perr != errProxyShort || n < len(r.buf) {
			return h, hlen, perr
		}
		// The buffer is full and the header is longer: only a version 2 header (a
		// version 1 header longer than proxySmall is malformed). Peek it whole once
		// the socket holds it all.
		want := 16 + int(binary.BigEndian.Uint16(r.buf[14:16]))
		if q, err := inq(fd); err != nil || q < want {
			return nil, 0, errProxyShort
		}
		r.buf = make([]byte, want)
	}
}

// inq is the number of bytes buffered in fd's receive queue (SIOCINQ).
func inq(fd int) (int, error) {
	var n int32
	_, _, e := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), syscall.TIOCINQ, uintptr(unsafe.Pointer(&n)))
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}

// enrollProxied reads nc's header, then hands nc to a loop; it runs on a
// goroutine of its own per connection, at most proxyPending at once.
func (s *Server) enrollProxied(nc net.Conn) {
	select {
	case s.proxySem <- struct{}{}:
	default:
		nc.Close()
		s.releaseSlot()
		return
	}
	go func() {
		timeout := s.cfg.ProxyTimeout
		if timeout <= 0 {
			timeout = defaultProxyTimeout
		}
		h, err := readProxy(nc, s.cfg.ProxyProtocol, timeout)
		<-s.proxySem
		if err != nil {
			s.log.Debug("loop: closing a connection without a valid PROXY header", "err", err)
			nc.Close()
			s.releaseSlot()
			return
		}
		if err := s.enrollAccepted(nc, h); err != nil {
			s.releaseSlot()
		}
	}()
}

// ProxyHeader returns the PROXY protocol header the connection came with
// (Config.ProxyProtocol), nil if none. Loop-only.
func (c *Conn) ProxyHeader() *ProxyHeader {
	if c.flags&fProxied == 0 {
		return nil
	}
	return c.loop.proxied[c]
}

// setProxied records c's header, before its protocol sees it. Loop-only.
func (l *Loop) setProxied(c *Conn, h *ProxyHeader) {
	if l.proxied == nil {
		l.proxied = make(map[*Conn]*ProxyHeader)
	}
	l.proxied[c] = h
	c.flags |= fProxied
}

// proxiedAddr returns the client's address from c's header, nil when the
// header had none (LOCAL, UNKNOWN). Loop-only.
func (c *Conn) proxiedAddr() net.Addr {
	if h := c.loop.proxied[c]; h != nil && !h.Local {
		return h.Source
	}
	return nil
}

// forgetProxied drops c's header once c is closed. Loop-only.
func (c *Conn) forgetProxied() {
	if c.flags&fProxied != 0 {
		delete(c.loop.proxied, c)
	}
}
