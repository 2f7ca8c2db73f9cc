package httpcodec

import (
	"bytes"
	"strings"
	"testing"
)

// chunkedCase is one row of the chunked-body table, which feeds the unit
// test, the split-feeding test, the fuzz seeds and the benchmarks.
type chunkedCase struct {
	name     string
	in       string
	limits   *Limits
	data     string
	trailers string
	tail     string // bytes after the body, left unconsumed
	err      *Error
}

var chunkedCases = []chunkedCase{
	{name: "one chunk", in: "5\r\nhello\r\n0\r\n\r\n", data: "hello"},
	{name: "empty body", in: "0\r\n\r\n"},
	{name: "many chunks", in: "5\r\nhello\r\n1\r\n,\r\na\r\n0123456789\r\nA\r\nabcdefghij\r\n0\r\n\r\n", data: "hello,0123456789abcdefghij"},
	{name: "upper hex", in: "1F\r\n" + strings.Repeat("x", 31) + "\r\n0\r\n\r\n", data: strings.Repeat("x", 31)},
	{name: "leading zeros", in: "0005\r\nhello\r\n000\r\n\r\n", data: "hello"},
	{name: "crlf in data", in: "4\r\n\r\n\r\n\r\n0\r\n\r\n", data: "\r\n\r\n"},
	{name: "big chunk", in: "400\r\n" + strings.Repeat("y", 1024) + "\r\n0\r\n\r\n", data: strings.Repeat("y", 1024)},
	{name: "extension", in: "5;name=value\r\nhello\r\n0;last\r\n\r\n", data: "hello"},
	{name: "extensions with bws", in: "5 ; a = b ;c;d=e\t;f\r\nhello\r\n0\r\n\r\n", data: "hello"},
	{name: "quoted extension", in: "5;a=\"x \\\"y\\\" ;z\"; b=\"\"\r\nhello\r\n0\r\n\r\n", data: "hello"},
	{name: "quoted then space", in: "5;a=\"q\" \r\nhello\r\n0\r\n\r\n", err: ErrBadChunkExt},
	{name: "trailers", in: "5\r\nhello\r\n0\r\nX-Sum: 42\r\nY:\tb c \r\n\r\n", data: "hello", trailers: "X-Sum: 42\r\nY:\tb c \r\n"},
	{name: "tail kept", in: "5\r\nhello\r\n0\r\n\r\nGET / HTTP/1.1\r\n", data: "hello", tail: "GET / HTTP/1.1\r\n"},
	{name: "trailers and tail", in: "0\r\nA: 1\r\n\r\nPOST", trailers: "A: 1\r\n", tail: "POST"},

	{name: "no size", in: "\r\nhello\r\n", err: ErrBadChunkSize},
	{name: "bad size", in: "x\r\nhello\r\n", err: ErrBadChunkSize},
	{name: "negative size", in: "-5\r\nhello\r\n", err: ErrBadChunkSize},
	{name: "plus size", in: "+5\r\nhello\r\n", err: ErrBadChunkSize},
	{name: "0x size", in: "0x5\r\nhello\r\n", err: ErrBadChunkSize},
	{name: "size bare lf", in: "5\nhello\r\n0\r\n\r\n", err: ErrBadChunkSize},
	{name: "size bare cr", in: "5\rhello\r\n0\r\n\r\n", err: ErrBadChunkSize},
	{name: "size trailing space", in: "5 \r\nhello\r\n0\r\n\r\n", err: ErrBadChunkSize},
	{name: "size inner space", in: "5 5\r\nhello\r\n0\r\n\r\n", err: ErrBadChunkSize},
	{name: "overflow 2^63", in: "8000000000000000\r\n", err: ErrChunkSizeOverflow},
	{name: "overflow 17 digits", in: "10000000000000000\r\n", err: ErrChunkSizeOverflow},
	{name: "overflow long", in: "ffffffffffffffffffffffff\r\n", err: ErrChunkSizeOverflow},
	{name: "data too long", in: "5\r\nhelloX\r\n0\r\n\r\n", err: ErrBadChunkEnd},
	{name: "data lf only", in: "5\r\nhello\n0\r\n\r\n", err: ErrBadChunkEnd},
	{name: "data cr only", in: "5\r\nhello\r0\r\n\r\n", err: ErrBadChunkEnd},
	{name: "ext empty", in: "5;\r\nhello\r\n0\r\n\r\n", err: ErrBadChunkExt},
	{name: "ext bad name", in: "5;a@b\r\nhello\r\n0\r\n\r\n", err: ErrBadChunkExt},
	{name: "ext empty value", in: "5;a=\r\nhello\r\n0\r\n\r\n", err: ErrBadChunkExt},
	{name: "ext two values", in: "5;a=b c\r\nhello\r\n0\r\n\r\n", err: ErrBadChunkExt},
	{name: "ext trailing space", in: "5;a \r\nhello\r\n0\r\n\r\n", err: ErrBadChunkExt},
	{name: "ext value trailing space", in: "5;a=b \r\nhello\r\n0\r\n\r\n", err: ErrBadChunkExt},
	{name: "ext token after quote", in: "5;a=\"x\"y\r\nhello\r\n0\r\n\r\n", err: ErrBadChunkExt},
	{name: "ext unterminated quote", in: "5;a=\"x\r\nhello\r\n0\r\n\r\n", err: ErrBadChunkExt},
	{name: "ext control", in: "5;a=\x01\r\nhello\r\n0\r\n\r\n", err: ErrBadChunkExt},
	{name: "ext nul in quote", in: "5;a=\"\x00\"\r\nhello\r\n0\r\n\r\n", err: ErrBadChunkExt},
	{name: "ext bare lf", in: "5;a\nhello\r\n0\r\n\r\n", err: ErrBadChunkExt},
	{name: "size line limit", in: "5;abcdef\r\nhello\r\n0\r\n\r\n", limits: &Limits{MaxChunkExt: 6}, err: ErrChunkLineTooLong},
	{name: "size line at limit", in: "5;abc\r\nhello\r\n0\r\n\r\n", limits: &Limits{MaxChunkExt: 7}, data: "hello"},
	{name: "zero padding too long", in: strings.Repeat("0", 20) + "5\r\nhello\r\n0\r\n\r\n", limits: &Limits{MaxChunkExt: 10}, err: ErrChunkLineTooLong},
	{name: "trailer bare lf", in: "0\r\nX: a\n\r\n", err: ErrBareLF},
	{name: "trailer end bare lf", in: "0\r\n\n", err: ErrBareLF},
	{name: "trailer obs-fold", in: "0\r\nX: a\r\n b\r\n\r\n", err: ErrObsFold},
	{name: "trailer space before colon", in: "0\r\nX : a\r\n\r\n", err: ErrSpaceBeforeColon},
	{name: "trailer no colon", in: "0\r\nX\r\n\r\n", err: ErrBadHeaderName},
	{name: "trailer bare cr", in: "0\r\nX: a\rb\r\n\r\n", err: ErrBareCR},
	{name: "trailer nul", in: "0\r\nX: a\x00\r\n\r\n", err: ErrBadHeaderValue},
	{name: "trailer limit", in: "0\r\nX: abcdef\r\n\r\n", limits: &Limits{MaxTrailerBytes: 12}, err: ErrTrailerTooLarge},
	{name: "trailer at limit", in: "0\r\nX: abcdef\r\n\r\n", limits: &Limits{MaxTrailerBytes: 13}, trailers: "X: abcdef\r\n"},
	{name: "too many trailers", in: "0\r\nA: 1\r\nB: 2\r\n\r\n", limits: &Limits{MaxHeaders: 1}, err: ErrTooManyHeaders},
}

