package httpcodec

import (
	"fmt"
	"strings"
	"testing"
)

type wantResponse struct {
	status        int
	reason        string
	minor         int
	headers       [][2]string
	contentLength int64
	chunked       bool
	mode          BodyMode
	keepAlive     bool
	headLen       int // 0: len(in)
}

// responseCase is one row of the response table, which feeds the unit
// test, the split-feeding test, the fuzz seeds and the benchmarks.
type responseCase struct {
	name   string
	in     string
	head   bool // answers a HEAD request
	limits *Limits
	err    *Error
	want   wantResponse
}

var responseCases = []responseCase{
	{name: "ok length", in: "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello", want: wantResponse{
		status: 200, reason: "OK", minor: 1, contentLength: 5, mode: BodyLength, keepAlive: true,
		headers: [][2]string{{"Content-Type", "text/plain"}, {"Content-Length", "5"}},
		headLen: len("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\n")}},
	{name: "chunked", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", want: wantResponse{
		status: 200, reason: "OK", minor: 1, contentLength: -1, chunked: true, mode: BodyChunked, keepAlive: true}},
	{name: "close delimited", in: "HTTP/1.1 200 OK\r\nServer: x\r\n\r\n", want: wantResponse{
		status: 200, reason: "OK", minor: 1, contentLength: -1, mode: BodyClose}},
	{name: "http10 keep-alive", in: "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n", want: wantResponse{
		status: 200, reason: "OK", minor: 0, contentLength: 0, mode: BodyLength, keepAlive: true}},
	{name: "http10 default close", in: "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", want: wantResponse{
		status: 200, reason: "OK", minor: 0, contentLength: 0, mode: BodyLength}},
	{name: "connection close", in: "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n", want: wantResponse{
		status: 200, reason: "OK", minor: 1, contentLength: 2, mode: BodyLength}},
	{name: "head response", head: true, in: "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n", want: wantResponse{
		status: 200, reason: "OK", minor: 1, contentLength: 1234, mode: BodyNone, keepAlive: true}},
	{name: "head chunked", head: true, in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", want: wantResponse{
		status: 200, reason: "OK", minor: 1, contentLength: -1, chunked: true, mode: BodyNone, keepAlive: true}},
	{name: "no content", in: "HTTP/1.1 204 No Content\r\n\r\n", want: wantResponse{
		status: 204, reason: "No Content", minor: 1, contentLength: -1, mode: BodyNone, keepAlive: true}},
	{name: "not modified", in: "HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n", want: wantResponse{
		status: 304, reason: "Not Modified", minor: 1, contentLength: 99, mode: BodyNone, keepAlive: true}},
	{name: "continue", in: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n", want: wantResponse{
		status: 100, reason: "Continue", minor: 1, contentLength: -1, mode: BodyNone, keepAlive: true,
		headLen: len("HTTP/1.1 100 Continue\r\n\r\n")}},
	{name: "switching protocols", in: "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n", want: wantResponse{
		status: 101, reason: "Switching Protocols", minor: 1, contentLength: -1, mode: BodyNone,
		headers: [][2]string{{"Upgrade", "websocket"}, {"Connection", "Upgrade"}}}},
	{name: "no reason", in: "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", want: wantResponse{
		status: 200, reason: "", minor: 1, contentLength: 0, mode: BodyLength, keepAlive: true}},
	{name: "empty reason", in: "HTTP/1.1 404 \r\nContent-Length: 0\r\n\r\n", want: wantResponse{
		status: 404, reason: "", minor: 1, contentLength: 0, mode: BodyLength, keepAlive: true}},
	{name: "reason with spaces", in: "HTTP/1.1 599 Custom  Reason\tx\r\nContent-Length: 0\r\n\r\n", want: wantResponse{
		status: 599, reason: "Custom  Reason\tx", minor: 1, contentLength: 0, mode: BodyLength, keepAlive: true}},
	{name: "repeated set-cookie", in: "HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nContent-Length: 0\r\n\r\n", want: wantResponse{
		status: 200, reason: "OK", minor: 1, contentLength: 0, mode: BodyLength, keepAlive: true,
		headers: [][2]string{{"Set-Cookie", "a=1"}, {"Set-Cookie", "b=2"}, {"Content-Length", "0"}}}},

	{name: "reason obs-text", in: "HTTP/1.1 200 \xc3\xa9t\xc3\xa9\r\nContent-Length: 0\r\n\r\n", want: wantResponse{
		status: 200, reason: "\xc3\xa9t\xc3\xa9", minor: 1, contentLength: 0, mode: BodyLength, keepAlive: true}},
	{name: "empty lines in body", in: "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n\r\n\r\n", want: wantResponse{
		status: 200, reason: "OK", minor: 1, contentLength: 4, mode: BodyLength, keepAlive: true,
		headLen: len("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n")}},
	{name: "status line at limit", in: "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", limits: &Limits{MaxRequestLine: 17}, want: wantResponse{
		status: 200, reason: "OK", minor: 1, contentLength: 0, mode: BodyLength, keepAlive: true}},
	{name: "head at limit", in: "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", limits: &Limits{MaxHeaderBytes: 38}, want: wantResponse{
		status: 200, reason: "OK", minor: 1, contentLength: 0, mode: BodyLength, keepAlive: true}},
	{name: "fields at limit", in: "HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\n\r\n", limits: &Limits{MaxHeaders: 2}, want: wantResponse{
		status: 200, reason: "OK", minor: 1, contentLength: -1, mode: BodyClose,
		headers: [][2]string{{"A", "1"}, {"B", "2"}}}},

	{name: "bare lf", in: "HTTP/1.1 200 OK\nContent-Length: 0\n\n", err: ErrBareLF},
	{name: "reason lf", in: "HTTP/1.1 200 O\nK\r\n\r\n", err: ErrBareLF},
	{name: "value bare cr", in: "HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n", err: ErrBareCR},
	{name: "value control", in: "HTTP/1.1 200 OK\r\nX: a\x00b\r\n\r\n", err: ErrBadHeaderValue},
	{name: "status line over limit", in: "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", limits: &Limits{MaxRequestLine: 16}, err: ErrStatusLineTooLong},
	{name: "head over limit", in: "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", limits: &Limits{MaxHeaderBytes: 37}, err: ErrHeaderTooLarge},
	{name: "version 2", in: "HTTP/2.0 200 OK\r\n\r\n", err: ErrVersionNotSupported},
	{name: "bad version", in: "HTTP/1.x 200 OK\r\n\r\n", err: ErrBadStatusLine},
	{name: "short", in: "HTTP/1.1 20\r\n\r\n", err: ErrBadStatusLine},
	{name: "no space", in: "HTTP/1.1200 OK\r\n\r\n", err: ErrBadStatusLine},
	{name: "status letters", in: "HTTP/1.1 2x0 OK\r\n\r\n", err: ErrBadStatusCode},
	{name: "status 4 digits", in: "HTTP/1.1 2000 OK\r\n\r\n", err: ErrBadStatusCode},
	{name: "status leading zero", in: "HTTP/1.1 099 OK\r\n\r\n", err: ErrBadStatusCode},
	{name: "reason control", in: "HTTP/1.1 200 O\x01K\r\n\r\n", err: ErrBadStatusLine},
	{name: "reason bare cr", in: "HTTP/1.1 200 O\rK\r\n\r\n", err: ErrBareCR},
	{name: "obs-fold", in: "HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n", err: ErrObsFold},
	{name: "space before colon", in: "HTTP/1.1 200 OK\r\nContent-Length : 5\r\n\r\n", err: ErrSpaceBeforeColon},
	{name: "cl and te", in: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", err: ErrContentLengthWithTE},
	{name: "cl conflict", in: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", err: ErrConflictingContentLength},
	{name: "cl bad", in: "HTTP/1.1 200 OK\r\nContent-Length: 5a\r\n\r\n", err: ErrBadContentLength},
	{name: "te gzip chunked", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", err: ErrUnsupportedTE},
	{name: "te http10", in: "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", err: ErrBadTransferEncoding},
	{name: "status line too long", in: "HTTP/1.1 200 " + strings.Repeat("r", 40) + "\r\n\r\n", limits: &Limits{MaxRequestLine: 32}, err: ErrStatusLineTooLong},
	{name: "head too large", in: "HTTP/1.1 200 OK\r\nX: " + strings.Repeat("v", 64) + "\r\n\r\n", limits: &Limits{MaxHeaderBytes: 64}, err: ErrHeaderTooLarge},
	{name: "too many fields", in: "HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\n\r\n", limits: &Limits{MaxHeaders: 1}, err: ErrTooManyHeaders},
}

func checkResponse(t *testing.T, c responseCase, n int, err error, r *Response) {
	t.Helper()
	if c.err != nil {
		if err != c.err || n != 0 {
			t.Fatalf("%s: n = %d, err = %v, want %v", c.name, n, err, c.err)
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
	if n != wantN || r.HeadLen() != wantN || string(r.Raw()) != c.in[:wantN] {
		t.Fatalf("%s: n = %d, HeadLen = %d, want %d", c.name, n, r.HeadLen(), wantN)
	}
	if r.Status() != w.status || string(r.Reason()) != w.reason || r.Minor() != w.minor {
		t.Fatalf("%s: status line %d %q 1.%d, want %d %q 1.%d", c.name, r.Status(), r.Reason(), r.Minor(), w.status, w.reason, w.minor)
	}
	if w.headers != nil {
		if r.NumHeaders() != len(w.headers) {
			t.Fatalf("%s: NumHeaders = %d, want %d", c.name, r.NumHeaders(), len(w.headers))
		}
		for i, h := range w.headers {
			name, value := r.HeaderAt(i)
			if string(name) != h[0] || string(value) != h[1] {
				t.Fatalf("%s: HeaderAt(%d) = %q: %q, want %q", c.name, i, name, value, h)
			}
		}
		if len(w.headers) > 0 && string(r.Header(strings.ToLower(w.headers[0][0]))) != w.headers[0][1] {
			t.Fatalf("%s: Header lookup failed", c.name)
		}
	}
	if r.ContentLength() != w.contentLength || r.Chunked() != w.chunked || r.BodyMode() != w.mode || r.KeepAlive() != w.keepAlive {
		t.Fatalf("%s: length %d chunked %v mode %v keep-alive %v, want %d %v %v %v", c.name,
			r.ContentLength(), r.Chunked(), r.BodyMode(), r.KeepAlive(), w.contentLength, w.chunked, w.mode, w.keepAlive)
	}
}

func TestParseResponse(t *testing.T) {
	for _, c := range responseCases {
		p := ResponseParser{Limits: c.limits}
		var r Response
		n, err := p.Parse(fresh(c.in), &r, c.head)
		checkResponse(t, c, n, err, &r)
	}
}

func TestParseResponseSplit(t *testing.T) {
	for _, c := range responseCases {
		wantN := c.want.headLen
		if wantN == 0 {
			wantN = len(c.in)
		}
		for k := 0; k < len(c.in); k++ {
			p := ResponseParser{Limits: c.limits}
			var r Response
			first := fresh(c.in[:k])
			n, err := p.Parse(first, &r, c.head)
			if c.err == nil && k >= wantN {
				checkResponse(t, c, n, err, &r)
				continue
			}
			if err != nil {
				if err != c.err {
					t.Fatalf("%s: split %d: prefix err = %v, want %v", c.name, k, err, c.err)
				}
				continue
			}
			if n != 0 {
				t.Fatalf("%s: split %d: prefix n = %d", c.name, k, n)
			}
			scribble(first)
			n, err = p.Parse(fresh(c.in), &r, c.head)
			checkResponse(t, c, n, err, &r)
			var r2 Response
			r2.Rebase(nil) // a zero Response accepts an empty rebase
			r.Rebase([]byte(string(r.Raw())))
			checkResponse(t, c, n, err, &r)
		}
	}
}

// TestResponseParseWhole checks that the single pass takes every good head
// of the table whole (else the fast path would never run) and declines
// every bad one, whose error only the incremental path may pick.
func TestResponseParseWhole(t *testing.T) {
	for _, c := range responseCases {
		var r Response
		end := r.parseWhole(fresh(c.in), c.limits, c.head)
		want := 0
		if c.err == nil {
			if want = c.want.headLen; want == 0 {
				want = len(c.in)
			}
		}
		if end != want {
			t.Errorf("%s: parseWhole = %d, want %d", c.name, end, want)
		}
	}
}

// responseSummary renders everything Parse reports about a head, so two
// parses can be compared in one string comparison.
func responseSummary(r *Response) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d %q 1.%d len=%d cl=%d chunked=%v mode=%v keep=%v head=%q",
		r.Status(), r.Reason(), r.Minor(), r.HeadLen(), r.ContentLength(), r.Chunked(), r.BodyMode(), r.KeepAlive(), r.Raw())
	for i := 0; i < r.NumHeaders(); i++ {
		name, value := r.HeaderAt(i)
		fmt.Fprintf(&b, " [%q: %q]", name, value)
	}
	return b.String()
}

func TestBodyModeString(t *testing.T) {
	for m, want := range map[BodyMode]string{BodyNone: "none", BodyLength: "length", BodyChunked: "chunked", BodyClose: "close", 9: "invalid"} {
		if m.String() != want {
			t.Errorf("%d: %q", m, m.String())
		}
	}
}
