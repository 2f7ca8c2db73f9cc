package eddy

import (
	"testing"
)

// TestMediaType checks the Content-Type readers behind BindJSON and Form:
// media types compare ASCII-case-insensitively, parameters are ignored.
func TestMediaType(t *testing.T) {
	tests := []struct {
		ct         string
		json, form bool
	}{
		{"application/json", true, false},
		{"Application/JSON; charset=utf-8", true, false},
		{"application/problem+json", true, false},
		{"+json", false, false},
		{" application/x-www-form-urlencoded ;charset=utf-8", false, true},
		{"APPLICATION/X-WWW-FORM-URLENCODED", false, true},
		{"text/plain", false, false},
		// U+017F (long s) folds to 's' in Unicode, not in HTTP (found by
		// FuzzAccept and FuzzContentType).
		{"application/j\u017fon", false, false},
		{"application/problem+j\u017fon", false, false},
	}
	for _, tc := range tests {
		if got := isJSONType([]byte(tc.ct)); got != tc.json {
			t.Errorf("isJSONType(%q) = %v, want %v", tc.ct, got, tc.json)
		}
		if got := mediaTypeIs([]byte(tc.ct), "application/x-www-form-urlencoded"); got != tc.form {
			t.Errorf("mediaTypeIs(%q, form) = %v, want %v", tc.ct, got, tc.form)
		}
	}
}
