package loop

import (
	"net"
	"reflect"
	"runtime/debug"
	"strings"
	"sync"
	"unsafe"

	"github.com/panjf2000/gnet/v2"
)

// gnet keeps three addresses for every connection the server hands it
// (Client.EnrollContext): the local and the remote net.Addr of the accepted
// net.TCPConn, each a *net.TCPAddr whose IP points into the
// syscall.Sockaddr it was made from (48 + 32 bytes each), and the remote
// address once more as a unix.Sockaddr (32 bytes), which it uses only to
// answer UDP datagrams. That is 192 bytes of an idle connection's ~660,
// and gnet offers no way to give it less.
//
// So, for the gnet release whose code this was checked against, the loop
// trims them when it opens an accepted connection, on its own goroutine,
// which is the only one that reads them: the local address is replaced by
// the loop's copy of it when they are equal (every connection accepted on
// one listener address shares one), and the UDP-only remote sockaddr is
// cleared (gnet clears it itself when it releases a TCP connection). The
// remote net.Addr is kept as it is. Unless gnet's conn struct is, field for
// field, the audited one (gnetConnFields), and the build does not name
// another gnet release than the audited one, nothing is touched.

// gnetAudited is the gnet release whose conn struct and uses of localAddr,
// remoteAddr and remote this file was written against; gnetConnFields is
// that struct's fields, as layoutOf lists them.
const (
	gnetAudited    = "v2.9.7"
	gnetConnFields = "fd int; gfd gfd.GFD; ctx interface {}; remote unix.Sockaddr; proto string; " +
		"localAddr net.Addr; remoteAddr net.Addr; loop *gnet.eventloop; outboundBuffer elastic.Buffer; " +
		"pollAttachment netpoll.PollAttachment; inboundBuffer elastic.RingBuffer; buffer []uint8; " +
		"cache []uint8; isDatagram bool; opened bool; isEOF bool"
)

// gnetFields locates the fields trimAddrs rewrites in gnet's conn.
type gnetFields struct {
	typ    reflect.Type // *gnet.conn; nil: trim nothing
	local  uintptr      // offset of localAddr (net.Addr)
	remote uintptr      // offset of remote (unix.Sockaddr)
	rtype  reflect.Type // unix.Sockaddr
}

var (
	gnetLayoutOnce sync.Once
	gnetLayout     gnetFields
)

// gnetModuleVersion returns the version of gnet linked into the binary, ""
// if the build information does not say (test binaries), "replaced" for a
// replaced module.
func gnetModuleVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	for _, m := range bi.Deps {
		if m.Path == "github.com/panjf2000/gnet/v2" {
			if m.Replace != nil {
				return "replaced"
			}
			return m.Version
		}
	}
	return ""
}

// structFields lists st's fields as "name type; name type ...".
func structFields(st reflect.Type) string {
	var b strings.Builder
	for i := range st.NumField() {
		if i > 0 {
			b.WriteString("; ")
		}
		f := st.Field(i)
		b.WriteString(f.Name + " " + f.Type.String())
	}
	return b.String()
}

// layoutOf checks t, the dynamic type of a gnet.Conn, against the audited
// gnet conn, and returns where the fields trimAddrs rewrites are. version is
// the linked gnet's ("" if unknown).
func layoutOf(t reflect.Type, version string) gnetFields {
	if version != "" && version != gnetAudited || t.Kind() != reflect.Pointer {
		return gnetFields{}
	}
	st := t.Elem()
	if st.Kind() != reflect.Struct || st.Name() != "conn" || st.PkgPath() != "github.com/panjf2000/gnet/v2" ||
		structFields(st) != gnetConnFields {
		return gnetFields{}
	}
	la, _ := st.FieldByName("localAddr")
	ra, _ := st.FieldByName("remote")
	if la.Type != reflect.TypeFor[net.Addr]() || ra.Type.Kind() != reflect.Interface {
		return gnetFields{}
	}
	return gnetFields{typ: t, local: la.Offset, remote: ra.Offset, rtype: ra.Type}
}

// trimAddrs gives gc's local address the loop's shared copy and clears its
// UDP-only remote sockaddr, when gnet is the audited release. gc is a TCP
// connection the server accepted. Loop-only.
func (l *Loop) trimAddrs(gc gnet.Conn) {
	t := reflect.TypeOf(gc)
	gnetLayoutOnce.Do(func() { gnetLayout = layoutOf(t, gnetModuleVersion()) })
	f := &gnetLayout
	if f.typ == nil || t != f.typ {
		return
	}
	p := reflect.ValueOf(gc).UnsafePointer()
	la := (*net.Addr)(unsafe.Add(p, f.local))
	if a, ok := (*la).(*net.TCPAddr); ok && a.Zone == "" {
		// gnet hands a TCPAddr's Zone bytes to a pool when it releases the
		// connection: only addresses without one are shared.
		if s := l.laddr; s != nil && s.Port == a.Port && string(s.IP) == string(a.IP) {
			*la = s
		} else {
			l.laddr = a
		}
	}
	reflect.NewAt(f.rtype, unsafe.Add(p, f.remote)).Elem().SetZero()
}
