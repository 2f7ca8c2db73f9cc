package httpcodec

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// sameRequest reports how a and b differ (every field parse sets, the
// field spans and the head's length), or "" when they do not.
func sameRequest(a, b *Request) string {
	if a.requestHead != b.requestHead {
		return fmt.Sprintf("head %+v\nvs   %+v", a.requestHead, b.requestHead)
	}
	if len(a.buf) != len(b.buf) || a.hdr.n != b.hdr.n {
		return fmt.Sprintf("len(buf) %d vs %d, fields %d vs %d", len(a.buf), len(b.buf), a.hdr.n, b.hdr.n)
	}
	for i := 0; i < a.hdr.n; i++ {
		if *a.hdr.at(i) != *b.hdr.at(i) {
			return fmt.Sprintf("field %d: %+v vs %+v", i, *a.hdr.at(i), *b.hdr.at(i))
		}
	}
	return ""
}

// checkFast runs parseFast and the general single pass (parseWhole) on in
// and fails unless parseFast's answer is one it may give: a head only
// where the general pass parses the same head into the same Request, and
// fastNeedMore only where the general pass fails. It reports whether
// parseFast took the head.
func checkFast(t *testing.T, in []byte, l *Limits) bool {
	t.Helper()
	start := 0
	if len(in) >= 2 && in[0] == '\r' && in[1] == '\n' {
		start = 2
	}
	var fast, whole Request
	// Leftovers of an earlier, larger request must not show through.
	fast.hdr.n = 3
	fast.requestHead = requestHead{hasUpgrade: true, chunked: true, expectContinue: true, hasQuery: true}
	n, _ := fast.parseFast(in, start, l, &reportFast)
	w := whole.parseWhole(in, start, l)
	switch {
	case n > 0:
		if w != n {
			t.Fatalf("%q: parseFast = %d, parseWhole = %d", in, n, w)
		}
		if d := sameRequest(&fast, &whole); d != "" {
			t.Fatalf("%q: parseFast and parse differ: %s", in, d)
		}
		return true
	case n == fastNeedMore:
		if w != 0 {
			t.Fatalf("%q: parseFast needs more, parseWhole = %d", in, w)
		}
	case n != 0:
		t.Fatalf("%q: parseFast = %d", in, n)
	}
	return false
}

// fastCases are heads at the fast path's boundaries: each must come out
// as the general parser says, whichever path takes it.
var fastCases = func() []string {
	var cs []string
	add := func(s ...string) { cs = append(cs, s...) }
	// Paths of every length around the eight-byte steps, with a byte the
	// fast path must stop, flag or leave at every position.
	for n := 1; n <= 18; n++ {
		p := "/" + strings.Repeat("a", n-1)
		add("GET "+p+" HTTP/1.1\r\nHost: a\r\n\r\n", "GET "+p+"?q HTTP/1.1\r\nHost: a\r\n\r\n")
		for k := 1; k < n; k++ {
			for _, c := range "%.?~#\"\x7f\x80\t\x00:@!_-" {
				q := []byte(p)
				q[k] = byte(c)
				add("GET " + string(q) + " HTTP/1.1\r\nHost: a\r\n\r\n")
			}
		}
	}
	// Hosts and ports of every length around the steps, with a byte the
	// fast path must leave at every position.
	for n := 0; n <= 17; n++ {
		h := strings.Repeat("b", n)
		for _, port := range []string{"", ":", ":8", ":80", ":8080", ":1234567", ":12345678", ":123456789"} {
			add("GET / HTTP/1.1\r\nHost: "+h+port+"\r\n\r\n", "GET / HTTP/1.1\r\nHost: "+h+port+"\r\nX: y\r\n\r\n")
		}
		for k := 0; k < n; k++ {
			for _, c := range "._~%!$&'()*+,;=-:[]@/ \t\x00\x80\r\n" {
				q := []byte(h)
				q[k] = byte(c)
				add("GET / HTTP/1.1\r\nHost: "+string(q)+":80\r\n\r\n", "GET / HTTP/1.1\r\nHost: "+string(q)+"\r\n\r\n")
			}
		}
	}
	for k := 0; k < 5; k++ {
		for _, c := range "0/a: \t\r\n\x80" {
			q := []byte("12345")
			q[k] = byte(c)
			add("GET / HTTP/1.1\r\nHost: h:" + string(q) + "\r\n\r\n")
		}
	}
	add(
		"GET / HTTP/1.1\r\nhost: a\r\n\r\n",
		"GET / HTTP/1.1\r\nHOST: a\r\n\r\n",
		"GET / HTTP/1.1\r\nHost:a\r\n\r\n",
		"GET / HTTP/1.1\r\nHost:\t a\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a \r\n\r\n",
		"GET / HTTP/1.1\r\nHost: \r\n\r\n",
		"GET / HTTP/1.1\r\nHost: [::1]:80\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n",
		"GET / HTTP/1.1\r\nHost : a\r\n\r\n",
		"GET / HTTP/1.1\r\nHosts: a\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\rX\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\n\n",
		"GET / HTTP/1.1\r\nHost: a\r\n\rX",
		"GET / HTTP/1.1\r\nHost: a\r\nX: \x7f\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\nX: a\tb\t\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\n X: b\r\n\r\n",
		"GET / HTTP/1.1\r\nX: b\r\n\r\n",
		"GET / HTTP/1.0\r\n\r\n",
		"GET / HTTP/1.0\r\nHost: a\r\n\r\n",
		"GET / HTTP/1.2\r\nHost: a\r\n\r\n",
		"GET / HTTP/2.0\r\nHost: a\r\n\r\n",
		"GET / http/1.1\r\nHost: a\r\n\r\n",
		"GET / HTTP/1.1\n\r\nHost: a\r\n\r\n",
		"GET / HTTP/1.1 \r\nHost: a\r\n\r\n",
		"GET  / HTTP/1.1\r\nHost: a\r\n\r\n",
		"GET * HTTP/1.1\r\nHost: a\r\n\r\n",
		"OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
		"OPTIONS / HTTP/1.1\r\nHost: a\r\n\r\n",
		"CONNECT / HTTP/1.1\r\nHost: a\r\n\r\n",
		"CONNECT a:1 HTTP/1.1\r\nHost: a\r\n\r\n",
		"GET http://a/b HTTP/1.1\r\nHost: a\r\n\r\n",
		"POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc",
		"POST /p HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n",
		"POST /p HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n",
		"POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\nExpect: x\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\nContent-Type: a\r\nContent-Type: b\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\nContent-Type: a\r\ncontent-type: a\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\nX_Y: a\r\n\r\n",
		"get / HTTP/1.1\r\nHost: a\r\n\r\n",
		"G(T / HTTP/1.1\r\nHost: a\r\n\r\n",
		" GET / HTTP/1.1\r\nHost: a\r\n\r\n",
		"\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
		plaintextRequest, browserRequest, pipelinedBatch,
	)
	return cs
}()

