package httpcodec

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// fresh returns a copy of s in its own array, so a parser that kept a
// reference to an earlier piece is caught when that piece is scribbled on.
func fresh(s string) []byte {
	b := make([]byte, len(s), len(s)+8)
	copy(b, s)
	return b
}

// scribble overwrites b so that stale views of it show up as garbage.
func scribble(b []byte) {
	for i := range b {
		b[i] = 'Z'
	}
}

func checkRequest(t *testing.T, c requestCase, n int, err error, r *Request) {
	t.Helper()
	if c.err != nil {
		if err != c.err {
			t.Fatalf("%s: err = %v, want %v", c.name, err, c.err)
		}
		if n != 0 {
			t.Fatalf("%s: n = %d with error", c.name, n)
		}
		return
	}
	if err != nil {
		t.Fatalf("%s: unexpected error %v", c.name, err)
	}
	w := c.want
	wantN := w.headLen
	if wantN == 0 {
		wantN = len(c.in)
	}
	if n != wantN || r.HeadLen() != wantN || len(r.Raw()) != wantN {
		t.Fatalf("%s: n = %d, HeadLen = %d, want %d", c.name, n, r.HeadLen(), wantN)
	}
	str := func(name string, got []byte, want string) {
		t.Helper()
		if string(got) != want {
			t.Fatalf("%s: %s = %q, want %q", c.name, name, got, want)
		}
	}
	str("Method", r.Method(), w.method)
	str("Target", r.Target(), w.target)
	str("Path", r.Path(), w.path)
	if w.hasQuery {
		if r.RawQuery() == nil {
			t.Fatalf("%s: RawQuery = nil, want %q", c.name, w.query)
		}
		str("RawQuery", r.RawQuery(), w.query)
	} else if r.RawQuery() != nil {
		t.Fatalf("%s: RawQuery = %q, want nil", c.name, r.RawQuery())
	}
	if r.Form() != w.form {
		t.Fatalf("%s: Form = %d, want %d", c.name, r.Form(), w.form)
	}
	if r.Minor() != w.minor {
		t.Fatalf("%s: Minor = %d, want %d", c.name, r.Minor(), w.minor)
	}
	if w.noHost {
		if r.Host() != nil {
			t.Fatalf("%s: Host = %q, want nil", c.name, r.Host())
		}
	} else {
		if r.Host() == nil {
			t.Fatalf("%s: Host = nil, want %q", c.name, w.host)
		}
		str("Host", r.Host(), w.host)
	}
	if w.headers != nil {
		if r.NumHeaders() != len(w.headers) {
			t.Fatalf("%s: NumHeaders = %d, want %d", c.name, r.NumHeaders(), len(w.headers))
		}
		for i, h := range w.headers {
			name, value := r.HeaderAt(i)
			str(fmt.Sprintf("HeaderAt(%d) name", i), name, h[0])
			str(fmt.Sprintf("HeaderAt(%d) value", i), value, h[1])
			// Header returns the first field with the name, in any case.
			first := ""
			for _, g := range w.headers {
				if strings.EqualFold(g[0], h[0]) {
					first = g[1]
					break
				}
			}
			str("Header("+h[0]+")", r.Header(strings.ToUpper(h[0])), first)
			str("Header("+h[0]+")", r.Header(strings.ToLower(h[0])), first)
		}
	}
	if r.Header("X-Not-There") != nil {
		t.Fatalf("%s: Header of an absent field is not nil", c.name)
	}
	if r.ContentLength() != w.contentLength {
		t.Fatalf("%s: ContentLength = %d, want %d", c.name, r.ContentLength(), w.contentLength)
	}
	if r.Chunked() != w.chunked {
		t.Fatalf("%s: Chunked = %v, want %v", c.name, r.Chunked(), w.chunked)
	}
	if r.HasBody() != (w.chunked || w.contentLength > 0) {
		t.Fatalf("%s: HasBody = %v", c.name, r.HasBody())
	}
	if r.KeepAlive() != w.keepAlive {
		t.Fatalf("%s: KeepAlive = %v, want %v", c.name, r.KeepAlive(), w.keepAlive)
	}
	if w.upgrade == "" {
		if r.Upgrade() != nil {
			t.Fatalf("%s: Upgrade = %q, want nil", c.name, r.Upgrade())
		}
	} else {
		str("Upgrade", r.Upgrade(), w.upgrade)
	}
	if r.ExpectContinue() != w.expect {
		t.Fatalf("%s: ExpectContinue = %v, want %v", c.name, r.ExpectContinue(), w.expect)
	}
}

