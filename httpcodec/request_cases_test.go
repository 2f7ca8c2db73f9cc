package httpcodec

import "strings"

// browserRequest is a typical browser request head (about 330 bytes): the
// benchmark and allocation tests use it.
const browserRequest = "GET /search?q=eddy&lang=en HTTP/1.1\r\n" +
	"Host: www.example.com\r\n" +
	"User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n" +
	"Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n" +
	"Accept-Language: en-US,en;q=0.5\r\n" +
	"Accept-Encoding: gzip, deflate, br\r\n" +
	"Connection: keep-alive\r\n" +
	"Cookie: session=abc123; theme=dark\r\n" +
	"\r\n"

// wantRequest is what a valid case must parse to. Header fields are checked
// only when headers is not nil.
type wantRequest struct {
	method, target, path string
	query                string // checked only when hasQuery
	hasQuery             bool
	form                 TargetForm
	minor                int
	host                 string // "" with noHost: nil
	noHost               bool
	headers              [][2]string
	contentLength        int64
	chunked              bool
	keepAlive            bool
	upgrade              string
	expect               bool
	headLen              int // 0: len(in)
}

// requestCase is one row of the request table, which feeds the unit test,
// the split-feeding test, the fuzz seeds and the differential fuzz seeds.
type requestCase struct {
	name   string
	in     string
	limits *Limits
	err    *Error // nil: valid, see want
	want   wantRequest
}

func get(extra string) string {
	return "GET / HTTP/1.1\r\nHost: a\r\n" + extra + "\r\n"
}

