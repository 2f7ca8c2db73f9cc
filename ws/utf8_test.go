package ws

import (
	"math/rand/v2"
	"testing"
	"time"
	"unicode/utf8"
)

// utf8Cases are Autobahn 6's sequences: valid text, boundary code points,
// overlong forms, surrogates, code points past U+10FFFF, lone continuation
// bytes and truncated sequences.
var utf8Cases = []string{
	"", "Hello-µ@ßöäüàá-UTF-8!!", kosme, "\xf0\x90\x80\x80", "\xf4\x8f\xbf\xbf", "\xef\xbf\xbd", "\xed\x9f\xbf",
	"\xee\x80\x80", "\xef\xbf\xbe\xef\xbf\xbf", "\x00", "\x7f",
	kosme + "\xed\xa0\x80edited", "\x80", "\xbf", "\x80\xbf", "\x80\xbf\x80", "\xc0\xaf", "\xe0\x80\xaf", "\xf0\x80\x80\xaf",
	"\xf8\x88\x80\x80\xaf", "\xfc\x84\x80\x80\x80\xaf", "\xc1\xbf", "\xe0\x9f\xbf", "\xf0\x8f\xbf\xbf", "\xed\xa0\x80",
	"\xed\xbf\xbf", "\xed\xa0\x80\xed\xb0\x80", "\xfe", "\xff", "\xfe\xfe\xff\xff", "\xc0", "\xe0\x80", "\xf4\x90\x80\x80",
	"\xf7\xbf\xbf\xbf", "\xce\xba\xe1\xbd", "\xc2 ", "\xe1\x80 ", "a\xf0\x90\x80",
}

// canComplete reports whether some continuation of p (up to three bytes,
// trying the boundary values of every range) is valid UTF-8: the oracle
// for fail-fast.
func canComplete(p []byte) bool {
	if utf8.Valid(p) {
		return true
	}
	cont := []byte{0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf}
	var try func(q []byte, depth int) bool
	try = func(q []byte, depth int) bool {
		if utf8.Valid(q) {
			return true
		}
		if depth == 3 {
			return false
		}
		for _, c := range cont {
			if try(append(q[:len(q):len(q)], c), depth+1) {
				return true
			}
		}
		return false
	}
	return try(p, 0)
}

// checkValidator feeds s in pieces cut at the given points and checks
// that the validator fails exactly at the first byte no valid text can
// start with, and at the end exactly when s is invalid.
func checkValidator(t *testing.T, s string, cuts []int) {
	t.Helper()
	failAt := -1
	for j := 1; j <= len(s); j++ {
		if !canComplete([]byte(s[:j])) {
			failAt = j
			break
		}
	}
	var v validator
	prev := 0
	for _, c := range append(cuts, len(s)) {
		ok := v.feed([]byte(s[prev:c]))
		switch {
		case failAt > 0 && c >= failAt && ok:
			t.Fatalf("%q cut %v: piece ending at %d accepted, invalid from byte %d", s, cuts, c, failAt)
		case (failAt < 0 || c < failAt) && !ok:
			t.Fatalf("%q cut %v: piece ending at %d refused, still completable", s, cuts, c)
		}
		if !ok {
			return
		}
		prev = c
	}
	if v.complete() != utf8.ValidString(s) {
		t.Fatalf("%q: complete = %v", s, v.complete())
	}
}

func TestValidator(t *testing.T) {
	for _, s := range utf8Cases {
		checkValidator(t, s, nil)
		for k := 0; k <= len(s); k++ {
			checkValidator(t, s, []int{k})
		}
		var each []int
		for k := 1; k < len(s); k++ {
			each = append(each, k)
		}
		checkValidator(t, s, each)
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 0))
	alphabet := []byte{'a', 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xe1, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff}
	for range 20000 {
		b := make([]byte, r.IntN(12))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		var cuts []int
		for k := 1; k < len(b); k++ {
			if r.IntN(3) == 0 {
				cuts = append(cuts, k)
			}
		}
		checkValidator(t, string(b), cuts)
	}
}

// TestTextFragmentedEverywhere sends each UTF-8 case as a text message in
// two frames cut at every byte: accepted exactly when the text is valid.
func TestTextFragmentedEverywhere(t *testing.T) {
	for _, s := range utf8Cases {
		for k := 0; k <= len(s); k++ {
			in := cf(OpText, false, s[:k]) + cf(OpContinuation, true, s[k:])
			var p Parser
			got, err := feedPieces(t, &p, in)
			if utf8.ValidString(s) {
				checkMessages(t, s, got, err, []msg{{OpText, s}}, nil)
			} else if err != ErrInvalidUTF8 {
				t.Fatalf("%q cut at %d: err = %v", s, k, err)
			}
		}
	}
}
