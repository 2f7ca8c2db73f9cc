package eddy_test

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/eddytest"
)

// condCase is one conditional or range request against a file of n bytes
// whose ETag is etag and whose modification time is mod.
type condCase struct {
	name   string
	method string
	hdr    func(n int64, etag string, mod time.Time) string
	status int
	// start and length of the body expected for 200 and 206 (length -1:
	// the whole file).
	start, length func(n int64) int64
}

func httpDate(t time.Time) string { return t.UTC().Format(http.TimeFormat) }

func fixed(v int64) func(int64) int64 { return func(int64) int64 { return v } }

var (
	whole    = fixed(-1)
	zero     = fixed(0)
	noBody   = zero
	fromEnd  = func(k int64) func(int64) int64 { return func(n int64) int64 { return n - k } }
	hdrs     = func(lines ...string) string { return strings.Join(lines, "\r\n") + "\r\n" }
	none     = func(int64, string, time.Time) string { return "" }
	withEtag = func(f string) func(int64, string, time.Time) string {
		return func(_ int64, etag string, _ time.Time) string { return hdrs(fmt.Sprintf(f, etag)) }
	}
	withDate = func(f string, shift time.Duration) func(int64, string, time.Time) string {
		return func(_ int64, _ string, mod time.Time) string { return hdrs(fmt.Sprintf(f, httpDate(mod.Add(shift)))) }
	}
	withText = func(lines ...string) func(int64, string, time.Time) string {
		return func(int64, string, time.Time) string { return hdrs(lines...) }
	}
)

// condCases covers RFC 9110 section 13 (preconditions, in 13.2.2's order)
// and section 14 (ranges).
var condCases = []condCase{
	{"plain", "GET", none, 200, zero, whole},
	{"INM match", "GET", withEtag("If-None-Match: %s"), 304, zero, noBody},
	{"INM weak match", "GET", withEtag("If-None-Match: W/%s"), 304, zero, noBody},
	{"INM in list", "GET", withEtag(`If-None-Match: "x", %s`), 304, zero, noBody},
	{"INM other", "GET", withText(`If-None-Match: "x"`), 200, zero, whole},
	{"INM star", "GET", withText(`If-None-Match: *`), 304, zero, noBody},
	{"INM match HEAD", "HEAD", withEtag("If-None-Match: %s"), 304, zero, noBody},
	{"INM match POST", "POST", withEtag("If-None-Match: %s"), 412, zero, noBody},
	{"IMS equal", "GET", withDate("If-Modified-Since: %s", 0), 304, zero, noBody},
	{"IMS later", "GET", withDate("If-Modified-Since: %s", time.Hour), 304, zero, noBody},
	{"IMS earlier", "GET", withDate("If-Modified-Since: %s", -time.Hour), 200, zero, whole},
	{"IMS invalid", "GET", withText("If-Modified-Since: yesterday"), 200, zero, whole},
	{"IMS POST", "POST", withDate("If-Modified-Since: %s", 0), 200, zero, whole},
	{"INM beats IMS", "GET", func(_ int64, _ string, mod time.Time) string {
		return hdrs(`If-None-Match: "x"`, "If-Modified-Since: "+httpDate(mod))
	}, 200, zero, whole},
	{"IM match", "GET", withEtag("If-Match: %s"), 200, zero, whole},
	{"IM other", "GET", withText(`If-Match: "x"`), 412, zero, noBody},
	{"IM weak", "GET", withEtag("If-Match: W/%s"), 412, zero, noBody},
	{"IM star", "GET", withText("If-Match: *"), 200, zero, whole},
	{"IUS earlier", "GET", withDate("If-Unmodified-Since: %s", -time.Hour), 412, zero, noBody},
	{"IUS equal", "GET", withDate("If-Unmodified-Since: %s", 0), 200, zero, whole},
	{"IM beats IUS", "GET", func(_ int64, etag string, mod time.Time) string {
		return hdrs("If-Match: "+etag, "If-Unmodified-Since: "+httpDate(mod.Add(-time.Hour)))
	}, 200, zero, whole},
	{"IM before INM", "GET", withEtag(`If-Match: "x"` + "\r\nIf-None-Match: %s"), 412, zero, noBody},
	{"range first", "GET", withText("Range: bytes=0-4"), 206, zero, fixed(5)},
	{"range open", "GET", func(n int64, _ string, _ time.Time) string {
		return hdrs(fmt.Sprintf("Range: bytes=%d-", n-6))
	}, 206, fromEnd(6), fixed(6)},
	{"range suffix", "GET", withText("Range: bytes=-3"), 206, fromEnd(3), fixed(3)},
	{"range suffix past start", "GET", func(n int64, _ string, _ time.Time) string {
		return hdrs(fmt.Sprintf("Range: bytes=-%d", n+100))
	}, 206, zero, whole},
	{"range clipped", "GET", func(n int64, _ string, _ time.Time) string {
		return hdrs(fmt.Sprintf("Range: bytes=10-%d", n+1000))
	}, 206, fixed(10), func(n int64) int64 { return n - 10 }},
	{"range spaces", "GET", withText("Range: bytes= 1-2 "), 206, fixed(1), fixed(2)},
	{"range past end", "GET", func(n int64, _ string, _ time.Time) string {
		return hdrs(fmt.Sprintf("Range: bytes=%d-", n))
	}, 416, zero, noBody},
	{"range suffix zero", "GET", withText("Range: bytes=-0"), 416, zero, noBody},
	{"range reversed", "GET", withText("Range: bytes=5-1"), 200, zero, whole},
	{"range other unit", "GET", withText("Range: items=0-1"), 200, zero, whole},
	{"range garbage", "GET", withText("Range: bytes=abc"), 200, zero, whole},
	{"range multi", "GET", withText("Range: bytes=0-1,3-4"), 200, zero, whole},
	{"range multi unsatisfiable", "GET", func(n int64, _ string, _ time.Time) string {
		return hdrs(fmt.Sprintf("Range: bytes=%d-%d, %d-", n+1, n+5, n+10))
	}, 416, zero, noBody},
	{"range HEAD", "HEAD", withText("Range: bytes=0-4"), 200, zero, whole},
	{"range POST", "POST", withText("Range: bytes=0-4"), 200, zero, whole},
	{"if-range etag", "GET", withEtag("If-Range: %s\r\nRange: bytes=0-1"), 206, zero, fixed(2)},
	{"if-range other", "GET", withText(`If-Range: "x"`, "Range: bytes=0-1"), 200, zero, whole},
	{"if-range weak", "GET", withEtag("If-Range: W/%s\r\nRange: bytes=0-1"), 200, zero, whole},
	{"if-range date", "GET", withDate("If-Range: %s\r\nRange: bytes=0-1", 0), 206, zero, fixed(2)},
	{"if-range old date", "GET", withDate("If-Range: %s\r\nRange: bytes=0-1", -time.Hour), 200, zero, whole},
	{"INM before range", "GET", withEtag("If-None-Match: %s\r\nRange: bytes=0-1"), 304, zero, noBody},
}

