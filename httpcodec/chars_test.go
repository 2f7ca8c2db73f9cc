package httpcodec

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// The SWAR helpers are checked against the tables they stand for: every
// byte value at every position of a word, on every filler byte of the
// class, and every pair of byte values at every pair of positions (a borrow
// out of one flagged byte may flag the bytes above it, but the lowest
// flagged byte must be the first real miss).

func checkMask(t *testing.T, name string, mask func(uint64) uint64, table *[256]bool) {
	t.Helper()
	check := func(w [8]byte) {
		want := 8
		for k, c := range w {
			if !table[c] {
				want = k
				break
			}
		}
		m := mask(binary.LittleEndian.Uint64(w[:]))
		if m&^msb != 0 {
			t.Fatalf("%s(% x) = %#x: bits outside the high bits", name, w, m)
		}
		got := 8
		if m != 0 {
			got = trailingByte(m)
		}
		if got != want {
			t.Fatalf("%s(% x): first flagged byte %d, want %d", name, w, got, want)
		}
	}
	for fill := 0; fill < 256; fill++ {
		if !table[fill] {
			continue
		}
		for p := 0; p < 8; p++ {
			for v := 0; v < 256; v++ {
				var w [8]byte
				for k := range w {
					w[k] = byte(fill)
				}
				w[p] = byte(v)
				check(w)
			}
		}
	}
	fill := byte(0)
	for !table[fill] {
		fill++
	}
	for p := 0; p < 8; p++ {
		for q := p + 1; q < 8; q++ {
			for v1 := 0; v1 < 256; v1++ {
				for v2 := 0; v2 < 256; v2++ {
					var w [8]byte
					for k := range w {
						w[k] = fill
					}
					w[p], w[q] = byte(v1), byte(v2)
					check(w)
				}
			}
		}
	}
}

func trailingByte(m uint64) int {
	k := 0
	for m&0xff == 0 {
		m >>= 8
		k++
	}
	return k
}

// pathTable returns targetTable without '?': the request target up to its
// query, what skipPath scans. (A function, not a package
// variable: those are set before init fills targetTable.)
func pathTable() *[256]bool {
	var t [256]bool
	for c := range t {
		t[c] = targetTable[c] && c != '?'
	}
	return &t
}

// TestCtlMask checks scanValue's SWAR test: it flags the bytes below 0x20
// and DEL (HTAB included: scanValue steps over it).
func TestCtlMask(t *testing.T) {
	var visible [256]bool
	for c := range visible {
		visible[c] = c >= 0x20 && c != 0x7f
	}
	checkMask(t, "ctlMask", ctlMask, &visible)
}

// TestStopTables checks skipTarget's tables against the classes they
// stand for.
func TestStopTables(t *testing.T) {
	path := pathTable()
	for c := range 256 {
		if got, want := targetStops[c] == 1, !targetTable[c]; got != want || targetStops[c] > 1 {
			t.Errorf("targetStops[%#x] = %d, want stop %v", c, targetStops[c], want)
		}
		if got, want := pathBits[c]&1 == 1, !path[c]; got != want {
			t.Errorf("pathBits[%#x] = %d, want stop %v", c, pathBits[c], want)
		}
		if got, want := pathBits[c]&pathSpecial != 0, c == '%' || c == '.'; got != want || pathBits[c] > 3 {
			t.Errorf("pathBits[%#x] = %d, want special %v", c, pathBits[c], want)
		}
	}
}

// checkSkip compares skip with a byte loop over in on buffers of every
// length up to 24 with one byte of every value at every position, from
// every start.
func checkSkip(t *testing.T, name string, skip func([]byte, int) int, in func(byte) bool, fill byte) {
	t.Helper()
	for n := 0; n <= 24; n++ {
		buf := make([]byte, n)
		for p := -1; p < n; p++ {
			for v := 0; v < 256; v++ {
				for k := range buf {
					buf[k] = fill
				}
				if p >= 0 {
					buf[p] = byte(v)
				}
				for i := 0; i <= n; i++ {
					want := i
					for want < n && in(buf[want]) {
						want++
					}
					if got := skip(buf, i); got != want {
						t.Fatalf("%s(%q, %d) = %d, want %d", name, buf, i, got, want)
					}
				}
				if p < 0 {
					break
				}
			}
		}
	}
}

func TestSkip(t *testing.T) {
	checkSkip(t, "skipTarget", func(b []byte, i int) int { return skipTarget(b, i, &targetStops) },
		func(c byte) bool { return targetTable[c] }, '?')
	checkSkip(t, "skipPath", func(b []byte, i int) int { n, _ := skipPath(b, i); return n },
		func(c byte) bool { return targetTable[c] && c != '?' }, 'a')
}

// TestSkipPathSpecial checks skipPath's report of '%' and '.' against a
// byte loop: every byte value at every position, before, at and after the
// stop, on buffers of every length up to 24 with one or two bytes set.
func TestSkipPathSpecial(t *testing.T) {
	in := func(c byte) bool { return targetTable[c] && c != '?' }
	check := func(buf []byte, i int) {
		want := i
		special := false
		for want < len(buf) && in(buf[want]) {
			special = special || buf[want] == '%' || buf[want] == '.'
			want++
		}
		if n, sp := skipPath(buf, i); n != want || sp != special {
			t.Fatalf("skipPath(%q, %d) = %d, %v; want %d, %v", buf, i, n, sp, want, special)
		}
	}
	for n := 0; n <= 24; n++ {
		for p := 0; p < n; p++ {
			for v := range 256 {
				buf := bytes.Repeat([]byte("a"), n)
				buf[p] = byte(v)
				for i := 0; i <= n; i++ {
					check(buf, i)
				}
				// A special byte before or after a stop at p.
				for q := 0; q < n; q++ {
					if q != p {
						b2 := bytes.Clone(buf)
						b2[q] = '.'
						check(b2, 0)
					}
				}
			}
		}
	}
}
