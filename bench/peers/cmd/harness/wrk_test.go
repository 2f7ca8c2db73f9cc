package main

import "testing"

func TestParseWrk(t *testing.T) {
	cases := []struct {
		name string
		out  string
		want wrkResult
		bad  bool
	}{
		{
			name: "clean",
			out: `Running 10s test @ http://127.0.0.1:8080/plaintext
  1 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   741.22us  100.00us   5.00ms   90.00%
    Req/Sec    86.51k     2.00k   90.00k    70.00%
  861234 requests in 10.00s, 105.13MB read
Requests/sec:  86123.40
Transfer/sec:     10.51MB
`,
			want: wrkResult{requests: 861234, seconds: 10, rps: 86123.40},
		},
		{
			name: "errors",
			out: `  1000 requests in 2.00s, 1.00MB read
  Socket errors: connect 0, read 3, write 0, timeout 2
  Non-2xx or 3xx responses: 7
Requests/sec:    500.00
`,
			want: wrkResult{requests: 1000, seconds: 2, rps: 500, errors: "read 3, timeout 2, non-2xx 7"},
		},
		{
			name: "milliseconds",
			out:  "  10 requests in 900.00ms, 1.00KB read\nRequests/sec:     11.11\n",
			want: wrkResult{requests: 10, seconds: 0.9, rps: 11.11},
		},
		{
			name: "latency",
			out:  "  2000 requests in 2.00s, 1.00MB read\nRequests/sec:   1000.00\nLATENCY 512 2048 4100 9000\n",
			want: wrkResult{requests: 2000, seconds: 2, rps: 1000, lat: latency{p50: 512, p99: 2048, p999: 4100, max: 9000}},
		},
		{name: "garbage", out: "unable to connect to 127.0.0.1:1 Connection refused\n", bad: true},
	}
	for _, c := range cases {
		got, err := parseWrk(c.out)
		if c.bad {
			if err == nil {
				t.Errorf("%s: parsed %+v, want an error", c.name, got)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if got != c.want {
			t.Errorf("%s: got %+v, want %+v", c.name, got, c.want)
		}
	}
}

func TestMedian(t *testing.T) {
	cases := []struct {
		in   []float64
		want float64
	}{
		{nil, 0},
		{[]float64{3}, 3},
		{[]float64{3, 1, 2}, 2},
		{[]float64{4, 1, 3, 2}, 2.5},
	}
	for _, c := range cases {
		if got := median(c.in); got != c.want {
			t.Errorf("median(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}
