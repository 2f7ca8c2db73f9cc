package engine

import (
	"strconv"
	"strings"
	"testing"
)

// The store's size is bounded: a store past MaxBytes is refused and leaves what was
// there intact, whether it would replace a value in place or not; deletes free room.
func TestStoreBounded(t *testing.T) {
	set := func(key string, n int, c byte) string {
		return "set " + key + " 0 0 " + strconv.Itoa(n) + "\r\n" + strings.Repeat(string(c), n) + "\r\n"
	}
	for _, tc := range []struct {
		name, req, want string
	}{
		{"fits", set("a", 500, 'a'), "STORED\r\n"},
		{"new key past the bound", set("a", 500, 'a') + set("b", 600, 'b') + "get b\r\n",
			"STORED\r\nSERVER_ERROR out of memory storing object\r\nEND\r\n"},
		{"in place past the bound", set("a", 500, 'a') + set("b", 300, 'b') + set("a", 700, 'x') + "get a\r\n",
			"STORED\r\nSTORED\r\nSERVER_ERROR out of memory storing object\r\nVALUE a 0 500\r\n" + strings.Repeat("a", 500) + "\r\nEND\r\n"},
		{"delete frees room", set("a", 500, 'a') + set("b", 400, 'b') + "delete a\r\n" + set("c", 500, 'c'),
			"STORED\r\nSTORED\r\nDELETED\r\nSTORED\r\n"},
		{"in place within the bound", set("a", 500, 'a') + set("a", 400, 'y') + "get a\r\n",
			"STORED\r\nSTORED\r\nVALUE a 0 400\r\n" + strings.Repeat("y", 400) + "\r\nEND\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := NewSession(NewStore(1000))
			n, out, quit := s.Feed([]byte(tc.req), nil, 1000)
			if n != len(tc.req) || quit || string(out) != tc.want {
				t.Fatalf("Feed consumed %d of %d (quit %v), replies\n%q\nwant\n%q", n, len(tc.req), quit, out, tc.want)
			}
		})
	}
}
