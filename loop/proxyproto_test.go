package loop

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// v2 builds a version 2 header: verCmd, family, address block, TLVs.
func v2(verCmd, fam byte, addr []byte, tlvs ...ProxyTLV) []byte {
	body := append([]byte(nil), addr...)
	for _, t := range tlvs {
		body = append(body, t.Type, byte(len(t.Value)>>8), byte(len(t.Value)))
		body = append(body, t.Value...)
	}
	h := append(append([]byte(nil), proxyV2Sig...), verCmd, fam, 0, 0)
	binary.BigEndian.PutUint16(h[14:16], uint16(len(body)))
	return append(h, body...)
}

func inet4(src, dst string, sp, dp uint16) []byte {
	b := append(net.ParseIP(src).To4(), net.ParseIP(dst).To4()...)
	return binary.BigEndian.AppendUint16(binary.BigEndian.AppendUint16(b, sp), dp)
}

func inet6(src, dst string, sp, dp uint16) []byte {
	b := append(net.ParseIP(src).To16(), net.ParseIP(dst).To16()...)
	return binary.BigEndian.AppendUint16(binary.BigEndian.AppendUint16(b, sp), dp)
}

func unixAddrs(src, dst string) []byte {
	b := make([]byte, 216)
	copy(b, src)
	copy(b[108:], dst)
	return b
}

var proxyCases = []struct {
	name    string
	in      []byte
	err     error  // nil: valid
	src     string // Source.String(), "" for none
	local   bool
	tlvType byte
	tlv     string
}{
	{name: "v1 tcp4", in: []byte("PROXY TCP4 203.0.113.7 10.0.0.1 56324 443\r\n"), src: "203.0.113.7:56324"},
	{name: "v1 tcp6", in: []byte("PROXY TCP6 2001:db8::1 2001:db8::2 1 65535\r\n"), src: "[2001:db8::1]:1"},
	{name: "v1 unknown", in: []byte("PROXY UNKNOWN\r\n"), local: true},
	{name: "v1 unknown with addresses", in: []byte("PROXY UNKNOWN ffff:f...f:ffff ffff:f...f:ffff 65535 65535\r\n"), local: true},
	{name: "v1 family mismatch", in: []byte("PROXY TCP4 2001:db8::1 10.0.0.1 1 2\r\n"), err: ErrProxyHeader},
	{name: "v1 bad port", in: []byte("PROXY TCP4 1.2.3.4 10.0.0.1 65536 443\r\n"), err: ErrProxyHeader},
	{name: "v1 leading zero port", in: []byte("PROXY TCP4 1.2.3.4 10.0.0.1 080 443\r\n"), err: ErrProxyHeader},
	{name: "v1 bad address", in: []byte("PROXY TCP4 1.2.3 10.0.0.1 1 2\r\n"), err: ErrProxyHeader},
	{name: "v1 missing field", in: []byte("PROXY TCP4 1.2.3.4 10.0.0.1 1\r\n"), err: ErrProxyHeader},
	{name: "v1 bare LF", in: []byte("PROXY TCP4 1.2.3.4 10.0.0.1 1 2\n" + strings.Repeat("x", 120)), err: ErrProxyHeader},
	{name: "v1 too long", in: []byte("PROXY TCP4 " + strings.Repeat("1", 100) + "\r\n"), err: ErrProxyHeader},
	{name: "v2 tcp4", in: v2(0x21, 0x11, inet4("203.0.113.7", "10.0.0.1", 56324, 443)), src: "203.0.113.7:56324"},
	{name: "v2 tcp6 with TLVs", in: v2(0x21, 0x21, inet6("2001:db8::1", "2001:db8::2", 7, 8),
		ProxyTLV{Type: 0x01, Value: []byte("h2")}, ProxyTLV{Type: 0x02, Value: []byte("api.example.com")}),
		src: "[2001:db8::1]:7", tlvType: 0x02, tlv: "api.example.com"},
	{name: "v2 udp4", in: v2(0x21, 0x12, inet4("203.0.113.7", "10.0.0.1", 1, 2)), src: "203.0.113.7:1"},
	{name: "v2 unix", in: v2(0x21, 0x31, unixAddrs("/tmp/client", "/tmp/server")), src: "/tmp/client"},
	{name: "v2 local", in: v2(0x20, 0x00, nil), local: true},
	{name: "v2 local with addresses", in: v2(0x20, 0x11, inet4("1.2.3.4", "5.6.7.8", 1, 2)), local: true},
	// LOCAL with a family this parser does not know: its address block (here bytes that
	// would be a malformed TLV) is skipped whole, not read as TLVs.
	{name: "v2 local unknown family", in: v2(0x20, 0x41, []byte{0xff, 0xff, 0x01, 0x02, 0x03}), local: true},
	{name: "v2 unspec", in: v2(0x21, 0x00, nil), local: true},
	{name: "v2 bad version", in: v2(0x11, 0x11, inet4("1.2.3.4", "5.6.7.8", 1, 2)), err: ErrProxyHeader},
	{name: "v2 bad command", in: v2(0x22, 0x11, inet4("1.2.3.4", "5.6.7.8", 1, 2)), err: ErrProxyHeader},
	{name: "v2 bad family", in: v2(0x21, 0x41, nil), err: ErrProxyHeader},
	{name: "v2 short address block", in: v2(0x21, 0x21, inet4("1.2.3.4", "5.6.7.8", 1, 2)), err: ErrProxyHeader},
	{name: "garbage", in: []byte("GET / HTTP/1.1\r\n\r\n"), err: errNotProxy},
	{name: "almost v1", in: []byte("PROXZ TCP4 1.2.3.4 5.6.7.8 1 2\r\n"), err: errNotProxy},
}