// TestFileConditionsAndRanges runs every case against a small file (answered
// from memory) and a large one (streamed), through Ctx.File on the loop and
// in the pool, and through Static (a miss, then a cache hit).
func TestFileConditionsAndRanges(t *testing.T) {
	dir := t.TempDir()
	alpha := []byte("abcdefghijklmnopqrstuvwxyz")
	files := map[string][]byte{
		"small.txt": alpha,
		"large.txt": bytes.Repeat(alpha, 300<<10/26), // past every in-memory bound
	}
	mod := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	for name, data := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, mod, mod); err != nil {
			t.Fatal(err)
		}
	}
	app := eddy.New(eddy.Config{})
	file := func(c *eddy.Ctx) error { return c.File(filepath.Join(dir, c.Param("name"))) }
	app.Get("/loop/{name}", file)
	app.Post("/loop/{name}", file)
	app.Get("/pool/{name}", file, eddy.InPool)
	app.Post("/pool/{name}", file, eddy.InPool)
	app.Static("/s", dir, eddy.StaticOptions{Revalidate: time.Hour})
	s := eddytest.New(t, app)

	for name, data := range files {
		n := int64(len(data))
		etag := s.Get(t, "/s/"+name).Header.Get("ETag")
		if etag == "" {
			t.Fatalf("%s: no ETag", name)
		}
		for _, tc := range condCases {
			for _, prefix := range []string{"/loop/", "/pool/", "/s/", "/s/"} {
				if prefix == "/s/" && tc.method == "POST" {
					continue // Static serves GET and HEAD
				}
				what := fmt.Sprintf("%s %s%s %s", tc.method, prefix, name, tc.name)
				c := s.Dial(t)
				c.Send(t, tc.method+" "+prefix+name+" HTTP/1.1\r\nHost: x\r\n"+tc.hdr(n, etag, mod)+"\r\n")
				r := c.ReadResponse(t, tc.method)
				if r.Status != tc.status {
					t.Errorf("%s: status %d, want %d (%.40q)", what, r.Status, tc.status, r.Text())
					continue
				}
				checkFileAnswer(t, what, tc, r, data, etag, mod)
			}
		}
	}
}

