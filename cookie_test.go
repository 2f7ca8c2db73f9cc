package eddy

import (
	"errors"
	"net/http"
	"testing"
	"time"
)

func TestAppendSetCookie(t *testing.T) {
	exp := time.Date(2030, 1, 2, 3, 4, 5, 0, time.FixedZone("X", 3600))
	tests := []struct {
		ck   Cookie
		want string
	}{
		{Cookie{Name: "a", Value: "b"}, "a=b"},
		{Cookie{Name: "a", Value: ""}, "a="},
		{Cookie{Name: "a", Value: `"q"`}, `a="q"`},
		{Cookie{Name: "sid", Value: "x", Path: "/", Domain: "example.com", MaxAge: 60, Secure: true, HttpOnly: true, SameSite: SameSiteLax},
			"sid=x; Path=/; Domain=example.com; Max-Age=60; Secure; HttpOnly; SameSite=Lax"},
		{Cookie{Name: "a", Value: "b", Expires: exp}, "a=b; Expires=Wed, 02 Jan 2030 02:04:05 GMT"},
		{Cookie{Name: "a", Value: "b", MaxAge: -1}, "a=b; Max-Age=0"},
		{Cookie{Name: "a", Value: "b", SameSite: SameSiteStrict}, "a=b; SameSite=Strict"},
		{Cookie{Name: "a", Value: "b", Secure: true, SameSite: SameSiteNone, Partitioned: true}, "a=b; Secure; SameSite=None; Partitioned"},
	}
	for _, tc := range tests {
		got, err := AppendSetCookie(nil, &tc.ck)
		if err != nil || string(got) != tc.want {
			t.Errorf("%+v: %q, %v; want %q", tc.ck, got, err, tc.want)
			continue
		}
		// net/http must read back the same cookie.
		hc, err := http.ParseSetCookie(string(got))
		if err != nil || hc.Name != tc.ck.Name {
			t.Errorf("%q: net/http reads %+v, %v", got, hc, err)
		}
	}
}

func TestAppendSetCookieInvalid(t *testing.T) {
	bad := []Cookie{
		{Name: "", Value: "x"},
		{Name: "a b", Value: "x"},
		{Name: "a", Value: "x;y"},
		{Name: "a", Value: "x\r\nSet-Cookie: evil=1"},
		{Name: "a", Value: "x y"},
		{Name: "a", Value: "x", Path: "/;evil"},
		{Name: "a", Value: "x", Path: "/\n"},
		{Name: "a", Value: "x", Domain: "ex ample.com"},
		{Name: "a", Value: "x", Partitioned: true},
		{Name: "a", Value: "x", SameSite: SameSiteNone},
		{Name: "a", Value: "x", SameSite: 9},
		{Name: "a", Value: "x", Expires: time.Date(1500, 1, 1, 0, 0, 0, 0, time.UTC)},
	}
	for _, ck := range bad {
		got, err := AppendSetCookie([]byte("keep"), &ck)
		if !errors.Is(err, ErrInvalidCookie) || string(got) != "keep" {
			t.Errorf("%+v: %q, %v; want ErrInvalidCookie and nothing appended", ck, got, err)
		}
	}
}

// findCookieTests feeds TestFindCookie and FuzzCookie's seeds.
var findCookieTests = []struct {
	header, name, want string
	ok                 bool
}{
	{"a=1; b=2", "b", "2", true},
	{"a=1;b=2", "b", "2", true},
	{"a=1; b=\"two\"", "b", "two", true},
	{"a=1; ab=2", "b", "", false},
	{"a=1; b=", "b", "", true},
	{"", "a", "", false},
	{"junk; a=1", "a", "1", true},
	{"a = 1", "a", " 1", true},
}

func TestFindCookie(t *testing.T) {
	for _, tc := range findCookieTests {
		v, ok := findCookie([]byte(tc.header), tc.name)
		if ok != tc.ok || string(v) != tc.want {
			t.Errorf("findCookie(%q, %q) = %q, %v; want %q, %v", tc.header, tc.name, v, ok, tc.want, tc.ok)
		}
	}
}