func TestParseProxy(t *testing.T) {
	// A v2 header whose TLV length runs past the body.
	bad := v2(0x21, 0x11, inet4("1.2.3.4", "5.6.7.8", 1, 2), ProxyTLV{Type: 1, Value: []byte("abc")})
	bad[len(bad)-4] = 9 // the TLV's length low byte: 0x0009 > 3
	bad[len(bad)-5] = 0
	cases := append(proxyCases[:len(proxyCases):len(proxyCases)], struct {
		name    string
		in      []byte
		err     error
		src     string
		local   bool
		tlvType byte
		tlv     string
	}{name: "v2 TLV past the end", in: bad, err: ErrProxyHeader})
	for _, tc := range cases {
		h, n, err := parseProxy(tc.in)
		if err != tc.err {
			t.Errorf("%s: err %v, want %v", tc.name, err, tc.err)
			continue
		}
		if err != nil {
			continue
		}
		if n != len(tc.in) {
			t.Errorf("%s: length %d, want %d", tc.name, n, len(tc.in))
		}
		src := ""
		if h.Source != nil {
			src = h.Source.String()
		}
		if src != tc.src || h.Local != tc.local {
			t.Errorf("%s: source %q local %v, want %q %v", tc.name, src, h.Local, tc.src, tc.local)
		}
		if tc.tlvType != 0 {
			if v, ok := h.TLV(tc.tlvType); !ok || string(v) != tc.tlv {
				t.Errorf("%s: TLV %d = %q", tc.name, tc.tlvType, v)
			}
		}
		// Every proper prefix of a valid header needs more bytes.
		for i := 1; i < len(tc.in); i++ {
			if _, _, err := parseProxy(bytes.Clone(tc.in[:i])); err != errProxyShort {
				t.Fatalf("%s cut at %d: %v, want errProxyShort", tc.name, i, err)
			}
		}
		// Bytes after the header are not its.
		if _, n2, err := parseProxy(append(bytes.Clone(tc.in), "GET / HTTP/1.1\r\n"...)); err != nil || n2 != n {
			t.Errorf("%s with a request after: %d %v", tc.name, n2, err)
		}
	}
}

func FuzzParseProxy(f *testing.F) {
	for _, tc := range proxyCases {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		h, n, err := parseProxy(b)
		if err == nil && (h == nil || n <= 0 || n > len(b)) {
			t.Fatalf("header %v length %d of %d", h, n, len(b))
		}
	})
}

