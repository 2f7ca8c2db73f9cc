package client

import (
	"net/http"
	"net/url"
	"testing"
)

// TestBasicAuth: the one place that renders basic-auth credentials (the
// session's Username, a URL's user, a proxy URL's user) writes what
// net/http's SetBasicAuth writes, and a URL without a password sends an
// empty one.
func TestBasicAuth(t *testing.T) {
	cases := []struct {
		user, password string
		hasPassword    bool
	}{
		{"u", "p", true},
		{"Aladdin", "open sesame", true},
		{"ünïcode", "pä:ss", true},
		{"", "", true},
		{"only-user", "", false},
	}
	for _, tc := range cases {
		r := http.Request{Header: http.Header{}}
		r.SetBasicAuth(tc.user, tc.password)
		want := r.Header.Get("Authorization")
		if got := basicAuth(tc.user, tc.password); len(got) != 1 || got[0] != want {
			t.Errorf("basicAuth(%q, %q) = %q, want %q", tc.user, tc.password, got, want)
		}
		u := url.User(tc.user)
		if tc.hasPassword {
			u = url.UserPassword(tc.user, tc.password)
		}
		if got := userAuth(u); len(got) != 1 || got[0] != want {
			t.Errorf("userAuth(%v) = %q, want %q", u, got, want)
		}
	}
}

// TestPlainTarget: the fast request target is url.URL.RequestURI's whenever
// it is taken, and declined for what needs escaping or a query.
func TestPlainTarget(t *testing.T) {
	for _, tc := range []struct {
		url   string
		plain bool
	}{
		{"http://h/plaintext", true},
		{"http://h/a/b-c_d.e~f/$&+,:;=@", true},
		{"http://h/", true},
		{"http://h", false}, // empty path: RequestURI says "/"
		{"http://h/a?x=1", false},
		{"http://h/a?", false},
		{"http://h/a%20b", false},
		{"http://h/a%2Fb", false}, // RawPath kept
		{"http://h/ü", false},
		{"http://h/a!b", false}, // EscapedPath escapes '!'
		{"http://h/a'b", false},
	} {
		u, err := url.Parse(tc.url)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := plainTarget(u)
		if ok != tc.plain {
			t.Errorf("%s: plain %v, want %v", tc.url, ok, tc.plain)
		}
		if ok && got != u.RequestURI() {
			t.Errorf("%s: %q, RequestURI %q", tc.url, got, u.RequestURI())
		}
	}
}