// TestParseFastAgrees checks parseFast against the general single pass on
// every case of the request table, the boundary cases above and every
// prefix of each (a head cut short must never be taken), with the case's
// limits and with small ones, and that it does take the common shapes.
func TestParseFastAgrees(t *testing.T) {
	small := []*Limits{
		{MaxRequestLine: 16},
		{MaxHeaderBytes: 40},
		{MaxHeaders: 1},
		{DropUnderscoreHeaders: true},
	}
	taken := 0
	run := func(in string, l *Limits) {
		for k := 0; k < len(in); k++ {
			checkFast(t, fresh(in[:k]), l)
		}
		if checkFast(t, fresh(in), l) {
			taken++
		}
		for _, s := range small {
			checkFast(t, fresh(in), s)
		}
	}
	for _, c := range requestCases {
		run(c.in, c.limits)
	}
	for _, in := range fastCases {
		run(in, nil)
	}
	for _, in := range []string{
		plaintextRequest,
		browserRequest,
		"GET /json HTTP/1.1\r\nHost: 127.0.0.1:39211\r\n\r\n",
		"POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\n",
		"GET /a?b=c HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
		"GET /%41.b HTTP/1.1\r\nHost: example.com\r\n\r\n",
	} {
		if !checkFast(t, []byte(in), nil) {
			t.Errorf("%q: not taken by parseFast", in)
		}
	}
	if taken < len(fastCases)/2 {
		t.Errorf("parseFast took %d of the %d heads", taken, len(requestCases)+len(fastCases))
	}
	t.Logf("parseFast took %d of the %d heads", taken, len(requestCases)+len(fastCases))
}

// TestParseFastSplit feeds the boundary cases cut at every byte through
// Parse, the first piece scribbled on before the whole: the result is
// the one of the whole input at once.
func TestParseFastSplit(t *testing.T) {
	for _, in := range fastCases {
		var p RequestParser
		var r Request
		n, err := p.Parse(fresh(in), &r)
		want := &r
		for k := 0; k < len(in); k++ {
			var p2 RequestParser
			var r2 Request
			first := fresh(in[:k])
			n2, err2 := p2.Parse(first, &r2)
			if err2 == nil && n2 == 0 {
				scribble(first)
				n2, err2 = p2.Parse(fresh(in), &r2)
			}
			if err2 != err || n2 != n {
				t.Fatalf("%q split %d: n=%d err=%v, whole n=%d err=%v", in, k, n2, err2, n, err)
			}
			if err == nil {
				if d := sameRequest(want, &r2); d != "" {
					t.Fatalf("%q split %d: %s", in, k, d)
				}
			}
		}
	}
}

// FuzzParseFast compares parseFast with the general single pass on any
// input, under the default limits and small ones.
func FuzzParseFast(f *testing.F) {
	for _, c := range requestCases {
		f.Add([]byte(c.in), uint8(0))
	}
	for i, in := range fastCases {
		if i%31 == 0 && len(in) < 200 {
			f.Add([]byte(in), uint8(i))
		}
	}
	f.Fuzz(func(t *testing.T, in []byte, lim uint8) {
		var l *Limits
		switch lim % 4 {
		case 1:
			l = &Limits{MaxRequestLine: 24, MaxHeaderBytes: 64}
		case 2:
			l = &Limits{MaxHeaders: 2}
		case 3:
			l = &Limits{DropUnderscoreHeaders: true}
		}
		checkFast(t, bytes.Clone(in), l)
	})
}