// addrProto answers each connection's first bytes with its RemoteAddr,
// its header's TLV 2 and the bytes themselves.
type addrProto struct{}

func (addrProto) ConnectionMade(*Conn) {}
func (addrProto) DataReceived(c *Conn, data []byte) int {
	out := c.RemoteAddr().String() + "|"
	if h := c.ProxyHeader(); h != nil {
		v, _ := h.TLV(2)
		out += string(v)
	}
	_ = c.Write([]byte(out + "|" + string(data)))
	_ = c.Close()
	return len(data)
}
func (addrProto) ConnectionLost(*Conn, error) {}

func TestProxyProtocolListener(t *testing.T) {
	req := startServer(t, Config{ProxyProtocol: ProxyRequired, ProxyTimeout: 300 * time.Millisecond}, func() Protocol { return addrProto{} })
	opt := startServer(t, Config{ProxyProtocol: ProxyOptional, ProxyTimeout: 300 * time.Millisecond}, func() Protocol { return addrProto{} })
	off := startServer(t, Config{}, func() Protocol { return addrProto{} })
	withTLV := v2(0x21, 0x11, inet4("198.51.100.9", "10.0.0.1", 4000, 80), ProxyTLV{Type: 2, Value: []byte("example.com")})
	cases := []struct {
		name   string
		s      *Server
		send   [][]byte // written in pieces
		want   string   // answer; "" means the connection is closed without one; "PEER" prefix: the real peer
		closeW bool
	}{
		{"v1", req, [][]byte{[]byte("PROXY TCP4 203.0.113.7 10.0.0.1 56324 443\r\nhello")}, "203.0.113.7:56324||hello", false},
		{"v1 in pieces", req, [][]byte{[]byte("PROXY TCP4 203.0."), []byte("113.7 10.0.0.1 56324 443\r"), []byte("\nhello")}, "203.0.113.7:56324||hello", false},
		{"v2 with TLV", req, [][]byte{append(bytes.Clone(withTLV), "hi"...)}, "198.51.100.9:4000|example.com|hi", false},
		{"v2 local keeps the peer", req, [][]byte{append(v2(0x20, 0, nil), "hc"...)}, "PEER||hc", false},
		{"missing header", req, [][]byte{[]byte("GET / HTTP/1.1\r\n\r\n")}, "", false},
		{"garbage v1", req, [][]byte{[]byte("PROXY TCP4 nonsense\r\nhello")}, "", false},
		{"truncated then silent", req, [][]byte{[]byte("PROXY TCP4 203.0.113.7")}, "", false},
		{"nothing at all", req, nil, "", false},
		{"half-closed before a header", req, [][]byte{[]byte("PRO")}, "", true},
		{"optional without header", opt, [][]byte{[]byte("hello")}, "PEER||hello", false},
		{"optional with header", opt, [][]byte{[]byte("PROXY TCP6 2001:db8::1 2001:db8::2 1 2\r\nhey")}, "[2001:db8::1]:1||hey", false},
		{"off: a header is data", off, [][]byte{[]byte("PROXY TCP4 203.0.113.7 10.0.0.1 1 2\r\n")}, "PEER||PROXY TCP4 203.0.113.7 10.0.0.1 1 2\r\n", false},
	}
	for _, tc := range cases {
		c := dial(t, tc.s)
		for i, p := range tc.send {
			if i > 0 {
				time.Sleep(10 * time.Millisecond) // pieces, not one segment (the result is checked, not the timing)
			}
			if _, err := c.Write(p); err != nil {
				t.Fatalf("%s: write: %v", tc.name, err)
			}
		}
		if tc.closeW {
			_ = c.(*net.TCPConn).CloseWrite()
		}
		got, err := io.ReadAll(c)
		want := strings.Replace(tc.want, "PEER", c.LocalAddr().String(), 1)
		if string(got) != want || err != nil && !errors.Is(err, net.ErrClosed) && !isReset(err) {
			t.Errorf("%s: got %q (%v), want %q", tc.name, got, err, want)
		}
	}
	if _, err := New(Config{Addr: "127.0.0.1:0", ProxyProtocol: ProxyRequired, ReusePort: true}, func() Protocol { return addrProto{} }); err == nil {
		t.Error("ProxyProtocol with ReusePort accepted")
	}
}

