package engine

import (
	"bytes"
	"testing"
)

// BenchmarkFeed16 runs a batch of 16 pipelined commands through a session, as the
// 16-deep benchmarks of compare.sh do: the engine's share of their CPU per request.
func BenchmarkFeed16(b *testing.B) {
	for _, tc := range []struct{ name, one string }{
		{"set", "set k1 0 0 32\r\n" + string(bytes.Repeat([]byte("v"), 32)) + "\r\n"},
		{"get", "get k1\r\n"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			s := NewSession(NewStore(0))
			_, _, _ = s.Feed([]byte("set k1 0 0 32\r\n"+string(bytes.Repeat([]byte("v"), 32))+"\r\n"), nil, 1)
			batch := bytes.Repeat([]byte(tc.one), 16)
			var out []byte
			b.ReportAllocs()
			b.SetBytes(int64(len(batch)))
			for b.Loop() {
				n, o, _ := s.Feed(batch, out[:0], 1)
				if n != len(batch) {
					b.Fatal("short")
				}
				out = o
			}
		})
	}
}
