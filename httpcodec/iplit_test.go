package httpcodec

import (
	"net/netip"
	"strings"
	"testing"
)

var ipv6Cases = []struct {
	in   string
	want bool
}{
	{"::", true},
	{"::1", true},
	{"1::", true},
	{"2001:db8::1", true},
	{"2001:0db8:0000:0000:0000:ff00:0042:8329", true},
	{"FE80::ABCD", true},
	{"1:2:3:4:5:6:7:8", true},
	{"1:2:3:4:5:6::8", true},
	{"::ffff:192.0.2.1", true},
	{"1:2:3:4:5:6:1.2.3.4", true},
	{"::1.2.3.4", true},
	{"", false},
	{"0", false},
	{":", false},
	{":::", false},
	{"1:", false},
	{":1", false},
	{"1::2::3", false},
	{"1:2:3:4:5:6:7:8:9", false},
	{"1:2:3:4:5:6:7::8", false}, // "::" must stand for a group
	{"1:2:3:4:5:6:7:8::", false},
	{"1:2:3:4:5:6:7", false},
	{"12345::", false},
	{"g::", false},
	{"1.2.3.4", false}, // IPv4 is not an IP literal
	{"1:2:3:4:5:6:7:1.2.3.4", false},
	{"::1.2.3", false},
	{"::1.2.3.4.5", false},
	{"::1.2.3.256", false},
	{"::01.2.3.4", false},
	{"::1.2.3.4:1", false},
	{"fe80::1%25eth0", false}, // zones are not accepted
	{"v1.x", false},           // nor IPvFuture
}

func TestValidIPv6(t *testing.T) {
	for _, tc := range ipv6Cases {
		if got := validIPv6([]byte(tc.in)); got != tc.want {
			t.Errorf("validIPv6(%q) = %v, want %v", tc.in, got, tc.want)
		}
		if got := netipIPv6(tc.in); got != tc.want && !strings.Contains(tc.in, "%") {
			t.Errorf("case %q: net/netip says %v, the table %v", tc.in, got, tc.want)
		}
	}
}

// netipIPv6 is validIPv6's reference: an IPv6 address without a zone.
func netipIPv6(s string) bool {
	a, err := netip.ParseAddr(s)
	return err == nil && a.Is6() && a.Zone() == ""
}

func FuzzValidIPv6(f *testing.F) {
	for _, tc := range ipv6Cases {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if strings.Contains(s, "%") {
			return // netip takes a raw zone; an IP literal never holds one here
		}
		if got, want := validIPv6([]byte(s)), netipIPv6(s); got != want {
			t.Fatalf("validIPv6(%q) = %v, net/netip %v", s, got, want)
		}
	})
}
