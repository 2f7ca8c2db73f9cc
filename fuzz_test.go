package eddy

// Fuzz targets for every parser of peer bytes in this package. Each one
// checks properties, not only the absence of panics: where the standard
// library parses the same grammar, the results must agree on the inputs
// both accept, and each target lists the deliberate differences.
//
//	go test . -run XXX -fuzz '^FuzzURLEncoded$' -fuzztime 10m
//
// Seeds come from the unit tests' tables; inputs the fuzzers found are kept
// under testdata/fuzz.

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/eddy-go/eddy/httpcodec"
)

// FuzzURLEncoded checks parseURLEncoded (query strings and urlencoded
// forms) and appendUnescape against net/url.
//
// Deliberate differences from url.ParseQuery:
//   - an invalid percent-escape is kept literally (ParseQuery drops the
//     pair and fails), as browsers and aiohttp do;
//   - ';' is an ordinary byte (ParseQuery drops a pair containing it and
//     fails).
//
// So the two are compared only where ParseQuery succeeds.
func FuzzURLEncoded(f *testing.F) {
	for _, tc := range urlEncodedTests {
		f.Add(tc.in)
	}
	f.Add("a=%2&b=%%41&c=%4g+&d;e=1")
	f.Fuzz(func(t *testing.T, s string) {
		var a args
		if err := a.parseURLEncoded([]byte(s), 1<<30); err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		// The pairs, piece by piece: '&' splits, empty pieces are
		// skipped, the first '=' separates name and value.
		var want [][2]string
		for piece := range strings.SplitSeq(s, "&") {
			if piece == "" {
				continue
			}
			k, v, _ := strings.Cut(piece, "=")
			want = append(want, [2]string{
				string(appendUnescape(nil, []byte(k), true)),
				string(appendUnescape(nil, []byte(v), true)),
			})
			// Each escape decoder agrees with net/url where it accepts.
			for _, x := range []string{k, v} {
				if u, err := url.QueryUnescape(x); err == nil {
					if got := string(appendUnescape(nil, []byte(x), true)); got != u {
						t.Fatalf("appendUnescape(%q, plus) = %q, net/url %q", x, got, u)
					}
				}
				if u, err := url.PathUnescape(x); err == nil {
					if got := string(appendUnescape(nil, []byte(x), false)); got != u {
						t.Fatalf("appendUnescape(%q) = %q, net/url %q", x, got, u)
					}
				}
			}
		}
		if len(a.pairs) != len(want) {
			t.Fatalf("%q: %d pairs, want %d", s, len(a.pairs), len(want))
		}
		for i, w := range want {
			if k, v := a.at(i); string(k) != w[0] || string(v) != w[1] {
				t.Fatalf("%q: pair %d = %q=%q, want %q=%q", s, i, k, v, w[0], w[1])
			}
		}
		if q, err := url.ParseQuery(s); err == nil {
			got := url.Values{}
			for i := range a.pairs {
				k, v := a.at(i)
				got[string(k)] = append(got[string(k)], string(v))
			}
			if len(got) != len(q) {
				t.Fatalf("%q: %d names, net/url %d", s, len(got), len(q))
			}
			for k, vs := range q {
				if g := got[k]; strings.Join(g, "\x00") != strings.Join(vs, "\x00") || len(g) != len(vs) {
					t.Fatalf("%q: %q = %q, net/url %q", s, k, g, vs)
				}
			}
		}
		// The limit counts exactly the pairs.
		if n := len(a.pairs); n > 0 {
			var b args
			if err := b.parseURLEncoded([]byte(s), n-1); err != errTooManyFields {
				t.Fatalf("%q with max %d: %v, want errTooManyFields", s, n-1, err)
			}
		}
	})
}