func isReset(err error) bool {
	return strings.Contains(err.Error(), "connection reset")
}

// tcpPair returns both ends of a loopback TCP connection.
func tcpPair(t *testing.T) (client, server net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server, err = ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close(); server.Close() })
	return client, server
}

// The header reader waits in Go's poller for the rest of a header that arrives in
// pieces: one peek per arrival, not a poll every few milliseconds (it used to sleep
// 2 ms between peeks while any byte was buffered); it holds a small buffer, not 16 KiB
// per connection, and grows it only for a long version 2 header once it has arrived.
func TestReadProxyNoPolling(t *testing.T) {
	long := v2(0x21, 0x11, inet4("198.51.100.9", "10.0.0.1", 4000, 80), ProxyTLV{Type: 2, Value: bytes.Repeat([]byte("a"), 1000)})
	cases := []struct {
		name   string
		pieces [][]byte
		src    string
	}{
		{"v1", [][]byte{[]byte("PROXY TCP4 203.0."), []byte("113.7 10.0.0.1 56324 443\r"), []byte("\nhello")}, "203.0.113.7:56324"},
		{"v2 prefix", [][]byte{[]byte("\r\n\r\n\x00"), v2(0x21, 0x11, inet4("1.2.3.4", "5.6.7.8", 1, 2))[5:]}, "1.2.3.4:1"},
		{"v2 longer than the small buffer", [][]byte{long[:300], long[300:900], append(long[900:], "hello"...)}, "198.51.100.9:4000"},
	}
	const gap = 30 * time.Millisecond
	for _, tc := range cases {
		client, server := tcpPair(t)
		go func() {
			for i, p := range tc.pieces {
				if i > 0 {
					time.Sleep(gap) // pieces with time between them: the old reader polled through it
				}
				_, _ = client.Write(p)
			}
		}()
		var r proxyReader
		h, err := r.read(server, ProxyRequired, 5*time.Second)
		if err != nil || h.Source.String() != tc.src {
			t.Fatalf("%s: header %v, %v; want source %s", tc.name, h, err, tc.src)
		}
		// Each piece is peeked once or twice (a readiness already reported when the
		// reader started waiting wakes it once more), plus the final peek.
		if max := 2*len(tc.pieces) + 2; r.peeks > max {
			t.Errorf("%s: %d peeks for %d pieces %v apart, want at most %d (polling)", tc.name, r.peeks, len(tc.pieces), gap, max)
		}
		if tc.name != "v2 longer than the small buffer" && cap(r.buf) > proxySmall {
			t.Errorf("%s: buffer of %d bytes, want %d", tc.name, cap(r.buf), proxySmall)
		}
	}
}

// A version 2 header that declares 16 KiB and never sends it does not make the reader
// hold a 16 KiB buffer: it waits with its small one, then times out.
func TestReadProxyDeclaredLengthNotAllocated(t *testing.T) {
	client, server := tcpPair(t)
	h := v2(0x21, 0x11, inet4("1.2.3.4", "5.6.7.8", 1, 2))
	binary.BigEndian.PutUint16(h[14:16], proxyV2MaxBody)
	h = append(h, bytes.Repeat([]byte{0}, proxySmall)...) // more than the small buffer, less than declared
	if _, err := client.Write(h); err != nil {
		t.Fatal(err)
	}
	var r proxyReader
	if _, err := r.read(server, ProxyRequired, 100*time.Millisecond); err == nil {
		t.Fatal("an incomplete header was accepted")
	}
	if cap(r.buf) > proxySmall {
		t.Fatalf("buffer of %d bytes for a header that never arrived, want %d", cap(r.buf), proxySmall)
	}
}
