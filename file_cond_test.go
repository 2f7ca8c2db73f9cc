package eddy

import (
	"strings"
	"testing"
)

// FuzzFileConds: whatever the request's conditional and range fields
// hold, decide never panics, answers one of its statuses, and a 206 range
// lies inside the representation and is not empty.
func FuzzFileConds(f *testing.F) {
	seeds := [][6]string{
		{"", "", "", "", "", ""},
		{`"a"`, "", "", "", "", "bytes=0-4"},
		{"", `W/"a", "b"`, "", "", "", "bytes=-3"},
		{"", "*", "Mon, 02 Jan 2006 15:04:05 GMT", "", "", "bytes=5-"},
		{"", "", "", "Monday, 02-Jan-06 15:04:05 GMT", `"a"`, "bytes=0-1,3-4"},
		{"*", "", "Mon Jan  2 15:04:05 2006", "", "Mon, 02 Jan 2006 15:04:05 GMT", "bytes=99999999999999999999-"},
		{`"a`, `W/`, "", "", "W/\"a\"", "bytes= , ,0-0"},
	}
	for _, s := range seeds {
		for _, size := range []int64{0, 1, 26} {
			f.Add(s[0], s[1], s[2], s[3], s[4], s[5], size, true)
		}
	}
	f.Fuzz(func(t *testing.T, im, inm, ims, ius, ir, rng string, size int64, get bool) {
		if size < 0 {
			size = -size
		}
		v := fileValidators{etag: `"a"`, modSec: 1136214245, size: size, isGet: get, isGetOK: get}
		view := func(s string) []byte {
			if s == "" {
				return nil
			}
			return []byte(s)
		}
		got := decide(v, fileConds{view(im), view(inm), view(ims), view(ius), view(ir), view(rng)})
		switch got.status {
		case 200:
			if got.start != 0 || got.n != size {
				t.Fatalf("200 with range [%d,+%d) of %d", got.start, got.n, size)
			}
		case 206:
			if got.n <= 0 || got.start < 0 || got.start+got.n > size || !strings.HasPrefix(strings.TrimSpace(strings.ToLower(rng)), "bytes") {
				t.Fatalf("206 with range [%d,+%d) of %d for %q", got.start, got.n, size, rng)
			}
		case 304, 412, 416:
		default:
			t.Fatalf("status %d", got.status)
		}
	})
}

// FuzzStaticName: a name Static's check accepts has no "." or ".."
// segment, no backslash, control character or '%', is valid UTF-8 and
// does not start with '/'.
func FuzzStaticName(f *testing.F) {
	for _, s := range []string{"a/b.css", "../x", "a/./b", "%2e%2e", "a\\b", "a\x00", ".hidden", "a//b", "dir/", "\xc0\xae", "é/ok"} {
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, name string, dots bool) {
		st := &static{opts: StaticOptions{DotFiles: dots}}
		if !st.validName([]byte(name)) {
			return
		}
		if strings.ContainsAny(name, "\\%") || strings.HasPrefix(name, "/") || strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7f || r == 0xfffd }) {
			t.Fatalf("accepted %q", name)
		}
		for seg := range strings.SplitSeq(name, "/") {
			if seg == "." || seg == ".." || !dots && strings.HasPrefix(seg, ".") {
				t.Fatalf("accepted %q (segment %q)", name, seg)
			}
		}
	})
}