// FuzzPath checks the router's path preparation: appendPathUnescape
// against url.PathUnescape, hasDotSegment against a segment split, and
// removeDotSegments against RFC 3986 5.2.4 written out step by step.
//
// Deliberate differences from url.PathUnescape: %2F (either case) stays
// encoded, so that it cannot split a segment.
func FuzzPath(f *testing.F) {
	for p := range hasDotSegmentTests {
		f.Add(p)
	}
	for p := range removeDotSegmentsTests {
		f.Add(p)
	}
	for _, p := range []string{"/a%2Fb/%2e%2E/c", "/%2e/%2f..", "/a%zz", "/a%4", "/%00%0d%0a", "/%252F", "/caf%C3%A9/./x"} {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		if !strings.HasPrefix(raw, "/") {
			raw = "/" + raw // the router sees origin-form paths
		}
		dec, ok := appendPathUnescape(nil, []byte(raw))
		// net/url decodes %2F too: protect it with an escaped '%' first.
		// When both succeed every '%' starts an escape, so the replacement
		// only touches escapes.
		prot := strings.NewReplacer("%2F", "%252F", "%2f", "%252f").Replace(raw)
		std, err := url.PathUnescape(prot)
		if ok != (err == nil) {
			t.Fatalf("appendPathUnescape(%q) ok=%v, net/url err=%v", raw, ok, err)
		}
		if ok && string(dec) != std {
			t.Fatalf("appendPathUnescape(%q) = %q, net/url %q", raw, dec, std)
		}
		if !ok {
			return
		}
		p := string(dec)

		segs := strings.Split(p, "/")[1:]
		wantDot := false
		for _, s := range segs {
			if s == "." || s == ".." {
				wantDot = true
			}
		}
		if got := hasDotSegment(p); got != wantDot {
			t.Fatalf("hasDotSegment(%q) = %v, want %v", p, got, wantDot)
		}

		buf := []byte(p)
		out := string(removeDotSegments(buf))
		if want := rfcRemoveDotSegments(p); out != want {
			t.Fatalf("removeDotSegments(%q) = %q, RFC 3986 %q", p, out, want)
		}
		if !strings.HasPrefix(out, "/") || hasDotSegment(out) || len(out) > max(len(p), 1) {
			t.Fatalf("removeDotSegments(%q) = %q: not a rooted path without dot segments", p, out)
		}
		if again := string(removeDotSegments([]byte(out))); again != out {
			t.Fatalf("removeDotSegments not idempotent: %q -> %q -> %q", p, out, again)
		}
		if !wantDot && out != p {
			t.Fatalf("removeDotSegments(%q) = %q changed a path without dot segments", p, out)
		}
	})
}

// rfcRemoveDotSegments is RFC 3986 5.2.4's algorithm as written, on
// strings, for a path that starts with '/'; "" becomes "/" as the router
// needs a rooted path.
func rfcRemoveDotSegments(in string) string {
	out := ""
	dropLast := func() {
		out = out[:max(strings.LastIndex(out, "/"), 0)]
	}
	for in != "" {
		switch {
		case strings.HasPrefix(in, "../"):
			in = in[3:]
		case strings.HasPrefix(in, "./"):
			in = in[2:]
		case strings.HasPrefix(in, "/./"):
			in = in[2:]
		case in == "/.":
			in = "/"
		case strings.HasPrefix(in, "/../"):
			in = in[3:]
			dropLast()
		case in == "/..":
			in = "/"
			dropLast()
		case in == "." || in == "..":
			in = ""
		default:
			j := strings.IndexByte(in[1:], '/')
			if j < 0 {
				j = len(in)
			} else {
				j++
			}
			if in[0] != '/' {
				j = strings.IndexByte(in, '/')
				if j < 0 {
					j = len(in)
				}
			}
			out += in[:j]
			in = in[j:]
		}
	}
	if out == "" {
		return "/"
	}
	return out
}

// FuzzCookie checks findCookie (Ctx.Cookie) against net/http's
// Request.Cookies.
//
// Deliberate differences (findCookie is lenient, like browsers):
//   - a piece without '=' is skipped (net/http reads it as a cookie with
//     an empty value; browsers as a value with an empty name);
//   - names and values are not validated (net/http skips a pair whose
//     name is not a token or whose value has a byte outside
//     cookie-octets, space and comma);
//   - only space and tab are trimmed (net/http trims CR and LF too,
//     which the request parser never lets into a header value).
//
// So the two are compared where every piece is one net/http accepts.
func FuzzCookie(f *testing.F) {
	for _, tc := range findCookieTests {
		f.Add(tc.header, tc.name)
	}
	f.Add(`a="x y"; b = "2" ;c=3;; d`, "b")
	f.Add("a=1, b=2; \tc=\t3\t", "c")
	f.Fuzz(func(t *testing.T, header, name string) {
		v, ok := findCookie([]byte(header), name)
		if ok && (!strings.Contains(header, string(v)) || bytes.IndexByte(v, ';') >= 0) {
			t.Fatalf("findCookie(%q, %q) = %q: not a piece of the header", header, name, v)
		}
		if strings.ContainsAny(header, "\r\n") || strings.Count(header, ";") > 1000 {
			return
		}
		pieces := 0
		for p := range strings.SplitSeq(header, ";") {
			p = strings.Trim(p, " \t")
			if p == "" {
				continue
			}
			if !strings.Contains(p, "=") {
				return
			}
			pieces++
		}
		r := http.Request{Header: http.Header{"Cookie": {header}}}
		std := r.Cookies()
		if len(std) != pieces {
			return // net/http skipped an invalid piece
		}
		check := func(name string) {
			v, ok := findCookie([]byte(header), name)
			for _, c := range std {
				if c.Name == name {
					if !ok || string(v) != c.Value {
						t.Fatalf("findCookie(%q, %q) = %q, %v; net/http %q", header, name, v, ok, c.Value)
					}
					return
				}
			}
			if ok {
				t.Fatalf("findCookie(%q, %q) = %q; net/http has none", header, name, v)
			}
		}
		check(name)
		for _, c := range std {
			check(c.Name)
		}
	})
}

