package httpcodec

import (
	"bufio"
	"bytes"
	"net/http"
	"net/textproto"
	"strings"
	"testing"
)

// The fuzz targets never may panic, and check invariants that hold for any
// input: results do not depend on how the input is split, views stay inside
// the head, and a rebased copy reads the same. Seeds are the case tables.

func FuzzParseRequest(f *testing.F) {
	for _, c := range requestCases {
		f.Add([]byte(c.in), uint16(len(c.in)/2))
	}
	f.Fuzz(func(t *testing.T, in []byte, split uint16) {
		var p RequestParser
		var r Request
		n, err := p.Parse(in, &r)
		if n < 0 || n > len(in) || (n > 0 && err != nil) {
			t.Fatalf("n = %d err = %v", n, err)
		}
		// Split feeding gives the same result (or the same error earlier).
		k := int(split) % (len(in) + 1)
		var p2 RequestParser
		var r2 Request
		n2, err2 := p2.Parse(bytes.Clone(in[:k]), &r2)
		if err2 == nil && n2 == 0 {
			n2, err2 = p2.Parse(bytes.Clone(in), &r2)
		}
		if err2 != err || (err == nil && n2 != n && n2 != 0) {
			// A complete head inside the prefix parses the same way.
			if !(err == nil && n2 == n) {
				t.Fatalf("split %d: n=%d err=%v, whole: n=%d err=%v", k, n2, err2, n, err)
			}
		}
		if err != nil || n == 0 {
			return
		}
		if r.HeadLen() != n || !bytes.Equal(r.Raw(), in[:n]) {
			t.Fatal("Raw is not the head")
		}
		if !ValidHeaderName(r.Method()) || len(r.Target()) == 0 {
			t.Fatalf("method %q target %q", r.Method(), r.Target())
		}
		for i := 0; i < r.NumHeaders(); i++ {
			name, value := r.HeaderAt(i)
			if !ValidHeaderName(name) || !ValidHeaderValue(value) {
				t.Fatalf("field %q: %q", name, value)
			}
			if r.Header(string(name)) == nil {
				t.Fatalf("Header(%q) = nil", name)
			}
		}
		if r.Chunked() && r.ContentLength() >= 0 {
			t.Fatal("chunked with a content-length")
		}
		c := r.Clone()
		for i := range in {
			in[i] = 0
		}
		if !bytes.Equal(c.Raw(), r2.Raw()) || !bytes.Equal(c.Path(), r2.Path()) || !bytes.Equal(c.Host(), r2.Host()) {
			t.Fatalf("clone differs: %q vs %q", c.Raw(), r2.Raw())
		}
	})
}

func FuzzChunkedDecoder(f *testing.F) {
	for _, c := range chunkedCases {
		f.Add([]byte(c.in), uint16(len(c.in)/3))
	}
	f.Fuzz(func(t *testing.T, in []byte, split uint16) {
		whole := decodePieces(nil, []string{string(in)})
		k := int(split) % (len(in) + 1)
		two := decodePieces(nil, []string{string(in[:k]), string(in[k:])})
		if whole != two {
			t.Fatalf("whole %+v\nsplit at %d %+v", whole, k, two)
		}
		if len(whole.data)+len(whole.trailers)+len(whole.tail) > len(in) {
			t.Fatal("output longer than input")
		}
	})
}

func FuzzParseResponse(f *testing.F) {
	for _, c := range responseCases {
		f.Add([]byte(c.in), uint16(len(c.in)/2), c.head)
	}
	f.Fuzz(func(t *testing.T, in []byte, split uint16, head bool) {
		var p ResponseParser
		var r Response
		n, err := p.Parse(in, &r, head)
		if n < 0 || n > len(in) || (n > 0 && err != nil) {
			t.Fatalf("n = %d err = %v", n, err)
		}
		k := int(split) % (len(in) + 1)
		var p2 ResponseParser
		var r2 Response
		n2, err2 := p2.Parse(bytes.Clone(in[:k]), &r2, head)
		if err2 == nil && n2 == 0 {
			n2, err2 = p2.Parse(bytes.Clone(in), &r2, head)
		}
		if err2 != err || n2 != n {
			t.Fatalf("split %d: n=%d err=%v, whole: n=%d err=%v", k, n2, err2, n, err)
		}
		if err != nil || n == 0 {
			return
		}
		// The whole input goes through the single pass, a split one before
		// the end of the head through the incremental path: same result.
		if whole, split := responseSummary(&r), responseSummary(&r2); whole != split {
			t.Fatalf("split %d: %s\nwhole: %s", k, split, whole)
		}
		if r.Status() < 100 || r.Status() > 999 || r.Minor() > 1 {
			t.Fatalf("status %d minor %d", r.Status(), r.Minor())
		}
		for i := 0; i < r.NumHeaders(); i++ {
			name, value := r.HeaderAt(i)
			if !ValidHeaderName(name) || !ValidHeaderValue(value) {
				t.Fatalf("field %q: %q", name, value)
			}
		}
		if (r.BodyMode() == BodyClose) && r.KeepAlive() {
			t.Fatal("close-delimited body with keep-alive")
		}
	})
}