func checkFileAnswer(t *testing.T, what string, tc condCase, r *eddytest.Response, data []byte, etag string, mod time.Time) {
	t.Helper()
	n := int64(len(data))
	switch tc.status {
	case 304:
		if len(r.Body) != 0 || r.Header.Get("ETag") != etag || r.Header.Get("Content-Type") != "" {
			t.Errorf("%s: 304 with body %d bytes, ETag %q, Content-Type %q", what, len(r.Body), r.Header.Get("ETag"), r.Header.Get("Content-Type"))
		}
	case 416:
		if got := r.Header.Get("Content-Range"); got != "bytes */"+strconv.FormatInt(n, 10) {
			t.Errorf("%s: Content-Range %q", what, got)
		}
	case 200, 206:
		start, length := tc.start(n), tc.length(n)
		if length < 0 {
			length = n - start
		}
		want := data[start : start+length]
		if tc.method == "HEAD" {
			want = nil
			if r.Header.Get("Content-Length") != strconv.FormatInt(length, 10) {
				t.Errorf("%s: HEAD Content-Length %q, want %d", what, r.Header.Get("Content-Length"), length)
			}
		}
		if !bytes.Equal(r.Body, want) {
			t.Errorf("%s: body %d bytes (%.20q), want %d (%.20q)", what, len(r.Body), r.Body, len(want), want)
		}
		if r.Header.Get("ETag") != etag || r.Header.Get("Last-Modified") != httpDate(mod) || r.Header.Get("Accept-Ranges") != "bytes" {
			t.Errorf("%s: ETag %q Last-Modified %q Accept-Ranges %q", what, r.Header.Get("ETag"), r.Header.Get("Last-Modified"), r.Header.Get("Accept-Ranges"))
		}
		if !strings.HasPrefix(r.Header.Get("Content-Type"), "text/plain") {
			t.Errorf("%s: Content-Type %q", what, r.Header.Get("Content-Type"))
		}
		if tc.status == 206 {
			cr := fmt.Sprintf("bytes %d-%d/%d", start, start+length-1, n)
			if r.Header.Get("Content-Range") != cr {
				t.Errorf("%s: Content-Range %q, want %q", what, r.Header.Get("Content-Range"), cr)
			}
		}
	}
}

// TestFileAnswers: missing files, directories, Attachment's disposition,
// a Content-Type set by the handler, and pipelined file responses in order.
func TestFileAnswers(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.txt"), []byte("A"), 0o644)
	os.WriteFile(filepath.Join(dir, "big.bin"), bytes.Repeat([]byte("b"), 200<<10), 0o644)
	app := eddy.New(eddy.Config{})
	app.Get("/file/{name}", func(c *eddy.Ctx) error { return c.File(filepath.Join(dir, c.Param("name"))) })
	app.Get("/dir", func(c *eddy.Ctx) error { return c.File(dir) })
	app.Get("/typed", func(c *eddy.Ctx) error {
		return c.SetHeader("Content-Type", "text/x-mine").File(filepath.Join(dir, "a.txt"))
	})
	app.Get("/dl/{name}", func(c *eddy.Ctx) error { return c.Attachment(filepath.Join(dir, "a.txt"), c.Param("name")) })
	app.Get("/dlbase", func(c *eddy.Ctx) error { return c.Attachment(filepath.Join(dir, "a.txt"), "") })
	s := eddytest.New(t, app)
	tests := []struct {
		path, header, value string
		status              int
	}{
		{"/file/nope", "", "", 404},
		{"/dir", "", "", 404},
		{"/typed", "Content-Type", "text/x-mine", 200},
		{"/dl/report.txt", "Content-Disposition", `attachment; filename="report.txt"`, 200},
		{"/dl/r%C3%A9sum%C3%A9.txt", "Content-Disposition", `attachment; filename="r_sum_.txt"; filename*=UTF-8''r%C3%A9sum%C3%A9.txt`, 200},
		{"/dl/a%22b.txt", "Content-Disposition", `attachment; filename="a_b.txt"; filename*=UTF-8''a%22b.txt`, 200},
		{"/dlbase", "Content-Disposition", `attachment; filename="a.txt"`, 200},
	}
	for _, tc := range tests {
		r := s.Get(t, tc.path)
		if r.Status != tc.status || tc.header != "" && r.Header.Get(tc.header) != tc.value {
			t.Errorf("%s: %d %s %q, want %d %q", tc.path, r.Status, tc.header, r.Header.Get(tc.header), tc.status, tc.value)
		}
	}
	// Pipelined: a streamed file between two small ones, in order.
	c := s.Dial(t)
	c.Send(t, "GET /file/a.txt HTTP/1.1\r\nHost: x\r\n\r\nGET /file/big.bin HTTP/1.1\r\nHost: x\r\n\r\nGET /file/a.txt HTTP/1.1\r\nHost: x\r\n\r\n")
	for i, want := range []int{1, 200 << 10, 1} {
		if r := c.ReadResponse(t, "GET"); r.Status != 200 || len(r.Body) != want {
			t.Errorf("pipelined %d: %d, %d bytes, want %d", i, r.Status, len(r.Body), want)
		}
	}
}
