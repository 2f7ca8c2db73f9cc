package eddy_test

import (
	"encoding/binary"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/eddytest"
)

// proxyV2 builds a PROXY v2 header for a TCP4 client with one TLV
// (authority, type 2).
func proxyV2(src string, port uint16, authority string) string {
	b := []byte("\r\n\r\n\x00\r\nQUIT\n\x21\x11\x00\x00")
	body := append(net.ParseIP(src).To4(), 10, 0, 0, 1)
	body = binary.BigEndian.AppendUint16(binary.BigEndian.AppendUint16(body, port), 80)
	body = append(body, 2, 0, byte(len(authority)))
	body = append(body, authority...)
	binary.BigEndian.PutUint16(b[14:16], uint16(len(body)))
	return string(append(b, body...))
}

func TestProxyProtocol(t *testing.T) {
	handler := func(c *eddy.Ctx) error {
		out := c.RemoteAddr().String() + " " + c.PeerAddr().String()
		if h := c.ProxyHeader(); h != nil {
			v, _ := h.TLV(2)
			out += " v" + string(rune('0'+h.Version)) + " " + string(v)
		}
		return c.Text(out)
	}
	start := func(mode eddy.ProxyProtocol) *eddytest.Server {
		app := eddy.New(eddy.Config{ProxyProtocol: mode, ProxyTimeout: 300 * time.Millisecond, Logger: quietLogger(io.Discard)})
		app.Get("/", handler)
		return eddytest.New(t, app)
	}
	req, opt, off := start(eddy.ProxyRequired), start(eddy.ProxyOptional), start(eddy.ProxyOff)
	const get = "GET / HTTP/1.1\r\nHost: x\r\n\r\n"
	cases := []struct {
		name   string
		s      *eddytest.Server
		send   string
		status int    // 0: closed without an answer
		want   string // "PEER" stands for the test's own address (PeerAddr is the header's client too)
	}{
		{"v1", req, "PROXY TCP4 203.0.113.7 10.0.0.1 5555 80\r\n" + get, 200, "203.0.113.7:5555 203.0.113.7:5555 v1 "},
		{"v2 with TLV", req, proxyV2("198.51.100.9", 4000, "api.example.com") + get, 200, "198.51.100.9:4000 198.51.100.9:4000 v2 api.example.com"},
		{"required, missing", req, get, 0, ""},
		{"required, garbage", req, "PROXY TCP4 1.2.3\r\n" + get, 0, ""},
		{"required, truncated", req, "PROXY TCP4 203.0.113.7 10.0", 0, ""},
		{"optional, none", opt, get, 200, "PEER PEER"},
		{"optional, v1", opt, "PROXY TCP4 203.0.113.7 10.0.0.1 5555 80\r\n" + get, 200, "203.0.113.7:5555 203.0.113.7:5555 v1 "},
		// Off: a client's header is not believed; it is a bad request line.
		{"off, spoofed", off, "PROXY TCP4 203.0.113.7 10.0.0.1 5555 80\r\n" + get, 400, ""},
	}
	for _, tc := range cases {
		c := tc.s.Dial(t)
		peer := c.LocalAddr().String()
		c.Send(t, tc.send)
		if tc.status == 0 {
			if b := c.ReadToEOF(t); len(b) != 0 {
				t.Errorf("%s: answered %q, want the connection closed", tc.name, b)
			}
			continue
		}
		r := c.ReadResponse(t, "GET")
		want := strings.ReplaceAll(tc.want, "PEER", peer)
		if r.Status != tc.status || tc.want != "" && r.Text() != want {
			t.Errorf("%s: %d %q, want %d %q", tc.name, r.Status, r.Body, tc.status, want)
		}
	}
}