// FuzzRequestDifferential compares accept/reject and the parsed fields with
// net/http: http.ReadRequest plus the checks net/http's server adds after it
// (505 for major versions other than 1, Host presence and syntax, field
// name and value syntax, 417 for unknown expectations). Both must agree
// except for the deliberate differences, each listed by deliberate():
//
//   - bare LF line endings: net/http accepts them; RFC 9112 2.2 allows
//     rejecting them and lenient line endings are a smuggling vector.
//   - obs-fold: net/http unfolds continuation lines; we reject (RFC 9112 5.2).
//   - leading empty lines: net/http's server skips up to four CR/LF bytes;
//     we skip one CRLF and reject a second empty line.
//   - Content-Length "5, 5" (a list of equal values): RFC 9110 8.6 allows it;
//     net/http rejects it.
//   - Transfer-Encoding on HTTP/1.0: net/http ignores it; we reject it
//     (RFC 9112 6.1 says the framing is faulty).
//   - Content-Length with Transfer-Encoding: net/http drops Content-Length;
//     we reject the request (request smuggling).
//   - HTTP/1.2 to 1.9: both serve them; net/http reports ProtoMinor 2 to
//     9, we report minor 1 (RFC 9110 2.5: the highest 1.x we support).
//   - request-target: we reject bytes outside VCHAR, '#' and the bytes RFC
//     3986 allows nowhere in a URI ('"', '<', '>', '\\', '^', '`', '{',
//     '|', '}'), "*" for methods other than OPTIONS, CONNECT targets
//     without a port, and absolute-form authorities with userinfo or bad
//     characters.
//   - Host: we also check the port is numeric and brackets are balanced,
//     reject an empty Host, and require Host on HTTP/1.1 CONNECT requests
//     too.
//   - Transfer-Encoding that does not end in chunked: both reject (net/http
//     says unsupported), we answer 400 rather than 501.
//   - singleton fields (Content-Type, Authorization, Range ...) repeated
//     with different values: we reject, net/http keeps the first.
//   - whitespace between a field name and its colon: same outcome (both
//     reject), different reasons.
//   - percent-escapes: we do not decode the target, so a malformed escape
//     ("/%", "/%zz") is the server's to reject when it decodes the path
//     (eddy answers 400); net/http rejects it while parsing.
//   - Expect: we accept exactly "100-continue"; net/http accepts any list
//     containing it.
//   - limits: net/http's ReadRequest has none; we answer 414/431.
func FuzzRequestDifferential(f *testing.F) {
	for _, c := range requestCases {
		if len(c.in) < 4096 {
			f.Add([]byte(c.in))
		}
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var p RequestParser
		var r Request
		n, err := p.Parse(in, &r)
		if err == nil && n == 0 {
			return // incomplete head: net/http would block or fail on EOF
		}
		req, theirN, theirErr := netHTTPServerParse(in)
		ours := err == nil
		theirs := theirErr == nil
		if ours != theirs {
			if why := deliberate(in, err, req); why != "" {
				return
			}
			t.Fatalf("ours: n=%d err=%v; net/http: err=%v\ninput %q", n, err, theirErr, in)
		}
		if !ours {
			return
		}
		if n != theirN {
			t.Fatalf("head length %d, net/http %d\ninput %q", n, theirN, in)
		}
		check := func(what, got, want string) {
			if got != want {
				t.Fatalf("%s = %q, net/http %q\ninput %q", what, got, want, in)
			}
		}
		check("method", string(r.Method()), req.Method)
		check("target", string(r.Target()), req.RequestURI)
		if theirMinor := min(req.ProtoMinor, 1); r.Minor() != theirMinor {
			t.Fatalf("minor %d, net/http %d", r.Minor(), req.ProtoMinor)
		}
		if r.Form() == OriginForm {
			check("raw query", string(r.RawQuery()), req.URL.RawQuery)
		}
		if h := r.Host(); h != nil && (r.Form() == OriginForm || r.Form() == AsteriskForm) {
			check("host", string(h), req.Host)
		}
		cl := r.ContentLength()
		if cl < 0 {
			cl = 0
		}
		if r.Chunked() {
			cl = -1
		}
		if cl != req.ContentLength {
			t.Fatalf("content-length %d (chunked %v), net/http %d\ninput %q", r.ContentLength(), r.Chunked(), req.ContentLength, in)
		}
		if r.KeepAlive() == req.Close {
			t.Fatalf("keep-alive %v, net/http close %v\ninput %q", r.KeepAlive(), req.Close, in)
		}
		seen := map[string]int{}
		for i := 0; i < r.NumHeaders(); i++ {
			name, value := r.HeaderAt(i)
			key := textproto.CanonicalMIMEHeaderKey(string(name))
			if key == "Host" || key == "Transfer-Encoding" || key == "Content-Length" {
				continue // ReadRequest moves or merges these; compared above
			}
			vs := req.Header[key]
			j := seen[key]
			seen[key]++
			if j >= len(vs) {
				t.Fatalf("field %q missing in net/http\ninput %q", name, in)
			}
			check("field "+key, string(value), vs[j])
		}
	})
}