var requestCases = []requestCase{
	{name: "simple", in: "GET / HTTP/1.1\r\nHost: a\r\n\r\n", want: wantRequest{
		method: "GET", target: "/", path: "/", minor: 1, host: "a", keepAlive: true, contentLength: -1,
		headers: [][2]string{{"Host", "a"}}}},
	{name: "browser", in: browserRequest, want: wantRequest{
		method: "GET", target: "/search?q=eddy&lang=en", path: "/search", query: "q=eddy&lang=en", hasQuery: true,
		minor: 1, host: "www.example.com", keepAlive: true, contentLength: -1,
		headers: [][2]string{
			{"Host", "www.example.com"},
			{"User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"},
			{"Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"},
			{"Accept-Language", "en-US,en;q=0.5"},
			{"Accept-Encoding", "gzip, deflate, br"},
			{"Connection", "keep-alive"},
			{"Cookie", "session=abc123; theme=dark"},
		}}},
	{name: "empty query", in: "GET /p? HTTP/1.1\r\nHost: a\r\n\r\n", want: wantRequest{
		method: "GET", target: "/p?", path: "/p", hasQuery: true, minor: 1, host: "a", keepAlive: true, contentLength: -1}},
	{name: "query with slash and colon", in: "GET /a/b?c=/d:e HTTP/1.1\r\nHost: a\r\n\r\n", want: wantRequest{
		method: "GET", target: "/a/b?c=/d:e", path: "/a/b", query: "c=/d:e", hasQuery: true, minor: 1, host: "a", keepAlive: true, contentLength: -1}},
	{name: "http10 no host", in: "GET /x HTTP/1.0\r\n\r\n", want: wantRequest{
		method: "GET", target: "/x", path: "/x", minor: 0, noHost: true, contentLength: -1, headers: [][2]string{}}},
	{name: "http10 keep-alive", in: "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", want: wantRequest{
		method: "GET", target: "/", path: "/", minor: 0, noHost: true, keepAlive: true, contentLength: -1}},
	{name: "http10 keep-alive and close", in: "GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n", want: wantRequest{
		method: "GET", target: "/", path: "/", minor: 0, noHost: true, contentLength: -1}},
	{name: "connection close", in: get("Connection: close\r\n"), want: wantRequest{
		method: "GET", target: "/", path: "/", minor: 1, host: "a", contentLength: -1}},
	{name: "connection list close", in: get("Connection: TE,  Close \r\n"), want: wantRequest{
		method: "GET", target: "/", path: "/", minor: 1, host: "a", contentLength: -1}},
	{name: "connection repeated close", in: get("Connection: te\r\nConnection: close\r\n"), want: wantRequest{
		method: "GET", target: "/", path: "/", minor: 1, host: "a", contentLength: -1}},
	{name: "post content-length with body", in: "POST /f HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello", want: wantRequest{
		method: "POST", target: "/f", path: "/f", minor: 1, host: "a", keepAlive: true, contentLength: 5,
		headLen: len("POST /f HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n")}},
	{name: "content-length zero", in: get("Content-Length: 0\r\n"), want: wantRequest{
		method: "GET", target: "/", path: "/", minor: 1, host: "a", keepAlive: true}},
	{name: "content-length duplicate same", in: get("Content-Length: 5\r\nContent-Length: 5\r\n"), want: wantRequest{
		method: "GET", target: "/", path: "/", minor: 1, host: "a", keepAlive: true, contentLength: 5}},
	{name: "content-length list same", in: get("Content-Length: 5, 5\r\n"), want: wantRequest{
		method: "GET", target: "/", path: "/", minor: 1, host: "a", keepAlive: true, contentLength: 5}},
	{name: "content-length leading zeros", in: get("Content-Length: 007\r\n"), want: wantRequest{
		method: "GET", target: "/", path: "/", minor: 1, host: "a", keepAlive: true, contentLength: 7}},
	{name: "content-length max", in: get("Content-Length: 9223372036854775807\r\n"), want: wantRequest{
		method: "GET", target: "/", path: "/", minor: 1, host: "a", keepAlive: true, contentLength: 9223372036854775807}},
	{name: "chunked", in: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", want: wantRequest{
		method: "POST", target: "/", path: "/", minor: 1, host: "a", keepAlive: true, contentLength: -1, chunked: true,
		headLen: len("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n")}},
	{name: "chunked mixed case", in: get("transfer-encoding:  Chunked \r\n"), want: wantRequest{
		method: "GET", target: "/", path: "/", minor: 1, host: "a", keepAlive: true, contentLength: -1, chunked: true}},
	{name: "absolute form", in: "GET http://example.com:8080/a/b?c=d HTTP/1.1\r\nHost: example.com:8080\r\n\r\n", want: wantRequest{
		method: "GET", target: "http://example.com:8080/a/b?c=d", path: "/a/b", query: "c=d", hasQuery: true, form: AbsoluteForm,
		minor: 1, host: "example.com:8080", keepAlive: true, contentLength: -1}},
	{name: "absolute form no path", in: "GET https://example.com HTTP/1.1\r\nHost: example.com\r\n\r\n", want: wantRequest{
		method: "GET", target: "https://example.com", path: "/", form: AbsoluteForm,
		minor: 1, host: "example.com", keepAlive: true, contentLength: -1}},
	{name: "absolute form query only", in: "GET http://h?x HTTP/1.1\r\nHost: h\r\n\r\n", want: wantRequest{
		method: "GET", target: "http://h?x", path: "/", query: "x", hasQuery: true, form: AbsoluteForm,
		minor: 1, host: "h", keepAlive: true, contentLength: -1}},
	{name: "connect", in: "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", want: wantRequest{
		method: "CONNECT", target: "example.com:443", path: "example.com:443", form: AuthorityForm,
		minor: 1, host: "example.com:443", keepAlive: true, contentLength: -1}},
	{name: "connect ipv6", in: "CONNECT [::1]:443 HTTP/1.1\r\nHost: [::1]:443\r\n\r\n", want: wantRequest{
		method: "CONNECT", target: "[::1]:443", path: "[::1]:443", form: AuthorityForm,
		minor: 1, host: "[::1]:443", keepAlive: true, contentLength: -1}},
	{name: "target every allowed byte", in: "GET /azAZ09-._~!$&'()*+,;=:@%25/[x]?/?[]=1 HTTP/1.1\r\nHost: a\r\n\r\n", want: wantRequest{
		method: "GET", target: "/azAZ09-._~!$&'()*+,;=:@%25/[x]?/?[]=1", path: "/azAZ09-._~!$&'()*+,;=:@%25/[x]", query: "/?[]=1", hasQuery: true,
		minor: 1, host: "a", keepAlive: true, contentLength: -1}},
	{name: "options asterisk", in: "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", want: wantRequest{
		method: "OPTIONS", target: "*", path: "*", form: AsteriskForm, minor: 1, host: "a", keepAlive: true, contentLength: -1}},
	{name: "websocket upgrade", in: get("Connection: keep-alive, Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"), want: wantRequest{
		method: "GET", target: "/", path: "/", minor: 1, host: "a", keepAlive: true, contentLength: -1, upgrade: "websocket"}},
	{name: "upgrade without connection option", in: get("Upgrade: h2c\r\n"), want: wantRequest{
		method: "GET", target: "/", path: "/", minor: 1, host: "a", keepAlive: true, contentLength: -1}},
	{name: "expect continue", in: "PUT /u HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\nContent-Length: 3\r\n\r\n", want: wantRequest{
		method: "PUT", target: "/u", path: "/u", minor: 1, host: "a", keepAlive: true, contentLength: 3, expect: true}},
	{name: "expect continue http10 ignored", in: "PUT /u HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n", want: wantRequest{
		method: "PUT", target: "/u", path: "/u", minor: 0, noHost: true, contentLength: 3}},
	{name: "leading crlf skipped", in: "\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", want: wantRequest{
		method: "GET", target: "/", path: "/", minor: 1, host: "a", keepAlive: true, contentLength: -1}},
	{name: "value whitespace", in: get("X-A:\t  spaced  value \t\r\nX-Empty:\r\nX-Blank:   \r\n"), want: wantRequest{
		method: "GET", target: "/", path: "/", minor: 1, host: "a", keepAlive: true, contentLength: -1,
		headers: [][2]string{{"Host", "a"}, {"X-A", "spaced  value"}, {"X-Empty", ""}, {"X-Blank", ""}}}},
	{name: "value tab inside", in: get("X-T: a\tb\tc\td\te\tf\tg\th\ti\r\n"), want: wantRequest{
		method: "GET", target: "/", path: "/", minor: 1, host: "a", keepAlive: true, contentLength: -1,
		headers: [][2]string{{"Host", "a"}, {"X-T", "a\tb\tc\td\te\tf\tg\th\ti"}}}},
	{name: "obs-text value", in: get("X-U: caf\xc3\xa9 \xff\x80\r\n"), want: wantRequest{
		method: "GET", target: "/", path: "/", minor: 1, host: "a", keepAlive: true, contentLength: -1,
		headers: [][2]string{{"Host", "a"}, {"X-U", "caf\xc3\xa9 \xff\x80"}}}},
	{name: "repeated fields kept", in: get("Set: 1\r\nOther: x\r\nset: 2\r\nSET: 3\r\n"), want: wantRequest{
		method: "GET", target: "/", path: "/", minor: 1, host: "a", keepAlive: true, contentLength: -1,
		headers: [][2]string{{"Host", "a"}, {"Set", "1"}, {"Other", "x"}, {"set", "2"}, {"SET", "3"}}}},
	{name: "token chars in name", in: get("!#$%&'*+-.^_`|~09azAZ: v\r\n"), want: wantRequest{
		method: "GET", target: "/", path: "/", minor: 1, host: "a", keepAlive: true, contentLength: -1,
		headers: [][2]string{{"Host", "a"}, {"!#$%&'*+-.^_`|~09azAZ", "v"}}}},
	{name: "ipv6 host", in: "GET / HTTP/1.1\r\nHost: [2001:db8::1]:8080\r\n\r\n", want: wantRequest{
		method: "GET", target: "/", path: "/", minor: 1, host: "[2001:db8::1]:8080", keepAlive: true, contentLength: -1}},
	{name: "extension method", in: "PURGE /c HTTP/1.1\r\nHost: a\r\n\r\n", want: wantRequest{
		method: "PURGE", target: "/c", path: "/c", minor: 1, host: "a", keepAlive: true, contentLength: -1}},
	{name: "pipelined keeps tail", in: "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n", want: wantRequest{
		method: "GET", target: "/1", path: "/1", minor: 1, host: "a", keepAlive: true, contentLength: -1,
		headLen: len("GET /1 HTTP/1.1\r\nHost: a\r\n\r\n")}},
	{name: "max headers exactly", in: get(strings.Repeat("X: y\r\n", DefaultMaxHeaders-1)), want: wantRequest{
		method: "GET", target: "/", path: "/", minor: 1, host: "a", keepAlive: true, contentLength: -1}},
	{name: "raised max headers", in: get(strings.Repeat("X: y\r\n", 150)), limits: &Limits{MaxHeaders: 200}, want: wantRequest{
		method: "GET", target: "/", path: "/", minor: 1, host: "a", keepAlive: true, contentLength: -1}},

	// Request line.
	{name: "bare lf", in: "GET / HTTP/1.1\nHost: a\n\n", err: ErrBareLF},
	{name: "bare lf in headers", in: "GET / HTTP/1.1\r\nHost: a\n\r\n", err: ErrBareLF},
	{name: "bare lf end", in: "GET / HTTP/1.1\r\nHost: a\r\n\n", err: ErrBareLF},
	{name: "lf first", in: "\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", err: ErrBareLF},
	{name: "two leading crlf", in: "\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", err: ErrLeadingEmptyLine},
	{name: "bad method char", in: "G@T / HTTP/1.1\r\nHost: a\r\n\r\n", err: ErrBadMethod},
	{name: "method with nul", in: "GE\x00T / HTTP/1.1\r\nHost: a\r\n\r\n", err: ErrBadMethod},
	{name: "leading space", in: " GET / HTTP/1.1\r\nHost: a\r\n\r\n", err: ErrBadRequestLine},
	{name: "double space", in: "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", err: ErrBadRequestLine},
	{name: "tab separator", in: "GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n", err: ErrBadMethod},
	{name: "trailing space", in: "GET / HTTP/1.1 \r\nHost: a\r\n\r\n", err: ErrBadVersion},
	{name: "http09", in: "GET /\r\n\r\n", err: ErrBadRequestLine},
	{name: "target control", in: "GET /\x01 HTTP/1.1\r\nHost: a\r\n\r\n", err: ErrBadTarget},
	{name: "target fragment", in: "GET /a#f HTTP/1.1\r\nHost: a\r\n\r\n", err: ErrBadTarget},
	{name: "target backslash", in: "GET /a\\..\\b HTTP/1.1\r\nHost: a\r\n\r\n", err: ErrBadTarget},
	{name: "target backslash in query", in: "GET /a?b\\c HTTP/1.1\r\nHost: a\r\n\r\n", err: ErrBadTarget},
	{name: "target quote", in: "GET /\"x\" HTTP/1.1\r\nHost: a\r\n\r\n", err: ErrBadTarget},
	{name: "target angle brackets", in: "GET /<script> HTTP/1.1\r\nHost: a\r\n\r\n", err: ErrBadTarget},
	{name: "target closing angle bracket late", in: "GET /abcdefghijklmn> HTTP/1.1\r\nHost: a\r\n\r\n", err: ErrBadTarget},
	{name: "target caret", in: "GET /a^b HTTP/1.1\r\nHost: a\r\n\r\n", err: ErrBadTarget},
	{name: "target backtick", in: "GET /a`b HTTP/1.1\r\nHost: a\r\n\r\n", err: ErrBadTarget},
	{name: "target braces", in: "GET /a?q={x} HTTP/1.1\r\nHost: a\r\n\r\n", err: ErrBadTarget},
	{name: "target pipe", in: "GET /abcdefgh?a|b HTTP/1.1\r\nHost: a\r\n\r\n", err: ErrBadTarget},
	{name: "target del", in: "GET /a\x7f HTTP/1.1\r\nHost: a\r\n\r\n", err: ErrBadTarget},
	{name: "target non-ascii", in: "GET /caf\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n", err: ErrBadTarget},
	{name: "target bare cr", in: "GET /\r HTTP/1.1\r\nHost: a\r\n\r\n", err: ErrBadRequestLine},
	{name: "target relative", in: "GET foo HTTP/1.1\r\nHost: a\r\n\r\n", err: ErrBadTarget},
	{name: "asterisk not options", in: "GET * HTTP/1.1\r\nHost: a\r\n\r\n", err: ErrBadTarget},
	{name: "connect origin form", in: "CONNECT /x HTTP/1.1\r\nHost: a\r\n\r\n", err: ErrBadTarget},
	{name: "connect without port", in: "CONNECT example.com HTTP/1.1\r\nHost: a\r\n\r\n", err: ErrBadTarget},
	{name: "connect empty ip literal", in: "CONNECT []:0 HTTP/1.0\r\n\r\n", err: ErrBadTarget},
	{name: "connect ip literal not ipv6", in: "CONNECT [0]:0 HTTP/1.0\r\n\r\n", err: ErrBadTarget},
	{name: "absolute form bad scheme", in: "GET 1http://a/ HTTP/1.1\r\nHost: a\r\n\r\n", err: ErrBadTarget},
	{name: "absolute form no authority", in: "GET http:///x HTTP/1.1\r\nHost: a\r\n\r\n", err: ErrBadTarget},
	{name: "absolute form userinfo", in: "GET http://u@h/ HTTP/1.1\r\nHost: h\r\n\r\n", err: ErrBadTarget},
	{name: "version 2", in: "GET / HTTP/2.0\r\nHost: a\r\n\r\n", err: ErrVersionNotSupported},
	{name: "version 1.2 read as 1.1", in: "GET / HTTP/1.2\r\nHost: a\r\n\r\n", want: wantRequest{
		method: "GET", target: "/", path: "/", minor: 1, host: "a", keepAlive: true, contentLength: -1}},
	{name: "version 1.9 read as 1.1", in: "POST /v HTTP/1.9\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", want: wantRequest{
		method: "POST", target: "/v", path: "/v", minor: 1, host: "a", keepAlive: true, contentLength: -1, chunked: true}},
	{name: "version 1.9 needs host", in: "GET / HTTP/1.9\r\n\r\n", err: ErrMissingHost},
	{name: "version 0.9", in: "GET / HTTP/0.9\r\nHost: a\r\n\r\n", err: ErrVersionNotSupported},
	{name: "version 3", in: "GET / HTTP/3.0\r\nHost: a\r\n\r\n", err: ErrVersionNotSupported},
	{name: "version short", in: "GET / HTTP/1\r\nHost: a\r\n\r\n", err: ErrBadVersion},
	{name: "version lower case", in: "GET / http/1.1\r\nHost: a\r\n\r\n", err: ErrBadVersion},
	{name: "version two digits", in: "GET / HTTP/1.10\r\nHost: a\r\n\r\n", err: ErrBadVersion},
	{name: "request line limit", in: "GET /aaaaaaaa HTTP/1.1\r\nHost: a\r\n\r\n", limits: &Limits{MaxRequestLine: 20}, err: ErrRequestLineTooLong},
	{name: "request line at limit", in: "GET /aaaaaaa HTTP/1.1\r\nHost: a\r\n\r\n", limits: &Limits{MaxRequestLine: 23}, want: wantRequest{
		method: "GET", target: "/aaaaaaa", path: "/aaaaaaa", minor: 1, host: "a", keepAlive: true, contentLength: -1}},

	// Field lines.
	{name: "space before colon", in: get("X-A : b\r\n"), err: ErrSpaceBeforeColon},
	{name: "tab before colon", in: get("Host\t: b\r\n"), err: ErrSpaceBeforeColon},
	{name: "space in name", in: get("X A: b\r\n"), err: ErrBadHeaderName},
	{name: "empty name", in: get(": b\r\n"), err: ErrBadHeaderName},
	{name: "no colon", in: get("X-A\r\n"), err: ErrBadHeaderName},
	{name: "bad name char", in: get("X(A): b\r\n"), err: ErrBadHeaderName},
	{name: "non-ascii name", in: get("X\xc3\xa9: b\r\n"), err: ErrBadHeaderName},
	{name: "obs-fold", in: get("X-A: b\r\n c\r\n"), err: ErrObsFold},
	{name: "obs-fold tab", in: get("X-A: b\r\n\tc\r\n"), err: ErrObsFold},
	{name: "first field folded", in: "GET / HTTP/1.1\r\n Host: a\r\n\r\n", err: ErrObsFold},
	{name: "bare cr in value", in: get("X-A: b\rc\r\n"), err: ErrBareCR},
	{name: "bare cr end of value", in: get("X-A: b\r\r\n"), err: ErrBareCR},
	{name: "bare cr line", in: "GET / HTTP/1.1\r\nHost: a\r\n\r\r\n\r\n", err: ErrBadHeaderName},
	{name: "nul in value", in: get("X-A: b\x00c\r\n"), err: ErrBadHeaderValue},
	{name: "control in value", in: get("X-A: abcdefghijklmnop\x01\r\n"), err: ErrBadHeaderValue},
	{name: "del in value", in: get("X-A: abcdefgh\x7f\r\n"), err: ErrBadHeaderValue},
	{name: "escape in value", in: get("X-A: \x1b[31m\r\n"), err: ErrBadHeaderValue},
	{name: "too many headers", in: get(strings.Repeat("X: y\r\n", DefaultMaxHeaders)), err: ErrTooManyHeaders},
	{name: "too many headers limit", in: get("A: 1\r\nB: 2\r\n"), limits: &Limits{MaxHeaders: 2}, err: ErrTooManyHeaders},
	{name: "header too large limit", in: get("X: 0123456789\r\n"), limits: &Limits{MaxHeaderBytes: 40}, err: ErrHeaderTooLarge},
	{name: "header at limit", in: get("X: 012345678\r\n"), limits: &Limits{MaxHeaderBytes: len(get("X: 012345678\r\n"))}, want: wantRequest{
		method: "GET", target: "/", path: "/", minor: 1, host: "a", keepAlive: true, contentLength: -1}},

	// Host.
	{name: "missing host", in: "GET / HTTP/1.1\r\n\r\n", err: ErrMissingHost},
	{name: "duplicate host", in: get("Host: b\r\n"), err: ErrDuplicateHost},
	{name: "duplicate host same", in: get("host: a\r\n"), err: ErrDuplicateHost},
	{name: "empty host", in: "GET / HTTP/1.1\r\nHost:\r\n\r\n", err: ErrEmptyHost},
	{name: "blank host", in: "GET / HTTP/1.1\r\nHost:   \r\n\r\n", err: ErrEmptyHost},
	{name: "empty host http10", in: "GET / HTTP/1.0\r\nHost:\r\n\r\n", err: ErrEmptyHost},
	{name: "empty host then host", in: "GET / HTTP/1.1\r\nHost:\r\nHost: a\r\n\r\n", err: ErrEmptyHost},
	{name: "host then empty host", in: get("Host:\r\n"), err: ErrDuplicateHost},
	{name: "duplicate host http10", in: "GET / HTTP/1.0\r\nHost: a\r\nHost: a\r\n\r\n", err: ErrDuplicateHost},
	{name: "host with space", in: "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", err: ErrBadHost},
	{name: "host with userinfo", in: "GET / HTTP/1.1\r\nHost: u@a\r\n\r\n", err: ErrBadHost},
	{name: "host bad port", in: "GET / HTTP/1.1\r\nHost: a:8x\r\n\r\n", err: ErrBadHost},
	{name: "host slash", in: "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", err: ErrBadHost},
	{name: "host unbalanced bracket", in: "GET / HTTP/1.1\r\nHost: [::1\r\n\r\n", err: ErrBadHost},
	{name: "host empty ip literal", in: "GET / HTTP/1.1\r\nHost: []:80\r\n\r\n", err: ErrBadHost},
	{name: "host ipv4 in brackets", in: "GET / HTTP/1.1\r\nHost: [127.0.0.1]\r\n\r\n", err: ErrBadHost},
	{name: "host bad ipv6", in: "GET / HTTP/1.1\r\nHost: [1::2::3]:80\r\n\r\n", err: ErrBadHost},

	// Content-Length and Transfer-Encoding.
	{name: "content-length plus", in: get("Content-Length: +5\r\n"), err: ErrBadContentLength},
	{name: "content-length minus", in: get("Content-Length: -5\r\n"), err: ErrBadContentLength},
	{name: "content-length inner space", in: get("Content-Length: 1 2\r\n"), err: ErrBadContentLength},
	{name: "content-length hex", in: get("Content-Length: 0x5\r\n"), err: ErrBadContentLength},
	{name: "content-length empty", in: get("Content-Length: \r\n"), err: ErrBadContentLength},
	{name: "content-length overflow", in: get("Content-Length: 9223372036854775808\r\n"), err: ErrBadContentLength},
	{name: "content-length huge", in: get("Content-Length: 99999999999999999999999\r\n"), err: ErrBadContentLength},
	{name: "content-length list differs", in: get("Content-Length: 5, 6\r\n"), err: ErrConflictingContentLength},
	{name: "content-length list empty element", in: get("Content-Length: 5,\r\n"), err: ErrBadContentLength},
	{name: "content-length duplicate differs", in: get("Content-Length: 5\r\nContent-Length: 6\r\n"), err: ErrConflictingContentLength},
	{name: "content-length with chunked", in: get("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n"), err: ErrContentLengthWithTE},
	{name: "chunked with content-length", in: get("Transfer-Encoding: chunked\r\nContent-Length: 5\r\n"), err: ErrContentLengthWithTE},
	{name: "te gzip", in: get("Transfer-Encoding: gzip\r\n"), err: ErrTENotChunked},
	{name: "te gzip chunked", in: get("Transfer-Encoding: gzip, chunked\r\n"), err: ErrUnsupportedTE},
	{name: "te gzip then chunked fields", in: get("Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n"), err: ErrUnsupportedTE},
	{name: "te chunked gzip", in: get("Transfer-Encoding: chunked, gzip\r\n"), err: ErrTENotChunked},
	{name: "te chunked then gzip fields", in: get("Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n"), err: ErrTENotChunked},
	{name: "te identity", in: get("Transfer-Encoding: identity\r\n"), err: ErrTENotChunked},
	{name: "te chunked params", in: get("Transfer-Encoding: chunked;q=1\r\n"), err: ErrTENotChunked},
	{name: "te chunked gzip chunked", in: get("Transfer-Encoding: chunked, gzip, chunked\r\n"), err: ErrBadTransferEncoding},
	{name: "te chunked twice", in: get("Transfer-Encoding: chunked, chunked\r\n"), err: ErrBadTransferEncoding},
	{name: "te chunked two fields", in: get("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n"), err: ErrBadTransferEncoding},
	{name: "te empty", in: get("Transfer-Encoding: \r\n"), err: ErrBadTransferEncoding},
	{name: "te trailing comma", in: get("Transfer-Encoding: chunked,\r\n"), err: ErrBadTransferEncoding},
	{name: "te http10", in: "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", err: ErrBadTransferEncoding},
	{name: "te chunked with vertical tab", in: get("Transfer-Encoding: \x0bchunked\r\n"), err: ErrBadHeaderValue},
	{name: "te gzip with content-length", in: get("Transfer-Encoding: gzip\r\nContent-Length: 5\r\n"), err: ErrTENotChunked},
	{name: "expect other", in: get("Expect: 200-ok\r\n"), err: ErrExpectation},

	// Singleton fields.
	{name: "content-type differs", in: get("Content-Type: text/plain\r\nContent-Type: application/json\r\n"), err: ErrConflictingField},
	{name: "content-type differs in case", in: get("Content-Type: text/plain\r\ncontent-type: Text/Plain\r\n"), err: ErrConflictingField},
	{name: "authorization differs", in: get("Authorization: Basic YTpi\r\nX: 1\r\nAUTHORIZATION: Basic Yzpk\r\n"), err: ErrConflictingField},
	{name: "proxy-authorization differs", in: get("Proxy-Authorization: a\r\nProxy-Authorization: b\r\n"), err: ErrConflictingField},
	{name: "range differs", in: get("Range: bytes=0-1\r\nRange: bytes=2-3\r\n"), err: ErrConflictingField},
	{name: "if-range differs", in: get("If-Range: \"a\"\r\nIf-Range: \"b\"\r\n"), err: ErrConflictingField},
	{name: "if-modified-since differs", in: get("If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\nIf-Modified-Since: x\r\n"), err: ErrConflictingField},
	{name: "if-unmodified-since differs", in: get("If-Unmodified-Since: a\r\nIf-Unmodified-Since: b\r\n"), err: ErrConflictingField},
	{name: "max-forwards differs", in: get("Max-Forwards: 1\r\nMax-Forwards: 2\r\n"), err: ErrConflictingField},
	{name: "content-type empty then set", in: get("Content-Type:\r\nContent-Type: a/b\r\n"), err: ErrConflictingField},
	{name: "singletons repeated identically", in: get("Content-Type: a/b\r\nContent-Type:  a/b \r\nRange: bytes=1-\r\nrange: bytes=1-\r\n"), want: wantRequest{
		method: "GET", target: "/", path: "/", minor: 1, host: "a", keepAlive: true, contentLength: -1,
		headers: [][2]string{{"Host", "a"}, {"Content-Type", "a/b"}, {"Content-Type", "a/b"}, {"Range", "bytes=1-"}, {"range", "bytes=1-"}}}},
	{name: "list fields repeated", in: get("Accept: a\r\nAccept: b\r\nX-Range: 1\r\nX-Range: 2\r\nContent-Typf: 1\r\nContent-Typf: 2\r\nAuthorizatioN_: 1\r\nAuthorizatioN_: 2\r\n"), want: wantRequest{
		method: "GET", target: "/", path: "/", minor: 1, host: "a", keepAlive: true, contentLength: -1}},
	{name: "singletons once each", in: get("Content-Type: a\r\nAuthorization: b\r\nProxy-Authorization: c\r\nRange: d\r\nIf-Range: e\r\nIf-Modified-Since: f\r\nIf-Unmodified-Since: g\r\nMax-Forwards: 1\r\n"), want: wantRequest{
		method: "GET", target: "/", path: "/", minor: 1, host: "a", keepAlive: true, contentLength: -1}},

	// Underscores in field names.
	{name: "underscore kept apart", in: get("X_Forwarded_For: 6.6.6.6\r\nX-Forwarded-For: 1.2.3.4\r\n"), want: wantRequest{
		method: "GET", target: "/", path: "/", minor: 1, host: "a", keepAlive: true, contentLength: -1,
		headers: [][2]string{{"Host", "a"}, {"X_Forwarded_For", "6.6.6.6"}, {"X-Forwarded-For", "1.2.3.4"}}}},
	{name: "underscore dropped", in: get("X_Forwarded_For: 6.6.6.6\r\nX-Forwarded-For: 1.2.3.4\r\n_: x\r\n"), limits: &Limits{DropUnderscoreHeaders: true}, want: wantRequest{
		method: "GET", target: "/", path: "/", minor: 1, host: "a", keepAlive: true, contentLength: -1,
		headers: [][2]string{{"Host", "a"}, {"X-Forwarded-For", "1.2.3.4"}}}},
	{name: "underscore dropped still counted", in: get("A_: 1\r\nB_: 2\r\n"), limits: &Limits{MaxHeaders: 2, DropUnderscoreHeaders: true}, err: ErrTooManyHeaders},
	{name: "underscore content_length not framing", in: get("Content_Length: 5\r\nTransfer_Encoding: gzip\r\nHOST_: x\r\n"), want: wantRequest{
		method: "GET", target: "/", path: "/", minor: 1, host: "a", keepAlive: true, contentLength: -1}},

	// The fast path's boundaries (parse_fast.go): heads it takes, heads
	// whose bytes make it leave to the general pass at a word's end or
	// inside one, and errors that only the general pass reports.
	{name: "fast plaintext", in: plaintextRequest, want: wantRequest{
		method: "GET", target: "/plaintext", path: "/plaintext", minor: 1, host: "127.0.0.1:8080", keepAlive: true, contentLength: -1,
		headers: [][2]string{{"Host", "127.0.0.1:8080"}}}},
	{name: "fast host and port at word ends", in: "GET /abcdefg HTTP/1.1\r\nHost: abcdefgh:12345678\r\n\r\n", want: wantRequest{
		method: "GET", target: "/abcdefg", path: "/abcdefg", minor: 1, host: "abcdefgh:12345678", keepAlive: true, contentLength: -1}},
	{name: "fast host upper case without space", in: "GET /Ab/9 HTTP/1.1\r\nHOST:EXAMPLE.COM\r\n\r\n", want: wantRequest{
		method: "GET", target: "/Ab/9", path: "/Ab/9", minor: 1, host: "EXAMPLE.COM", keepAlive: true, contentLength: -1,
		headers: [][2]string{{"HOST", "EXAMPLE.COM"}}}},
	{name: "fast host underscore and tilde", in: "GET / HTTP/1.1\r\nHost: my_svc~1:8080\r\n\r\n", want: wantRequest{
		method: "GET", target: "/", path: "/", minor: 1, host: "my_svc~1:8080", keepAlive: true, contentLength: -1}},
	{name: "fast host tab and trailing space", in: "GET / HTTP/1.1\r\nHost:\t a.b \r\n\r\n", want: wantRequest{
		method: "GET", target: "/", path: "/", minor: 1, host: "a.b", keepAlive: true, contentLength: -1}},
	{name: "fast path dot and percent after a word", in: "GET /abcdefgh/i.j%20 HTTP/1.1\r\nHost: a\r\n\r\n", want: wantRequest{
		method: "GET", target: "/abcdefgh/i.j%20", path: "/abcdefgh/i.j%20", minor: 1, host: "a", keepAlive: true, contentLength: -1}},
	{name: "fast path of two words then query", in: "GET /abcdefghijklmno?q=1 HTTP/1.1\r\nHost: a\r\n\r\n", want: wantRequest{
		method: "GET", target: "/abcdefghijklmno?q=1", path: "/abcdefghijklmno", query: "q=1", hasQuery: true, minor: 1, host: "a", keepAlive: true, contentLength: -1}},
	{name: "fast http10 with host", in: "GET /x HTTP/1.0\r\nHost: a:1\r\n\r\n", want: wantRequest{
		method: "GET", target: "/x", path: "/x", minor: 0, host: "a:1", contentLength: -1}},
	{name: "fast other method and fields", in: "DELETE /r HTTP/1.1\r\nAccept: */*\r\nHost: a\r\nUser-Agent: x\r\nContent-Length: 0\r\n\r\n", want: wantRequest{
		method: "DELETE", target: "/r", path: "/r", minor: 1, host: "a", keepAlive: true, contentLength: 0,
		headers: [][2]string{{"Accept", "*/*"}, {"Host", "a"}, {"User-Agent", "x"}, {"Content-Length", "0"}}}},
	{name: "fast host byte 0x80 after a word", in: "GET / HTTP/1.1\r\nHost: abcdefgh\x80\r\n\r\n", err: ErrBadHost},
	{name: "fast host port of nine digits then letter", in: "GET / HTTP/1.1\r\nHost: a:123456789x\r\n\r\n", err: ErrBadHost},
	{name: "fast host twice in upper case", in: "GET / HTTP/1.1\r\nHost: a\r\nHOST: a\r\n\r\n", err: ErrDuplicateHost},
	{name: "fast path control byte after a word", in: "GET /abcdefgh\x01 HTTP/1.1\r\nHost: a\r\n\r\n", err: ErrBadTarget},
}