type chunkedResult struct {
	data, trailers, tail string
	err                  error
}

// decodePieces feeds pieces to a fresh decoder the way a connection does:
// the unconsumed bytes plus the new piece, as a fresh copy each time, the
// previous buffer scribbled on. Data is copied out at once.
func decodePieces(limits *Limits, pieces []string) chunkedResult {
	d := ChunkedDecoder{Limits: limits}
	var res chunkedResult
	var data bytes.Buffer
	var pending []byte
	for pi, piece := range pieces {
		buf := fresh(string(pending) + piece)
		scribble(pending)
		pending = buf
		for {
			if d.Done() {
				break
			}
			out, n, err := d.Decode(pending)
			if err != nil {
				res.err = err
				return res
			}
			data.Write(out)
			pending = pending[n:]
			if d.Done() {
				res.trailers = string(d.Trailers())
				if !bytes.Equal(d.Trailer("X-Sum"), firstTrailer(res.trailers, "x-sum")) {
					res.err = ErrBadRequestLine // a wrong Trailer lookup shows as an error
				}
			}
			if n == 0 {
				break
			}
		}
		if pi == len(pieces)-1 {
			res.tail = string(pending)
		}
	}
	res.data = data.String()
	if !d.Done() && res.err == nil {
		res.err = errNeedMore
	}
	return res
}

var errNeedMore = &Error{Status: 0, Reason: "need more"}

func firstTrailer(section, lowerName string) []byte {
	for _, line := range strings.Split(section, "\r\n") {
		name, value, ok := strings.Cut(line, ":")
		if ok && strings.ToLower(name) == lowerName {
			return []byte(strings.Trim(value, " \t"))
		}
	}
	return nil
}