func TestParseRequest(t *testing.T) {
	for _, c := range requestCases {
		p := RequestParser{Limits: c.limits}
		var r Request
		n, err := p.Parse(fresh(c.in), &r)
		checkRequest(t, c, n, err, &r)
		// The parser is ready for the next request, with no state left.
		if p.scanned != 0 || p.lineEnd != 0 {
			t.Fatalf("%s: parser state not reset: %+v", c.name, p)
		}
	}
}

// TestParseRequestSplit feeds every case cut at every byte: first the
// prefix, then the whole input, each a fresh copy, the earlier one scribbled
// on. A prefix may already fail with the case's own error (limits are
// enforced early), never with another; otherwise it must say "need more"
// unless it already holds the complete head.
func TestParseRequestSplit(t *testing.T) {
	for _, c := range requestCases {
		for k := 0; k < len(c.in); k++ {
			p := RequestParser{Limits: c.limits}
			var r Request
			first := fresh(c.in[:k])
			n, err := p.Parse(first, &r)
			wantN := c.want.headLen
			if wantN == 0 {
				wantN = len(c.in)
			}
			if err != nil || (c.err == nil && k >= wantN) {
				if c.err == nil && k >= wantN {
					checkRequest(t, c, n, err, &r)
					continue
				}
				if err != c.err {
					t.Fatalf("%s: split %d: prefix err = %v, want %v", c.name, k, err, c.err)
				}
				continue
			}
			if n != 0 {
				t.Fatalf("%s: split %d: prefix n = %d", c.name, k, n)
			}
			scribble(first)
			n, err = p.Parse(fresh(c.in), &r)
			checkRequest(t, c, n, err, &r)
		}
	}
}

// TestParseRequestByteByByte feeds each case one byte more per call, every
// call a fresh copy with the previous one scribbled on.
func TestParseRequestByteByByte(t *testing.T) {
	for _, c := range requestCases {
		p := RequestParser{Limits: c.limits}
		var r Request
		var prev []byte
		for k := 1; k <= len(c.in); k++ {
			scribble(prev)
			prev = fresh(c.in[:k])
			n, err := p.Parse(prev, &r)
			if err != nil || n > 0 {
				checkRequest(t, c, n, err, &r)
				break
			}
			if k == len(c.in) {
				t.Fatalf("%s: still need more after the whole input", c.name)
			}
		}
	}
}

// TestParseRequestScansOnce checks that a head arriving one byte at a time
// is searched once: the resume point advances with the input.
func TestParseRequestScansOnce(t *testing.T) {
	in := browserRequest
	var p RequestParser
	var r Request
	for k := 1; k < len(in); k++ {
		n, err := p.Parse([]byte(in[:k]), &r)
		if n != 0 || err != nil {
			t.Fatalf("prefix %d: n=%d err=%v", k, n, err)
		}
		if int(p.scanned) != k {
			t.Fatalf("prefix %d: scanned = %d, want %d", k, p.scanned, k)
		}
	}
}

