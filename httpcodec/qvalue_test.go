package httpcodec

import "testing"

func TestQValue(t *testing.T) {
	cases := []struct {
		params string
		want   int
	}{
		{"", 1000},
		{"level=1", 1000},
		{"q=1", 1000},
		{"q=1.", 1000},
		{"q=1.000", 1000},
		{"Q=0.5", 500},
		{" q=0.25 ", 250},
		{"level=1; q=0.125", 125},
		{"q=0", 0},
		{"q=0.", 0},
		{"q=0.000", 0},
		{"q=0.001", 1},
		{"q=0.9", 900},
		// Malformed: refused (0).
		{"q=", 0},
		{"q=1.5", 0},
		{"q=1.001", 0},
		{"q=10", 0},
		{"q=2", 0},
		{"q=0.0001", 0},
		{"q=0.a", 0},
		{"q=00", 0},
		{"q=-1", 0},
		{"q=.5", 0},
	}
	for _, tc := range cases {
		if got := QValue([]byte(tc.params)); got != tc.want {
			t.Errorf("QValue(%q) = %d, want %d", tc.params, got, tc.want)
		}
	}
}

func TestListQ(t *testing.T) {
	cases := []struct {
		list, token string
		want        int
	}{
		{"gzip", "gzip", 1000},
		{"GZip;q=0.5", "gzip", 500},
		{"br, gzip;q=0.8, zstd;q=0", "zstd", 0},
		{"br, gzip;q=0.8, zstd;q=0", "gzip", 800},
		{"br, gzip;q=0.8", "deflate", -1},
		{"gzip;q=0, gzip;q=0.3", "gzip", 300},
		{"*;q=0.1", "*", 100},
		{"  gzip  ;  q=0.2  ", "gzip", 200},
		{"", "gzip", -1},
		{",,,", "gzip", -1},
		{"x-gzip", "gzip", -1},
	}
	for _, tc := range cases {
		if got := ListQ([]byte(tc.list), tc.token); got != tc.want {
			t.Errorf("ListQ(%q, %q) = %d, want %d", tc.list, tc.token, got, tc.want)
		}
	}
}
