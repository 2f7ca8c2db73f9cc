package engine

import (
	"bytes"
	"testing"
)

// feedAll runs data through a fresh session in pieces of piece bytes, as a transport
// does (unconsumed bytes are kept and offered again with the next piece), and returns
// every reply. It stops at a close.
func feedAll(data []byte, piece int) []byte {
	s := NewSession(NewStore(1 << 20))
	var pending, replies []byte
	for off := 0; off < len(data); off += piece {
		pending = append(pending, data[off:min(off+piece, len(data))]...)
		for {
			n, out, quit := s.Feed(pending, nil, 1000)
			replies = append(replies, out...)
			pending = pending[n:]
			if quit {
				return replies
			}
			if n == 0 && !s.Pending() {
				break
			}
		}
	}
	return replies
}

// Any bytes, whole or cut in pieces, are answered without a panic, and the same way
// however they are cut.
func FuzzFeed(f *testing.F) {
	for _, seed := range []string{
		"set a 0 0 3\r\nabc\r\nget a b\r\ngets a\r\n",
		"set a 0 0 5 noreply\r\nhello\r\nappend a 0 0 1\r\n!\r\nincr a 1\r\ndecr x 1\r\n",
		"set n 0 0 2\r\n10\r\nincr n 5\r\ndecr n 100\r\ntouch n 10\r\ndelete n 0\r\nflush_all 10 noreply\r\n",
		"cas a 0 0 1 1\r\nx\r\nbogus\r\n\r\nset a 0 0 -1\r\nset a 0 0 3\r\nabcd\r\nversion\r\nstats\r\nquit\r\n",
		"set big 0 0 20000\r\n" + string(bytes.Repeat([]byte("v"), 20000)) + "\r\nget big\r\n",
		"set huge 0 0 2000000\r\n" + string(bytes.Repeat([]byte("w"), 3000)),
	} {
		f.Add([]byte(seed), uint16(7))
	}
	f.Fuzz(func(t *testing.T, data []byte, cut uint16) {
		whole := feedAll(data, max(len(data), 1))
		piece := int(cut)%4096 + 1
		if pieces := feedAll(data, piece); !bytes.Equal(whole, pieces) {
			t.Fatalf("replies differ when cut in %d-byte pieces:\nwhole:  %q\npieces: %q", piece, whole, pieces)
		}
	})
}

// Any line quickSet takes, it reads as the tokenizing path does.
func FuzzQuickSet(f *testing.F) {
	for _, tc := range quickSetLines {
		f.Add([]byte(tc.line))
	}
	f.Fuzz(func(t *testing.T, line []byte) { checkQuickSet(t, line) })
}