func checkChunked(t *testing.T, c chunkedCase, how string, got chunkedResult) {
	t.Helper()
	if c.err != nil {
		if got.err != c.err {
			t.Fatalf("%s (%s): err = %v, want %v", c.name, how, got.err, c.err)
		}
		return
	}
	if got.err != nil {
		t.Fatalf("%s (%s): unexpected error %v", c.name, how, got.err)
	}
	if got.data != c.data || got.trailers != c.trailers || got.tail != c.tail {
		t.Fatalf("%s (%s): data %q trailers %q tail %q\nwant data %q trailers %q tail %q",
			c.name, how, got.data, got.trailers, got.tail, c.data, c.trailers, c.tail)
	}
}

func TestChunkedDecoder(t *testing.T) {
	for _, c := range chunkedCases {
		checkChunked(t, c, "whole", decodePieces(c.limits, []string{c.in}))
	}
}

func TestChunkedDecoderSplit(t *testing.T) {
	for _, c := range chunkedCases {
		for k := 0; k <= len(c.in); k++ {
			checkChunked(t, c, "split", decodePieces(c.limits, []string{c.in[:k], c.in[k:]}))
		}
	}
}

func TestChunkedDecoderByteByByte(t *testing.T) {
	for _, c := range chunkedCases {
		pieces := make([]string, len(c.in))
		for i := range c.in {
			pieces[i] = c.in[i : i+1]
		}
		checkChunked(t, c, "bytes", decodePieces(c.limits, pieces))
	}
}

// TestChunkedDefaultLimits checks the default limits on whole inputs (the
// case table uses small limits so split feeding stays cheap).
func TestChunkedDefaultLimits(t *testing.T) {
	for _, c := range []chunkedCase{
		{name: "size line too long", in: "5;" + strings.Repeat("a", DefaultMaxChunkExt) + "\r\nhello\r\n0\r\n\r\n", err: ErrChunkLineTooLong},
		{name: "size line at default", in: "5;" + strings.Repeat("a", DefaultMaxChunkExt-5) + "\r\nhello\r\n0\r\n\r\n", data: "hello"},
		{name: "trailer too large", in: "0\r\nX: " + strings.Repeat("a", DefaultMaxTrailerBytes) + "\r\n\r\n", err: ErrTrailerTooLarge},
		{name: "trailer prefix too large", in: "0\r\nX: " + strings.Repeat("a", DefaultMaxTrailerBytes), err: ErrTrailerTooLarge},
	} {
		checkChunked(t, c, "whole", decodePieces(nil, []string{c.in}))
	}
}

func TestChunkedDecoderMaxSize(t *testing.T) {
	var d ChunkedDecoder
	data, n, err := d.Decode([]byte("7fffffffffffffff\r\nab"))
	if err != nil || string(data) != "ab" || n != 20 {
		t.Fatalf("data %q n %d err %v", data, n, err)
	}
	if d.remain != 1<<63-1-2 {
		t.Fatalf("remain = %d", d.remain)
	}
}

func TestChunkedDecodeAppend(t *testing.T) {
	in := []byte("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\nNEXT")
	var d ChunkedDecoder
	body, n, err := d.DecodeAppend(nil, in, 0)
	if err != nil || string(body) != "hello world" || !d.Done() || string(in[n:]) != "NEXT" {
		t.Fatalf("body %q n %d err %v done %v", body, n, err, d.Done())
	}
	// In two pieces, with the limit just large enough.
	d.Reset()
	body, n, err = d.DecodeAppend(nil, in[:15], 11)
	if err != nil || string(body) != "hello w" || n != 15 {
		t.Fatalf("first piece: body %q err %v", body, err)
	}
	rest := in[n:]
	body, n, err = d.DecodeAppend(body, rest, 11)
	if err != nil || string(body) != "hello world" || !d.Done() || string(rest[n:]) != "NEXT" {
		t.Fatalf("second piece: body %q n %d err %v", body, n, err)
	}
	// One byte over the limit.
	d.Reset()
	if _, _, err := d.DecodeAppend(nil, in, 10); err != ErrBodyTooLarge {
		t.Fatalf("limit: err = %v", err)
	}
}

func TestChunkedDecoderDoneAndReset(t *testing.T) {
	d := ChunkedDecoder{Limits: &Limits{MaxChunkExt: 100}}
	in := []byte("0\r\nA: 1\r\n\r\n")
	if _, n, err := d.Decode(in); n != len(in) || err != nil || !d.Done() {
		t.Fatalf("n %d err %v", n, err)
	}
	if string(d.Trailer("a")) != "1" || d.Trailer("b") != nil {
		t.Fatalf("Trailer lookups wrong")
	}
	if data, n, err := d.Decode([]byte("more")); data != nil || n != 0 || err != nil {
		t.Fatal("Decode after Done consumed input")
	}
	d.Reset()
	if d.Done() || d.Limits == nil || d.Trailers() != nil {
		t.Fatal("Reset")
	}
}