// FuzzMultipart checks parseMultipart against mime/multipart's raw parts
// (Reader.NextRawPart: no transfer decoding) and mime.ParseMediaType on
// each part's Content-Disposition.
//
// Deliberate differences (parseMultipart is stricter, and the body is
// already in memory):
//   - delimiters must follow and end in CRLF: a boundary line after a bare
//     LF is preamble or data to parseMultipart, a delimiter to
//     mime/multipart, which then reads the whole body with LF line ends;
//   - a malformed part header or Content-Disposition, or one that is not
//     form-data, fails the whole body (mime/multipart skips the part);
//   - Filename is kept as sent (Part.FileName returns its base name);
//   - a part without a name is kept, under "".
//
// So the two are compared where both succeed, on what each part holds.
func FuzzMultipart(f *testing.F) {
	body, ct := buildMultipart(f,
		[][2]string{{"a", "1"}, {"multi", "line1\r\nline2"}, {"a", ""}},
		[][3]string{{"f", "x.txt", "data\r\n--not-a-boundary"}})
	boundary, _ := multipartBoundary([]byte(ct))
	f.Add(boundary, body)
	f.Add(boundary, []byte("--"+boundary+"--"))
	f.Add("b", []byte("preamble\r\n--b  \r\nContent-Disposition: form-data; name=x\r\n\r\nv\r\n--b--"))
	f.Add("b", []byte("--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"../a b\"\r\nContent-Type: text/plain\r\n\r\n\r\n--b\r\n\r\n\r\n--b--"))
	f.Fuzz(func(t *testing.T, boundary string, body []byte) {
		if boundary == "" || len(boundary) > 70 {
			return // multipartBoundary refuses these
		}
		var fm Form
		if err := fm.parseMultipart(body, boundary, 1000); err != nil {
			if s := StatusOf(err); s != 400 && s != 413 {
				t.Fatalf("status %d for %v", s, err)
			}
			return
		}
		if bareLFBoundary(body, boundary) {
			return // read differently on purpose: see above
		}
		// Every view lies inside the body.
		for _, ff := range fm.files {
			if len(ff.Data) > 0 && !bytes.Contains(body, ff.Data) {
				t.Fatalf("file %q data %q not in the body", ff.Field, ff.Data)
			}
		}
		type part struct{ name, filename, ctype, data string }
		var fields, files []part
		r := multipart.NewReader(bytes.NewReader(body), boundary)
		for {
			p, err := r.NextRawPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				return // mime/multipart refuses what parseMultipart read
			}
			data, err := io.ReadAll(p)
			if err != nil {
				return
			}
			if len(p.Header["Content-Disposition"]) > 1 || len(p.Header["Content-Type"]) > 1 {
				return // which one counts is not agreed on
			}
			kind, params, err := mime.ParseMediaType(p.Header.Get("Content-Disposition"))
			if err != nil || kind != "form-data" {
				t.Fatalf("parseMultipart accepted a part with Content-Disposition %q", p.Header.Get("Content-Disposition"))
			}
			pt := part{name: params["name"], ctype: p.Header.Get("Content-Type"), data: string(data)}
			if fn, ok := params["filename"]; ok {
				pt.filename = fn
				files = append(files, pt)
			} else {
				fields = append(fields, pt)
			}
		}
		if len(fields) != fm.Len() || len(files) != len(fm.files) {
			t.Fatalf("%d fields, %d files; mime/multipart %d, %d", fm.Len(), len(fm.files), len(fields), len(files))
		}
		for i, w := range fields {
			if k, v := fm.At(i); string(k) != w.name || string(v) != w.data {
				t.Fatalf("field %d = %q=%q, mime/multipart %q=%q", i, k, v, w.name, w.data)
			}
		}
		for i, w := range files {
			g := fm.files[i]
			if g.Field != w.name || g.Filename != w.filename || g.ContentType != w.ctype || string(g.Data) != w.data {
				t.Fatalf("file %d = %q %q %q %q, mime/multipart %+v", i, g.Field, g.Filename, g.ContentType, g.Data, w)
			}
		}
	})
}