// TestParseRequestEarlyLimits checks the default limits, and that 414 and
// 431 are reported as soon as the prefix proves them, before the head is
// complete. (The case table exercises the limits with small values, so that
// feeding its cases split at every byte stays cheap.)
func TestParseRequestEarlyLimits(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		limits *Limits
		err    *Error
	}{
		{"line", "GET /" + strings.Repeat("a", DefaultMaxRequestLine), nil, ErrRequestLineTooLong},
		{"whole line", "GET /" + strings.Repeat("a", DefaultMaxRequestLine) + " HTTP/1.1\r\nHost: a\r\n\r\n", nil, ErrRequestLineTooLong},
		{"whole head", get("X: " + strings.Repeat("v", DefaultMaxHeaderBytes) + "\r\n"), nil, ErrHeaderTooLarge},
		{"line limit", "GET /aaaaaaaaaaaaaaa", &Limits{MaxRequestLine: 20}, ErrRequestLineTooLong},
		{"head", "GET / HTTP/1.1\r\nX: " + strings.Repeat("a", DefaultMaxHeaderBytes), nil, ErrHeaderTooLarge},
		{"head lines", "GET / HTTP/1.1\r\n" + strings.Repeat("X: a\r\n", 100), &Limits{MaxHeaderBytes: 500}, ErrHeaderTooLarge},
	}
	for _, tt := range tests {
		var p RequestParser
		p.Limits = tt.limits
		var r Request
		if _, err := p.Parse([]byte(tt.in), &r); err != tt.err {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.err)
		}
	}
	// Just below the limits: need more.
	var p RequestParser
	var r Request
	if n, err := p.Parse([]byte("GET /"+strings.Repeat("a", DefaultMaxRequestLine-6)), &r); n != 0 || err != nil {
		t.Errorf("below line limit: n=%d err=%v", n, err)
	}
}

