package httpcodec

import "testing"

// TestEqualFold: ASCII letters fold, nothing else does (bytes.EqualFold
// folds the Kelvin sign and the long s, which a header name, a method or
// a media type must not match).
func TestEqualFold(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"", "", true},
		{"Content-Type", "content-type", true},
		{"CHUNKED", "chunked", true},
		{"chunked", "chunke", false},
		{"a", "b", false},
		{"@", "`", false}, // 0x40 and 0x60 differ by the case bit but are not letters
		{"[", "{", false},
		{"\u212a", "k", false}, // Kelvin sign
		{"application/j\u017fon", "application/json", false},
		{"\xff", "\xff", true},
	} {
		for _, got := range []bool{
			EqualFold(tc.a, tc.b), EqualFold([]byte(tc.a), tc.b),
			EqualFold(tc.a, []byte(tc.b)), EqualFold([]byte(tc.a), []byte(tc.b)),
			EqualFold(tc.b, tc.a),
		} {
			if got != tc.want {
				t.Errorf("EqualFold(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
			}
		}
	}
}

// TestValidToken: the RFC 9110 tchar set, non-empty.
func TestValidToken(t *testing.T) {
	for _, tc := range []struct {
		s    string
		want bool
	}{
		{"GET", true},
		{"X-Custom_1", true},
		{"!#$%&'*+-.^_`|~", true},
		{"", false},
		{"a b", false},
		{"a:b", false},
		{"a\"", false},
		{"(", false},
		{"\x80", false},
	} {
		if got := ValidToken(tc.s); got != tc.want {
			t.Errorf("ValidToken(%q) = %v, want %v", tc.s, got, tc.want)
		}
		if got := ValidToken([]byte(tc.s)); got != tc.want {
			t.Errorf("ValidToken([]byte(%q)) = %v, want %v", tc.s, got, tc.want)
		}
	}
}
