package main

import "testing"

func TestSummarizeRanges(t *testing.T) {
	ms := []measured{
		{cpuPerReq: 3e-6, lat: latency{p50: 10, p99: 300, p999: 900, max: 5000}},
		{cpuPerReq: 1e-6, lat: latency{p50: 30, p99: 100, p999: 700, max: 9000}},
		{cpuPerReq: 2e-6, lat: latency{p50: 20, p99: 200, p999: 800, max: 1000}},
	}
	s := summarize(ms)
	cases := []struct {
		name             string
		med, lo, hi      float64
		wantM, wL, wantH float64
	}{
		{"p50", s.lat.p50, s.lo.p50, s.hi.p50, 20, 10, 30},
		{"p99", s.lat.p99, s.lo.p99, s.hi.p99, 200, 100, 300},
		{"p99.9", s.lat.p999, s.lo.p999, s.hi.p999, 800, 700, 900},
		{"max", s.lat.max, s.lo.max, s.hi.max, 5000, 1000, 9000},
	}
	for _, c := range cases {
		if c.med != c.wantM || c.lo != c.wL || c.hi != c.wantH {
			t.Errorf("%s: median %v low %v high %v, want %v %v %v", c.name, c.med, c.lo, c.hi, c.wantM, c.wL, c.wantH)
		}
	}
	if s.cpu != 2e-6 || s.best != 1e-6 {
		t.Errorf("cpu %v best %v, want 2e-6 1e-6", s.cpu, s.best)
	}
}

func TestRoundRatios(t *testing.T) {
	p99 := func(m measured) float64 { return m.lat.p99 }
	at := func(v ...float64) []measured {
		ms := make([]measured, len(v))
		for i, x := range v {
			ms[i].lat.p99 = x
		}
		return ms
	}
	cases := []struct {
		name      string
		eddy, raw []measured
		want      string
	}{
		{"one round shows nothing", at(200), at(100), ""},
		{"per round, sorted", at(300, 100, 200), at(100, 100, 100), " [1.00, 2.00, 3.00]"},
		{"pairs by round, not by rank", at(100, 400), at(200, 100), " [0.50, 4.00]"},
		{"a zero baseline is left out", at(100, 100), at(0, 50), " [2.00]"},
		{"unequal rounds: the common ones", at(100, 100, 100), at(100, 50), " [1.00, 2.00]"},
	}
	for _, c := range cases {
		if got := roundRatios(c.eddy, c.raw, p99); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

func TestWithRange(t *testing.T) {
	cases := []struct {
		med, lo, hi float64
		runs        int
		want        string
	}{
		{1500, 900, 2500, 3, "1.50 ms (900µs–2.50ms)"},
		{1500, 900, 2500, 1, "1.50 ms"},
		{200, 150, 250, 2, "200 µs (150µs–250µs)"},
	}
	for _, c := range cases {
		if got := withRange(c.med, c.lo, c.hi, c.runs); got != c.want {
			t.Errorf("withRange(%v, %v, %v, %d) = %q, want %q", c.med, c.lo, c.hi, c.runs, got, c.want)
		}
	}
}