func TestParseRequestPipelined(t *testing.T) {
	var batch strings.Builder
	for i := 0; i < 10; i++ {
		fmt.Fprintf(&batch, "GET /%d HTTP/1.1\r\nHost: a\r\n\r\n", i)
	}
	batch.WriteString("POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc")
	batch.WriteString("GET /last HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
	buf := []byte(batch.String())
	var p RequestParser
	var r Request
	var paths []string
	for len(buf) > 0 {
		n, err := p.Parse(buf, &r)
		if err != nil || n == 0 {
			t.Fatalf("n=%d err=%v at %q", n, err, buf)
		}
		paths = append(paths, string(r.Path()))
		buf = buf[n:]
		if r.ContentLength() > 0 {
			if string(buf[:r.ContentLength()]) != "abc" {
				t.Fatalf("body = %q", buf[:r.ContentLength()])
			}
			buf = buf[r.ContentLength():]
		}
	}
	if len(paths) != 12 || paths[0] != "/0" || paths[9] != "/9" || paths[10] != "/p" || paths[11] != "/last" {
		t.Fatalf("paths = %q", paths)
	}
	if r.KeepAlive() {
		t.Fatal("last request should close")
	}
}

func TestRequestRebaseAndClone(t *testing.T) {
	in := fresh(browserRequest + "tail")
	var p RequestParser
	var r Request
	n, err := p.Parse(in, &r)
	if err != nil {
		t.Fatal(err)
	}
	c := r.Clone()
	head := bytes.Clone(r.Raw())
	r.Rebase(head)
	scribble(in)
	c0 := requestCases[1]
	if c0.name != "browser" {
		t.Fatal("requestCases[1] must be the browser case")
	}
	c0.want.headLen = n
	checkRequest(t, c0, n, nil, &r)
	checkRequest(t, c0, n, nil, c)
	r.Reset()
	if r.NumHeaders() != 0 || r.Method() != nil && len(r.Method()) != 0 || r.Raw() != nil {
		t.Fatalf("Reset left state: %d headers", r.NumHeaders())
	}
	defer func() {
		if recover() == nil {
			t.Fatal("Rebase with a short buffer did not panic")
		}
	}()
	c.Rebase(head[:10])
}

func TestHeaderAtOutOfRange(t *testing.T) {
	var r Request
	defer func() {
		if recover() == nil {
			t.Fatal("HeaderAt(0) on an empty request did not panic")
		}
	}()
	r.HeaderAt(0)
}

func TestErrorMessages(t *testing.T) {
	if got := ErrBareLF.Error(); got != "httpcodec: bare lf line ending" {
		t.Fatalf("Error() = %q", got)
	}
	var e error = ErrRequestLineTooLong
	var he *Error
	if !errors.As(e, &he) || he.Status != 414 {
		t.Fatalf("errors.As: %v", he)
	}
	if got := (&Error{Status: 400, Reason: "x"}).Error(); got != "httpcodec: x" {
		t.Fatalf("Error() = %q", got)
	}
}

// TestValidHostEveryByte checks the reg-name scan, which looks up eight
// bytes per step, against a byte loop: every byte value at every position
// of names of every length up to 20, alone and before a port.
func TestValidHostEveryByte(t *testing.T) {
	want := func(h []byte) bool {
		i := 0
		for i < len(h) && hostTable[h[i]] {
			i++
		}
		if i == len(h) {
			return true
		}
		if h[i] != ':' {
			return false
		}
		for _, c := range h[i+1:] {
			if !isDigit(c) {
				return false
			}
		}
		return true
	}
	for n := 1; n <= 20; n++ {
		for p := 0; p < n; p++ {
			for v := 0; v < 256; v++ {
				if p == 0 && v == '[' {
					continue // IP literal: another path
				}
				name := bytes.Repeat([]byte("a"), n)
				name[p] = byte(v)
				for _, h := range [][]byte{name, append(name, ":8080"...)} {
					if got := validHost(h); got != want(h) {
						t.Fatalf("validHost(%q) = %v, want %v", h, got, !got)
					}
				}
			}
		}
	}
}

// TestValidPortEveryByte checks validPort, which tests a short port as one
// 64-bit word, against a byte loop: every byte value at every position of
// ports of every length up to 10, after names of every length up to 9 (so
// that the Host is shorter and longer than the word).
func TestValidPortEveryByte(t *testing.T) {
	want := func(p []byte) bool {
		for _, c := range p {
			if !isDigit(c) {
				return false
			}
		}
		return true
	}
	for hn := 0; hn <= 9; hn++ {
		for n := 0; n <= 10; n++ {
			for p := 0; p < max(n, 1); p++ {
				for v := 0; v < 256; v++ {
					h := append(bytes.Repeat([]byte("h"), hn), ':')
					h = append(h, bytes.Repeat([]byte("7"), n)...)
					if n > 0 {
						h[hn+1+p] = byte(v)
					}
					if got := validPort(h, hn+1); got != want(h[hn+1:]) {
						t.Fatalf("validPort(%q, %d) = %v, want %v", h, hn+1, got, !got)
					}
				}
			}
		}
	}
}

// TestParseRequestPlainPath checks Request.PlainPath on both parse paths
// (the whole head at once, and byte by byte: the incremental path).
func TestParseRequestPlainPath(t *testing.T) {
	tests := []struct {
		target string
		plain  bool
	}{
		{"/", true},
		{"/plaintext", true},
		{"/a/b/c-d_e~f/0123456789abcdef", true},
		{"/x?a=.%20", true}, // the query does not count
		{"/file.txt", false},
		{"/a/../b", false},
		{"/%41", false},
		{"/abcdefghijklmno.", false},
		{"/abcdefgh%", false},
		{"http://example.com/x", false}, // the authority's dots count: "look"
		{"*", true},
	}
	for _, tt := range tests {
		method := "GET"
		if tt.target == "*" {
			method = "OPTIONS"
		}
		head := method + " " + tt.target + " HTTP/1.1\r\nHost: h\r\n\r\n"
		var p RequestParser
		var r Request
		if n, err := p.Parse(fresh(head), &r); err != nil || n != len(head) {
			t.Fatalf("%q: Parse = %d, %v", tt.target, n, err)
		}
		if r.PlainPath() != tt.plain {
			t.Errorf("%q: PlainPath = %v, want %v", tt.target, r.PlainPath(), tt.plain)
		}
		p.Reset()
		for k := 1; k <= len(head); k++ {
			n, err := p.Parse(fresh(head[:k]), &r)
			if err != nil {
				t.Fatalf("%q: Parse(%d bytes): %v", tt.target, k, err)
			}
			if n > 0 {
				break
			}
		}
		if r.PlainPath() != tt.plain {
			t.Errorf("%q byte by byte: PlainPath = %v, want %v", tt.target, r.PlainPath(), tt.plain)
		}
		r.Reset()
		if r.PlainPath() {
			t.Errorf("%q: PlainPath after Reset = true", tt.target)
		}
	}
}
