package h1

import (
	"net"
	"testing"
)

// peerHandler answers every request and records the remote address each
// one saw.
type peerHandler struct{ got []string }

func (h *peerHandler) Route(*Exchange) Plan { return Plan{} }
func (h *peerHandler) Serve(x *Exchange) {
	h.got = append(h.got, x.RemoteAddr().String())
	x.Respond(200, nil, nil)
}
func (h *peerHandler) Release(*Exchange) {}

// TestPeerPerConnection checks the loop's cache of the last connection's
// remote address (loopState.peerOf): connections that take turns on one
// loop, pipelined runs from one, and a connection that goes and a new one
// each see their own address.
func TestPeerPerConnection(t *testing.T) {
	h := &peerHandler{}
	l := newFakeLoop(1)
	e := newEngine(Config{}, h)
	ls := &loopState{e: e, l: l}
	wire := func(port int) *fakeWire {
		c := &conn{ls: &e.unbound}
		fc := &fakeConn{c: c, addr: &net.TCPAddr{IP: net.IPv4(10, 0, 0, 1), Port: port}}
		w := &fakeWire{t: t, l: l, fc: fc, c: c, ls: ls}
		c.made(fc, ls)
		l.runSoon()
		return w
	}
	const req = "GET / HTTP/1.1\r\nHost: h\r\n\r\n"
	a, b := wire(1), wire(2)
	a.arrive([]byte(req))
	b.arrive([]byte(req + req))
	a.arrive([]byte(req))
	a.lose()
	if ls.peerConn == a.c {
		t.Errorf("the cache still holds a connection that is gone")
	}
	c := wire(3)
	c.arrive([]byte(req))
	b.arrive([]byte(req))
	want := []string{"10.0.0.1:1", "10.0.0.1:2", "10.0.0.1:2", "10.0.0.1:1", "10.0.0.1:3", "10.0.0.1:2"}
	if len(h.got) != len(want) {
		t.Fatalf("served %d requests (%v), want %d", len(h.got), h.got, len(want))
	}
	for i := range want {
		if h.got[i] != want[i] {
			t.Errorf("request %d saw %s, want %s", i, h.got[i], want[i])
		}
	}
}
