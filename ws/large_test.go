//go:build !race

package ws

import (
	"strings"
	"testing"
)

// Large messages are tested without the race detector: the code is single
// goroutine, and instrumenting 64 MiB of byte copies takes CI 15 seconds.

// TestParserLargeMessages is Autobahn 9: 4 MiB text and binary messages
// (the default limit), whole and in frames of 64 KiB, 4 KiB and 64 bytes,
// fed in chunks of 4 KiB as reads deliver them.
func TestParserLargeMessages(t *testing.T) {
	const size = 4 << 20
	text := strings.Repeat("Hello, "+kosme+" ", size/(8+len(kosme)))
	text += strings.Repeat("x", size-len(text))
	bin := []byte(text)
	bin[0] = 0xff // not UTF-8
	for _, frameSize := range []int{size, 65536, 4096, 64} {
		for _, m := range []msg{{OpText, text}, {OpBinary, string(bin)}} {
			var in []byte
			for off := 0; off < size; off += frameSize {
				op := m.op
				if off > 0 {
					op = OpContinuation
				}
				end := min(off+frameSize, size)
				in = AppendMaskedFrame(in, op, end == size, []byte(m.payload[off:end]), testKey)
			}
			p := Parser{MaxMessage: size}
			var got []msg
			var err error
			for off := 0; off < len(in) && err == nil; off += 4096 {
				var part []msg
				part, err = feedPieces(t, &p, string(in[off:min(off+4096, len(in))]))
				got = append(got, part...)
			}
			if err != nil || len(got) != 1 || got[0] != m {
				t.Fatalf("%v in frames of %d: %d messages, %v", m.op, frameSize, len(got), err)
			}
			// One byte more than the limit fails at the last frame's header.
			p = Parser{MaxMessage: size - 1}
			if _, err := feedPieces(t, &p, string(in)); err != ErrMessageTooBig {
				t.Fatalf("%v in frames of %d over the limit: %v", m.op, frameSize, err)
			}
		}
	}
}
