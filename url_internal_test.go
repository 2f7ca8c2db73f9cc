package eddy

import (
	"strings"
	"testing"
)

func TestURL(t *testing.T) {
	h := func(*Ctx) error { return nil }
	a := New(Config{})
	a.Get("/users/{id}", h, Name("user"))
	a.Get("/n/{num:[0-9]+}/x", h, Name("num"))
	a.Get("/static/{path:.*}", h, Name("static"))
	sub := New(Config{})
	sub.Get("/p/{id}", h, Name("subp"))
	a.Mount("/sub", sub)
	tests := []struct {
		name  string
		pairs []string
		want  string
		err   string
	}{
		{"user", []string{"id", "42"}, "/users/42", ""},
		{"user", []string{"id", "a b/c?"}, "/users/a%20b%2Fc%3F", ""},
		{"num", []string{"num", "7"}, "/n/7/x", ""},
		{"num", []string{"num", "x"}, "", "does not match"},
		{"static", []string{"path", "css/a b.css"}, "/static/css/a%20b.css", ""},
		{"subp", []string{"id", "1"}, "/sub/p/1", ""},
		{"user", nil, "", "missing parameter"},
		{"user", []string{"id", ""}, "", "empty parameter"},
		{"user", []string{"id", "1", "x", "2"}, "", "unknown parameter"},
		{"user", []string{"id"}, "", "odd number"},
		{"nope", nil, "", "no route named"},
	}
	for _, tc := range tests {
		got, err := a.URL(tc.name, tc.pairs...)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("URL(%s, %q) = %q, %v; want error %q", tc.name, tc.pairs, got, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("URL(%s, %q) = %q, %v; want %q", tc.name, tc.pairs, got, err, tc.want)
		}
	}
}

func TestPathUnescape(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"/a%20b", "/a b", true},
		{"/a%2Fb", "/a%2Fb", true},
		{"/a%2fb", "/a%2fb", true},
		{"/%41%42", "/AB", true},
		{"/a%2", "", false},
		{"/a%zz", "", false},
		{"/a%", "", false},
		{"/plain", "/plain", true},
	}
	for _, tc := range tests {
		got, ok := appendPathUnescape(nil, []byte(tc.in))
		if ok != tc.ok || ok && string(got) != tc.want {
			t.Errorf("appendPathUnescape(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

// hasDotSegmentTests feeds TestHasDotSegment and FuzzPath's seeds.
var hasDotSegmentTests = map[string]bool{
	"/": false, "/a": false, "/.a": false, "/a.": false, "/..a": false, "/...": false,
	"/a/.well-known/x": false, "/a..b/c": false, "/a/..%2F": false,
	"/.": true, "/..": true, "/./a": true, "/../a": true, "/a/.": true, "/a/..": true,
	"/a/./b": true, "/a/../b": true, "/.x/../b": true, "//..": true,
}

func TestHasDotSegment(t *testing.T) {
	for p, want := range hasDotSegmentTests {
		if got := hasDotSegment(p); got != want {
			t.Errorf("hasDotSegment(%q) = %v, want %v", p, got, want)
		}
	}
}

// removeDotSegmentsTests follow RFC 3986 5.2.4 and its examples; they
// feed TestRemoveDotSegments and FuzzPath's seeds.
var removeDotSegmentsTests = map[string]string{
	"/":                   "/",
	"/a/b/c/./../../g":    "/a/g",
	"/mid/content=5/../6": "/mid/6",
	"/.":                  "/",
	"/..":                 "/",
	"/../../a":            "/a",
	"/a/.":                "/a/",
	"/a/..":               "/",
	"/a/b/..":             "/a/",
	"/a/./b":              "/a/b",
	"/a//../b":            "/a/b",
	"/a/b/../../..":       "/",
	"//a":                 "//a",
	"/a/..b/.c":           "/a/..b/.c",
}

func TestRemoveDotSegments(t *testing.T) {
	for in, want := range removeDotSegmentsTests {
		b := []byte(in)
		if got := string(removeDotSegments(b)); got != want {
			t.Errorf("removeDotSegments(%q) = %q, want %q", in, got, want)
		}
	}
}
