package eddy

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"
)

// prefersJSONTests feeds TestPrefersJSON and FuzzAccept's seeds.
var prefersJSONTests = []struct {
	accept string
	json   bool
}{
	{"", false},
	{"application/json", true},
	{"text/plain", false},
	{"*/*", false},
	{"application/json, text/plain", false},       // equal quality, equally specific: text
	{"text/plain;q=0.5, application/json", true},  // higher quality
	{"application/json;q=0.5, text/plain", false}, // lower quality
	{"text/html,application/json;q=0.9,*/*;q=0.8", true},
	{"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", false}, // a browser
	{"application/*", true},
	{"application/json;q=0", false},
	{"application/json, */*;q=0.1", true},
	{"APPLICATION/JSON", true},
	{"application/json;q=abc", false},
	{"application/json ; q=0.800, text/*;q=0.7", true},
	{"application/j\u017fon", false}, // U+017F folds to 's' in Unicode, not in HTTP (found by FuzzAccept)
}

func TestPrefersJSON(t *testing.T) {
	for _, tc := range prefersJSONTests {
		if got := prefersJSON([]byte(tc.accept)); got != tc.json {
			t.Errorf("prefersJSON(%q) = %v, want %v", tc.accept, got, tc.json)
		}
	}
}

func TestAppendJSONString(t *testing.T) {
	for _, s := range []string{"", "plain", `q"uote\back`, "ctl\x00\x1f\n\r\t", "<a&b>", "héllo €"} {
		want, _ := json.Marshal(s)
		if got := appendJSONString(nil, s); string(got) != string(want) {
			t.Errorf("appendJSONString(%q) = %s, want %s", s, got, want)
		}
	}
}

func TestHTTPError(t *testing.T) {
	cause := errors.New("db down")
	e := ErrServiceUnavailable.Wrap(cause)
	if !errors.Is(e, cause) || !errors.Is(e, ErrServiceUnavailable) || errors.Is(e, ErrNotFound) {
		t.Error("errors.Is on a wrapped HTTPError")
	}
	if e.Text() != "Service Unavailable" || ErrServiceUnavailable.Err != nil {
		t.Errorf("Wrap changed the message or the sentinel: %q", e.Text())
	}
	if got := ErrNotFound.WithMessage("no such user").Error(); got != "eddy: 404 no such user" {
		t.Errorf("Error() = %q", got)
	}
	if got := NewHTTPError(422, "").Text(); got != "Unprocessable Entity" {
		t.Errorf("Text() = %q", got)
	}
	tests := []struct {
		err    error
		status int
	}{
		{ErrNotFound, 404},
		{fmt.Errorf("wrapped: %w", ErrForbidden), 403},
		{errors.New("plain"), 500},
		{NewHTTPError(418, "teapot"), 418},
		{errors.Join(errors.New("x"), fmt.Errorf("y: %w", ErrForbidden)), 403},
		{nil, 500},
	}
	for _, tc := range tests {
		if got := StatusOf(tc.err); got != tc.status {
			t.Errorf("StatusOf(%v) = %d, want %d", tc.err, got, tc.status)
		}
	}
}