// netHTTPServerParse parses in the way net/http's server does: ReadRequest
// and the checks conn.readRequest and serve add. It returns the head length.
func netHTTPServerParse(in []byte) (*http.Request, int, error) {
	skip := 0
	if bytes.HasPrefix(in, []byte("\r\n")) {
		skip = 2
	}
	br := bufio.NewReaderSize(bytes.NewReader(in[skip:]), len(in)+16)
	req, err := http.ReadRequest(br)
	if err != nil {
		return nil, 0, err
	}
	n := len(in) - br.Buffered()
	if req.ProtoMajor != 1 {
		return req, n, errNetHTTP("505")
	}
	// ReadRequest deletes Host from Header; the server reads it before
	// that, so read the fields again with the same textproto reader.
	tp := textproto.NewReader(bufio.NewReader(bytes.NewReader(in[skip:])))
	if _, err := tp.ReadLine(); err != nil {
		return nil, 0, err
	}
	mh, err := tp.ReadMIMEHeader()
	if err != nil {
		return nil, 0, err
	}
	hosts, haveHost := mh["Host"]
	if req.ProtoAtLeast(1, 1) && (!haveHost || len(hosts) == 0) && req.Method != "CONNECT" {
		return req, n, errNetHTTP("missing host")
	}
	if len(hosts) > 1 {
		return req, n, errNetHTTP("too many hosts")
	}
	if len(hosts) == 1 {
		for _, c := range []byte(hosts[0]) {
			if !hostTable[c] && c != ':' && c != '[' && c != ']' {
				return req, n, errNetHTTP("malformed host")
			}
		}
	}
	for k, vv := range req.Header {
		if !ValidHeaderName([]byte(k)) {
			return req, n, errNetHTTP("invalid header name")
		}
		for _, v := range vv {
			for _, c := range []byte(v) {
				if c < ' ' && c != '\t' || c == 0x7f {
					return req, n, errNetHTTP("invalid header value")
				}
			}
		}
	}
	if e := req.Header.Get("Expect"); e != "" && !strings.Contains(strings.ToLower(e), "100-continue") {
		return req, n, errNetHTTP("417")
	}
	return req, n, nil
}

type errNetHTTP string

func (e errNetHTTP) Error() string { return "net/http: " + string(e) }

// deliberate names the deliberate difference that explains a disagreement,
// or returns "" when there is none (a bug in one of the parsers).
func deliberate(in []byte, ours error, req *http.Request) string {
	head := in
	if i := bytes.Index(in, []byte("\r\n\r\n")); i >= 0 {
		head = in[:i+4]
	}
	switch ours {
	case nil:
		// We accept what net/http rejects.
		if bytes.HasPrefix(in, []byte("\r\n")) {
			return "one leading CRLF"
		}
		if req != nil && req.ProtoMajor != 1 {
			return ""
		}
		if bytes.Contains(bytes.ToLower(head), []byte("content-length:")) && bytes.Contains(head, []byte(",")) {
			return "content-length list of equal values"
		}
		if malformedEscape(head) {
			return "malformed percent-escape, left to the server"
		}
		return ""
	case ErrBareLF:
		return "bare LF"
	case ErrObsFold:
		return "obs-fold"
	case ErrLeadingEmptyLine:
		return "leading empty lines"
	case ErrBadTransferEncoding:
		if req != nil && req.ProtoMinor == 0 {
			return "transfer-encoding on HTTP/1.0"
		}
	case ErrContentLengthWithTE:
		return "content-length with transfer-encoding"
	case ErrBadTarget, ErrBadRequestLine:
		return "request-target grammar"
	case ErrBadHost, ErrMissingHost, ErrEmptyHost:
		return "host grammar"
	case ErrConflictingField:
		return "singleton field repeated with different values"
	case ErrExpectation:
		return "expect list"
	case ErrRequestLineTooLong, ErrHeaderTooLarge, ErrTooManyHeaders:
		return "limits"
	}
	return ""
}

// malformedEscape reports whether the request-target on the first line of
// head has a '%' not followed by two hex digits.
func malformedEscape(head []byte) bool {
	line, _, _ := bytes.Cut(head, []byte("\r\n"))
	parts := bytes.Split(line, []byte(" "))
	if len(parts) != 3 {
		return false
	}
	t := parts[1]
	for i := 0; i < len(t); i++ {
		if t[i] == '%' && (i+2 >= len(t) || !isHexDigit(t[i+1]) || !isHexDigit(t[i+2])) {
			return true
		}
	}
	return false
}

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