// bareLFBoundary reports whether body has "--boundary" after an LF that
// does not follow a CR.
func bareLFBoundary(body []byte, boundary string) bool {
	lf := []byte("\n--" + boundary)
	for i := 0; ; {
		j := bytes.Index(body[i:], lf)
		if j < 0 {
			return false
		}
		if i+j == 0 || body[i+j-1] != '\r' {
			return true
		}
		i += j + 1
	}
}

// FuzzAccept checks prefersJSON (the default error handler's choice of
// JSON or text) against a reference written from its documentation and
// RFC 9110 12.5.1, and httpcodec.QValue against strconv.ParseFloat.
//
// Deliberate difference from RFC 9110's qvalue grammar: QValue reads a
// malformed q as 0 (the item is not acceptable).
func FuzzAccept(f *testing.F) {
	for _, tc := range prefersJSONTests {
		f.Add(tc.accept)
	}
	f.Add("application/json;q=1.000, text/plain;q=0.999")
	f.Add("application/json;charset=utf-8;Q=0.5;q=0.9, text/*;q=0.50")
	f.Fuzz(func(t *testing.T, accept string) {
		got := prefersJSON([]byte(accept))
		if accept == "" && got {
			t.Fatal("no Accept must mean text")
		}
		jq, js, tq, ts := -1, 0, -1, 0
		for item := range strings.SplitSeq(accept, ",") {
			mt, params, _ := strings.Cut(item, ";")
			mt = strings.TrimSpace(mt)
			q := 1000
			for p := range strings.SplitSeq(params, ";") {
				p = strings.TrimSpace(p)
				if len(p) >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=' {
					q = refQuality(p[2:])
					if got := httpcodec.QValue([]byte(params)); got < 0 || got > 1000 || q >= 0 && got != q || q < 0 && got != 0 {
						t.Fatalf("QValue(%q) = %d, want %d", params, got, q)
					}
					break
				}
			}
			if q < 0 {
				return // outside the grammar: see the differences above
			}
			j, tx := 0, 0 // specificity for JSON and for text
			switch asciiLower(mt) {
			case "application/json":
				j = 3
			case "application/*":
				j = 2
			case "text/plain":
				tx = 3
			case "text/*":
				tx = 2
			case "*/*":
				j, tx = 1, 1
			}
			if j > js {
				jq, js = q, j
			}
			if tx > ts {
				tq, ts = q, tx
			}
		}
		want := jq > 0 && (jq > tq || jq == tq && js > ts)
		if got != want {
			t.Fatalf("prefersJSON(%q) = %v, want %v (json q=%d spec=%d, text q=%d spec=%d)", accept, got, want, jq, js, tq, ts)
		}
	})
}

// asciiLower lowers ASCII letters only, as HTTP's case-insensitive tokens
// are compared.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// refQuality reads an RFC 9110 qvalue ("0", "0.5", "1.000") in thousandths,
// -1 for anything else.
func refQuality(v string) int {
	ok := len(v) >= 1 && len(v) <= 5 && (v[0] == '0' || v[0] == '1')
	if ok && len(v) > 1 {
		ok = v[1] == '.'
		for _, c := range v[min(2, len(v)):] {
			ok = ok && '0' <= c && c <= '9' && (v[0] == '0' || c == '0')
		}
	}
	if !ok {
		return -1
	}
	q, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return -1
	}
	return int(q*1000 + 0.5)
}

