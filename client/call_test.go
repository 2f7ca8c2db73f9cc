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
