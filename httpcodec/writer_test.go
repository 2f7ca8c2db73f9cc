package httpcodec

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestAppendStatusLine(t *testing.T) {
	tests := []struct {
		code int
		want string
	}{
		{200, "HTTP/1.1 200 OK\r\n"},
		{101, "HTTP/1.1 101 Switching Protocols\r\n"},
		{404, "HTTP/1.1 404 Not Found\r\n"},
		{431, "HTTP/1.1 431 Request Header Fields Too Large\r\n"},
		{599, "HTTP/1.1 599 \r\n"},
		{299, "HTTP/1.1 299 \r\n"},
		{600, "HTTP/1.1 600 \r\n"},
		{999, "HTTP/1.1 999 \r\n"},
		{99, "HTTP/1.1 500 Internal Server Error\r\n"},
		{1000, "HTTP/1.1 500 Internal Server Error\r\n"},
		{-1, "HTTP/1.1 500 Internal Server Error\r\n"},
	}
	for _, tt := range tests {
		if got := string(AppendStatusLine([]byte("x"), tt.code)); got != "x"+tt.want {
			t.Errorf("AppendStatusLine(%d) = %q, want %q", tt.code, got, tt.want)
		}
	}
	// Every code net/http knows has the same text here.
	for code := 100; code < 600; code++ {
		if StatusText(code) != http.StatusText(code) {
			t.Errorf("StatusText(%d) = %q, net/http says %q", code, StatusText(code), http.StatusText(code))
		}
	}
	if StatusText(42) != "" || StatusText(700) != "" {
		t.Error("StatusText of an invalid code is not empty")
	}
}

func TestAppendHeaders(t *testing.T) {
	var b []byte
	b = AppendHeader(b, "Content-Type", "text/plain")
	b = AppendHeader(b, []byte("X-B"), []byte("v"))
	b = AppendHeader(b, "X-C", []byte(""))
	b = AppendContentLength(b, 0)
	b = AppendContentLength(b, 1234567890123)
	b = AppendDate(b, []byte("Sun, 06 Nov 1994 08:49:37 GMT"))
	want := "Content-Type: text/plain\r\nX-B: v\r\nX-C: \r\nContent-Length: 0\r\nContent-Length: 1234567890123\r\n" +
		"Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
	if string(b) != want {
		t.Fatalf("got %q\nwant %q", b, want)
	}
}

func TestAppendHTTPDate(t *testing.T) {
	times := []time.Time{
		time.Date(1994, 11, 6, 8, 49, 37, 0, time.UTC),
		time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2024, 2, 29, 23, 59, 59, 999999999, time.FixedZone("X", 5*3600)),
		time.Unix(0, 0),
		time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC),
	}
	for _, tm := range times {
		got := string(AppendHTTPDate(nil, tm))
		if want := tm.UTC().Format(http.TimeFormat); got != want {
			t.Errorf("AppendHTTPDate(%v) = %q, want %q", tm, got, want)
		}
		if len(got) != 29 {
			t.Errorf("length %d", len(got))
		}
	}
}

func TestAppendChunks(t *testing.T) {
	var b []byte
	b = AppendChunk(b, []byte("hello"))
	b = AppendChunk(b, nil)
	b = AppendChunk(b, bytes.Repeat([]byte("x"), 300))
	b = AppendChunkSize(b, 0)
	b = AppendChunkSize(b, 3)
	b = append(b, "abc"...)
	b = AppendChunkEnd(b)
	b = AppendLastChunk(b, []byte("X-Sum: 1\r\n"))
	want := "5\r\nhello\r\n12c\r\n" + strings.Repeat("x", 300) + "\r\n3\r\nabc\r\n0\r\nX-Sum: 1\r\n\r\n"
	if string(b) != want {
		t.Fatalf("got %q", b)
	}
	if got := string(AppendLastChunk(nil, nil)); got != "0\r\n\r\n" {
		t.Fatalf("AppendLastChunk(nil) = %q", got)
	}
}

// TestWrittenResponseReadByNetHTTP writes a chunked response with trailers
// and checks that net/http reads back the same thing.
func TestWrittenResponseReadByNetHTTP(t *testing.T) {
	var b []byte
	b = AppendStatusLine(b, 200)
	b = AppendHeader(b, "Content-Type", "text/plain")
	b = AppendHeader(b, "Transfer-Encoding", "chunked")
	b = AppendHeader(b, "Trailer", "X-Sum")
	b = append(b, '\r', '\n')
	b = AppendChunk(b, []byte("hello, "))
	b = AppendChunk(b, []byte("world"))
	b = AppendLastChunk(b, AppendHeader(nil, "X-Sum", "42"))
	resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(b)), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || string(body) != "hello, world" || resp.Trailer.Get("X-Sum") != "42" {
		t.Fatalf("status %d body %q trailer %v", resp.StatusCode, body, resp.Trailer)
	}
}

func TestValidHeader(t *testing.T) {
	names := []struct {
		in string
		ok bool
	}{
		{"Content-Type", true}, {"x", true}, {"!#$%&'*+-.^_`|~", true},
		{"", false}, {"a b", false}, {"a:b", false}, {"a\r\n", false}, {"é", false}, {"a(b)", false},
	}
	for _, n := range names {
		if ValidHeaderName([]byte(n.in)) != n.ok {
			t.Errorf("ValidHeaderName(%q) = %v", n.in, !n.ok)
		}
	}
	values := []struct {
		in string
		ok bool
	}{
		{"", true}, {"text/html; charset=utf-8", true}, {"a\tb", true}, {"caf\xc3\xa9", true},
		{"a\r\nX-Evil: 1", false}, {"a\nb", false}, {"a\rb", false}, {"a\x00", false}, {"a\x7f", false},
		{" lead", false}, {"trail ", false}, {"\ttab", false},
	}
	for _, v := range values {
		if ValidHeaderValue([]byte(v.in)) != v.ok {
			t.Errorf("ValidHeaderValue(%q) = %v", v.in, !v.ok)
		}
	}
}

// TestAppendContentLengthDigits checks the in-place digits of small
// lengths against strconv at every digit-count boundary.
func TestAppendContentLengthDigits(t *testing.T) {
	for _, n := range []int64{0, 1, 9, 10, 11, 99, 100, 101, 999, 1000, 1001, 9999, 10000, 10001, 65535, 1 << 40} {
		got := string(AppendContentLength([]byte("x"), n))
		want := "xContent-Length: " + strconv.FormatInt(n, 10) + "\r\n"
		if got != want {
			t.Errorf("%d: got %q, want %q", n, got, want)
		}
	}
}
