package loop

import (
	"fmt"
	"net"
	"reflect"
	"testing"
	"unsafe"

	"github.com/panjf2000/gnet/v2"
)

// TestTrimAddrs: accepted connections report their own addresses, share the
// loop's copy of the local one, and no longer hold gnet's UDP-only remote
// sockaddr. It fails when gnet's conn is not the audited one, so that a
// gnet upgrade is checked against trimAddrs before it lands.
func TestTrimAddrs(t *testing.T) {
	r := newRecorder(nil)
	s := startServer(t, Config{Loops: 1}, func() Protocol { return r })
	type addrs struct {
		local, remote net.Addr
		sa            string // gnet's remote sockaddr, "" if cleared
	}
	var got []addrs
	var clients []net.Conn
	for range 3 {
		nc := dial(t, s)
		clients = append(clients, nc)
		c := recv(t, r.made, "ConnectionMade")
		if gnetLayout.typ == nil {
			t.Fatalf("gnet's conn is not the one trimAddrs was written against (%s, fields %s): read "+
				"gnet's uses of localAddr and remote again, then update gnetAudited and gnetConnFields",
				gnetAudited, structFields(reflect.TypeOf(c.gc).Elem()))
		}
		onLoop(t, c.Loop(), func() {
			p := reflect.ValueOf(c.gc).UnsafePointer()
			// Read on the loop, which owns gnet's conn (and releases it when
			// the client goes).
			sa := reflect.NewAt(gnetLayout.rtype, unsafe.Add(p, gnetLayout.remote)).Elem()
			var held string
			if !sa.IsNil() {
				held = fmt.Sprint(sa.Interface())
			}
			got = append(got, addrs{c.LocalAddr(), c.RemoteAddr(), held})
		})
	}
	for i, a := range got {
		if a.local.String() != s.Addr().String() {
			t.Errorf("conn %d: LocalAddr %v, want %v", i, a.local, s.Addr())
		}
		if a.remote.String() != clients[i].LocalAddr().String() {
			t.Errorf("conn %d: RemoteAddr %v, want the client's %v", i, a.remote, clients[i].LocalAddr())
		}
		if a.sa != "" {
			t.Errorf("conn %d: gnet still holds the remote sockaddr %v", i, a.sa)
		}
		if a.local != got[0].local {
			t.Errorf("conn %d: LocalAddr %p is not the shared %p", i, a.local, got[0].local)
		}
	}
}

// TestGnetLayout: trimAddrs touches nothing unless the conn type is the
// audited one and the build names no other gnet release.
func TestGnetLayout(t *testing.T) {
	type conn struct{} // named as gnet's, in another package
	r := newRecorder(nil)
	s := startServer(t, Config{Loops: 1}, func() Protocol { return r })
	dial(t, s)
	var gc gnet.Conn = recv(t, r.made, "ConnectionMade").gc
	real := reflect.TypeOf(gc)
	for _, tc := range []struct {
		name    string
		typ     reflect.Type
		version string
		ok      bool
	}{
		{"audited", real, gnetAudited, true},
		{"unknown version", real, "", true},
		{"another release", real, "v2.9.8", false},
		{"replaced", real, "replaced", false},
		{"another type", reflect.TypeFor[*conn](), gnetAudited, false},
		{"not a pointer", reflect.TypeFor[conn](), gnetAudited, false},
	} {
		if f := layoutOf(tc.typ, tc.version); (f.typ != nil) != tc.ok {
			t.Errorf("%s: layout found %v, want %v", tc.name, f.typ != nil, tc.ok)
		}
	}
}
