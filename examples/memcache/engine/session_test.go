package engine

import "testing"

// quickSetLines are set lines of every shape: the usual one quickSet takes, and the
// ones it must leave to the tokenizing path.
var quickSetLines = []struct {
	line  string
	quick bool
}{
	{"k 0 0 5", true},
	{"key:000123 4294967 3600 32", true},
	{"k 007 00 000000001", true},
	{"k 999999999 999999999 999999999", true},
	{"k 0 0 5 noreply", false},
	{"k 0 0 1234567890", false},
	{"k 4294967296 0 5", false},
	{"k 0 -1 5", false},
	{"k 0 +1 5", false},
	{"k 0 0 -5", false},
	{" k 0 0 5", false},
	{"k  0 0 5", false},
	{"k 0 0 5 ", false},
	{"k 0 0", false},
	{"k 0 0 ", false},
	{"k 0x1 0 5", false},
	{"k", false},
	{"", false},
}

// quickSet reads what the tokenizing path reads, or declines.
func TestQuickSetMatchesTokenized(t *testing.T) {
	for _, tc := range quickSetLines {
		_, _, _, _, ok := quickSet([]byte(tc.line))
		if ok != tc.quick {
			t.Errorf("quickSet(%q) ok %v, want %v", tc.line, ok, tc.quick)
		}
		checkQuickSet(t, []byte(tc.line))
	}
}

// checkQuickSet fails if quickSet takes line and reads it otherwise than tokenize and
// the number parsers do.
func checkQuickSet(t *testing.T, line []byte) {
	t.Helper()
	key, flags, exptime, vlen, ok := quickSet(line)
	if !ok {
		return
	}
	tok := tokenize(nil, line)
	if len(tok) != 4 || string(tok[0]) != string(key) {
		t.Fatalf("quickSet(%q) took key %q, tokens %q", line, key, tok)
	}
	f, ok1 := parseUint32(tok[1])
	e, ok2 := parseInt32(tok[2])
	n, ok3 := parseInt32(tok[3])
	if !ok1 || !ok2 || !ok3 || f != flags || e != exptime || n != vlen {
		t.Fatalf("quickSet(%q) = %d %d %d, tokenized %d %d %d (%v %v %v)", line, flags, exptime, vlen, f, e, n, ok1, ok2, ok3)
	}
}
