package eddy

import (
	"errors"
	"net/url"
	"testing"
)

// urlEncodedTests feeds TestParseURLEncoded and FuzzURLEncoded's seeds.
var urlEncodedTests = []struct {
	in   string
	want [][2]string
}{
	{"", nil},
	{"a=1", [][2]string{{"a", "1"}}},
	{"a=1&b=2&a=3", [][2]string{{"a", "1"}, {"b", "2"}, {"a", "3"}}},
	{"a+b=c+d", [][2]string{{"a b", "c d"}}},
	{"k=%41%2f%3D", [][2]string{{"k", "A/="}}},
	{"k=%zz&x=%4", [][2]string{{"k", "%zz"}, {"x", "%4"}}}, // invalid escapes kept
	{"&&a&&b=", [][2]string{{"a", ""}, {"b", ""}}},
	{"=v", [][2]string{{"", "v"}}},
	{"a=b=c", [][2]string{{"a", "b=c"}}},
	{"%E2%82%AC=%E2%82%AC", [][2]string{{"€", "€"}}},
}

func TestParseURLEncoded(t *testing.T) {
	for _, tc := range urlEncodedTests {
		var a args
		if err := a.parseURLEncoded([]byte(tc.in), 100); err != nil {
			t.Fatalf("%q: %v", tc.in, err)
		}
		if len(a.pairs) != len(tc.want) {
			t.Errorf("%q: %d pairs, want %d", tc.in, len(a.pairs), len(tc.want))
			continue
		}
		for i, w := range tc.want {
			k, v := a.at(i)
			if string(k) != w[0] || string(v) != w[1] {
				t.Errorf("%q: pair %d = %q=%q, want %q=%q", tc.in, i, k, v, w[0], w[1])
			}
		}
		// Where url.ParseQuery accepts the input, it must agree.
		if q, err := url.ParseQuery(tc.in); err == nil {
			for _, w := range tc.want {
				if w[0] != "" && q.Get(w[0]) == "" && w[1] != "" {
					t.Errorf("%q: net/url has no %q", tc.in, w[0])
				}
			}
		}
	}
}

func TestParseURLEncodedLimit(t *testing.T) {
	var a args
	err := a.parseURLEncoded([]byte("a=1&b=2&c=3"), 2)
	if !errors.Is(err, errTooManyFields) || StatusOf(err) != 413 {
		t.Fatalf("err = %v, want 413 too many fields", err)
	}
}