// FuzzContentType checks the Content-Type readers (mediaTypeIs,
// isJSONType, multipartBoundary) against mime.ParseMediaType.
//
// Deliberate differences: mediaTypeIs and isJSONType read the media type
// only, so a malformed parameter does not stop a form or JSON body from
// being read (mime.ParseMediaType fails on it).
func FuzzContentType(f *testing.F) {
	for _, s := range []string{
		"application/json", "application/problem+json; charset=utf-8", "+json", "text/plain",
		"application/x-www-form-urlencoded", " Application/X-WWW-Form-URLEncoded ;charset=utf-8",
		"multipart/form-data; boundary=abc", `multipart/form-data; boundary="a b:c"`,
		"multipart/form-data", "multipart/form-data; boundary=" + strings.Repeat("x", 71), "bad;;",
		"multipart/form-data; boundary=a; boundary=b", "multipart/form-data; boundary*=utf-8''%41",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, ct string) {
		b := []byte(ct)
		isJSON := isJSONType(b)
		boundary, berr := multipartBoundary(b)
		if berr != nil && berr != errBadContentType {
			t.Fatalf("multipartBoundary(%q): %v", ct, berr)
		}
		// HTTP compares media types ASCII-case-insensitively.
		base, _, _ := strings.Cut(ct, ";")
		base = asciiLower(strings.TrimSpace(base))
		for _, want := range []string{"application/json", "application/x-www-form-urlencoded", "multipart/form-data"} {
			if got := mediaTypeIs(b, want); got != (base == want) {
				t.Fatalf("mediaTypeIs(%q, %q) = %v, want %v", ct, want, got, !got)
			}
		}
		if want := base == "application/json" || len(base) > 5 && strings.HasSuffix(base, "+json"); isJSON != want {
			t.Fatalf("isJSONType(%q) = %v, want %v", ct, isJSON, want)
		}
		mt, params, err := mime.ParseMediaType(ct)
		if err != nil {
			if berr == nil {
				t.Fatalf("multipartBoundary(%q) = %q, mime: %v", ct, boundary, err)
			}
			return
		}
		for _, want := range []string{"application/json", "application/x-www-form-urlencoded", "multipart/form-data"} {
			if got := mediaTypeIs(b, want); got != (mt == want) {
				t.Fatalf("mediaTypeIs(%q, %q) = %v, mime reads %q", ct, want, got, mt)
			}
		}
		if want := mt == "application/json" || len(mt) > 5 && strings.HasSuffix(mt, "+json"); isJSON != want {
			t.Fatalf("isJSONType(%q) = %v, mime reads %q", ct, isJSON, mt)
		}
		if wb := params["boundary"]; wb != "" && len(wb) <= 70 {
			if berr != nil || boundary != wb {
				t.Fatalf("multipartBoundary(%q) = %q, %v; mime %q", ct, boundary, berr, wb)
			}
		} else if berr == nil {
			t.Fatalf("multipartBoundary(%q) = %q; mime %q", ct, boundary, wb)
		}
	})
}

// FuzzRouter checks route lookup on any path: the static-path index gives
// the tree's answer, every bound parameter is a piece of the path (a
// {param} a whole non-empty segment), and building the matched route's URL
// from the bound parameters gives the path back (after url.PathUnescape,
// since Route.URL escapes what the router saw decoded).
func FuzzRouter(f *testing.F) {
	a := newTestApp(f)
	for _, tc := range routeCases {
		f.Add(tc.method, tc.path)
	}
	f.Add("GET", "/static/a%2Fb/../c")
	f.Add("GET", "/files/.txt")
	f.Fuzz(func(t *testing.T, method, path string) {
		var m, ms matcher
		m.set(method, path)
		ms.set(method, path)
		r := m.lookup(&a.tree, nil)
		if rs := ms.lookup(&a.tree, &a.statics); rs != r || ms.first != m.first {
			t.Fatalf("%s %q: tree %v, with the static index %v", method, path, r, rs)
		}
		if r == nil {
			return
		}
		pairs := make([]string, 0, 2*len(r.params))
		for i, name := range r.params {
			p := m.params[i]
			if p != ms.params[i] || p[0] < 0 || p[0] > p[1] || int(p[1]) > len(path) || p[0] == 0 || path[p[0]-1] != '/' {
				t.Fatalf("%s %q: %s bound at %v", method, path, name, p)
			}
			v := path[p[0]:p[1]]
			for _, sg := range r.segs {
				if sg.text == name && (sg.kind == segParam || sg.kind == segRegex) && (v == "" || strings.Contains(v, "/")) {
					t.Fatalf("%s %q: {%s} bound %q, not one whole segment", method, path, name, v)
				}
			}
			pairs = append(pairs, name, v)
		}
		u, err := r.URL(pairs...)
		if err != nil {
			t.Fatalf("%s %q matched %s, whose URL refuses %q: %v", method, path, r.pattern, pairs, err)
		}
		if back, err := url.PathUnescape(u); err != nil || back != path {
			t.Fatalf("%s %q matched %s; URL(%q) = %q, unescaped %q", method, path, r.pattern, pairs, u, back)
		}
	})
}
