package eddy

import "testing"

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
