package eddy_test

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/eddytest"
)

// siteDir makes a directory tree for the static tests, beside a secret
// file outside it, and returns the root and the secret's path.
func siteDir(t *testing.T) (root, secret string) {
	t.Helper()
	base := t.TempDir()
	root = filepath.Join(base, "site")
	secret = filepath.Join(base, "secret.txt")
	files := map[string]string{
		"index.html":        "<h1>home</h1>",
		"style.css":         "body{color:red}",
		"app.js":            "console.log(1)",
		"app.js.gz":         gzipped(t, "console.log(1)"),
		"app.js.br":         "BROTLI",
		"sub/index.html":    "<h1>sub</h1>",
		"sub/a.txt":         "A",
		"plain/b.txt":       "B",
		".hidden":           "dot",
		".well-known/x.txt": "wk",
		"big.bin":           strings.Repeat("0123456789abcdef", 64<<10/16+100), // past the cache's file size
		"empty.txt":         "",
	}
	for name, data := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(secret, []byte("SECRET"), 0o644); err != nil {
		t.Fatal(err)
	}
	// Links: one out of the root, one to a directory out of it, one inside.
	mustSymlink(t, secret, filepath.Join(root, "out.txt"))
	mustSymlink(t, base, filepath.Join(root, "outdir"))
	mustSymlink(t, "style.css", filepath.Join(root, "in.css")) // relative: os.Root refuses absolute targets
	mustSymlink(t, "../secret.txt", filepath.Join(root, "rel.txt"))
	return root, secret
}

func mustSymlink(t *testing.T, old, new string) {
	t.Helper()
	if err := os.Symlink(old, new); err != nil {
		t.Fatal(err)
	}
}

func gzipped(t *testing.T, s string) string {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(s))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// rawGet sends one GET with the target exactly as written (no client
// normalisation) on a fresh connection and returns the answer.
func rawGet(t *testing.T, s *eddytest.Server, target string, headers ...string) *eddytest.Response {
	t.Helper()
	c := s.Dial(t)
	c.Send(t, "GET "+target+" HTTP/1.1\r\nHost: x\r\n"+strings.Join(headers, "")+"\r\n")
	return c.ReadResponse(t, "GET")
}

// TestStaticTraversal: no request target reaches a file outside the root,
// whatever its spelling, with the router's dot-segment handling set to
// each of its modes; symlinks are not followed by default.
func TestStaticTraversal(t *testing.T) {
	targets := []string{
		"/s/../secret.txt",
		"/s/sub/../../secret.txt",
		"/s/%2e%2e/secret.txt",
		"/s/%2E%2E%2Fsecret.txt",
		"/s/..%2fsecret.txt",
		"/s/..%2Fsecret.txt",
		"/s/%252e%252e/secret.txt", // double encoded
		"/s/%252e%252e%252fsecret.txt",
		"/s/%c0%ae%c0%ae/secret.txt", // overlong UTF-8 dots
		"/s/%c0%af..%c0%afsecret.txt",
		"/s/..\\secret.txt",
		"/s/%5c..%5csecret.txt",
		"/s/sub%5c..%5c..%5csecret.txt",
		"/s/secret.txt%00.css",
		"/s/out.txt",           // symlink to a file outside
		"/s/outdir/secret.txt", // through a symlinked directory outside
		"/s/rel.txt",           // relative symlink climbing out
		"/s//etc/passwd",       // empty segment
		"/s/" + "/secret.txt",  // same, spelled differently
		"/s/.hidden",           // dot file
		"/s/sub/./a.txt",       // dot segment
		"/s/%2e/sub/a.txt",     // encoded dot segment
		"/s/in.css",            // a symlink inside the root: not followed by default
	}
	for _, mode := range []eddy.DotSegments{eddy.DotSegmentsReject, eddy.DotSegmentsRemove, eddy.DotSegmentsAllow} {
		root, _ := siteDir(t)
		app := eddy.New(eddy.Config{DotSegments: mode})
		app.Static("/s", root, eddy.StaticOptions{})
		app.Get("/secret.txt", func(c *eddy.Ctx) error { return c.Text("routed, not served from disk") })
		s := eddytest.New(t, app)
		for _, target := range targets {
			r := rawGet(t, s, target)
			remove := mode == eddy.DotSegmentsRemove // normalised inside the root, served
			if strings.Contains(r.Text(), "SECRET") || r.Status == 200 && !remove && r.Text() != "routed, not served from disk" {
				t.Errorf("mode %d: %s: %d %q: must not be served", mode, target, r.Status, r.Text())
			}
			if r.Status != 400 && r.Status != 404 && !(mode == eddy.DotSegmentsRemove && r.Status == 200) {
				t.Errorf("mode %d: %s: status %d, want 400 or 404", mode, target, r.Status)
			}
		}
		// The files themselves are served.
		if r := rawGet(t, s, "/s/sub/a.txt"); r.Status != 200 || r.Text() != "A" {
			t.Errorf("mode %d: /s/sub/a.txt: %d %q", mode, r.Status, r.Text())
		}
	}
}

// TestStaticOptions: symlinks inside the root with FollowSymlinks (those
// leaving it stay 404), dot files with DotFiles, index files and their
// redirect, directory listings, Cache-Control.
func TestStaticOptions(t *testing.T) {
	root, _ := siteDir(t)
	app := eddy.New(eddy.Config{DotSegments: eddy.DotSegmentsAllow})
	app.Static("/plain", root, eddy.StaticOptions{})
	app.Static("/all", root, eddy.StaticOptions{FollowSymlinks: true, DotFiles: true, Index: "index.html", CacheControl: "public, max-age=60"})
	app.Static("/list", root, eddy.StaticOptions{ListDirs: true})
	s := eddytest.New(t, app)
	tests := []struct {
		target string
		status int
		body   string // substring
		header string // "Name: value" expected, if any
	}{
		{"/plain/", 404, "", ""},
		{"/plain/sub/", 404, "", ""},
		{"/plain/sub", 404, "", ""},
		{"/plain/style.css", 200, "body{color:red}", "Content-Type: text/css; charset=utf-8"},
		{"/plain/empty.txt", 200, "", "Content-Length: 0"},
		{"/plain/nope.txt", 404, "", ""},
		{"/plain/style.css/", 404, "", ""},
		{"/all/in.css", 200, "body{color:red}", "Cache-Control: public, max-age=60"},
		{"/all/out.txt", 404, "", ""},
		{"/all/rel.txt", 404, "", ""},
		{"/all/outdir/secret.txt", 404, "", ""},
		{"/all/.hidden", 200, "dot", ""},
		{"/all/.well-known/x.txt", 200, "wk", ""},
		{"/all/..", 404, "", ""},
		{"/all/", 200, "<h1>home</h1>", "Content-Type: text/html; charset=utf-8"},
		{"/all/sub/", 200, "<h1>sub</h1>", ""},
		{"/all/sub", 308, "", "Location: /all/sub/"},
		{"/all/sub?x=1", 308, "", "Location: /all/sub/?x=1"},
		{"/all/plain/", 404, "", ""},
		{"/list/plain/", 200, `<a href="b.txt">b.txt</a>`, "Content-Type: text/html; charset=utf-8"},
		{"/list/", 200, `<a href="sub/">sub/</a>`, ""},
		{"/list/plain", 308, "", "Location: /list/plain/"},
	}
	for _, tc := range tests {
		r := rawGet(t, s, tc.target)
		if r.Status != tc.status || !strings.Contains(r.Text(), tc.body) {
			t.Errorf("%s: %d %q, want %d with %q", tc.target, r.Status, r.Text(), tc.status, tc.body)
		}
		if tc.header != "" {
			name, value, _ := strings.Cut(tc.header, ": ")
			if got := r.Header.Get(name); got != value {
				t.Errorf("%s: %s %q, want %q", tc.target, name, got, value)
			}
		}
	}
	if r := rawGet(t, s, "/list/"); strings.Contains(r.Text(), ".hidden") {
		t.Errorf("listing shows a dot file: %q", r.Text())
	}
}

// TestStaticPrecompressed: the sibling the client accepts, by the server's
// preference, with Content-Encoding, the file's type and its own ETag;
// Vary on every answer.
func TestStaticPrecompressed(t *testing.T) {
	root, _ := siteDir(t)
	app := eddy.New(eddy.Config{})
	app.Static("/s", root, eddy.StaticOptions{Precompressed: true})
	s := eddytest.New(t, app)
	tests := []struct {
		accept, enc, body string
	}{
		{"", "", "console.log(1)"},
		{"gzip", "gzip", gzipped(t, "console.log(1)")},
		{"gzip, br", "br", "BROTLI"},
		{"br;q=0, gzip;q=0.5", "gzip", gzipped(t, "console.log(1)")},
		{"br;q=0.0, gzip;q=0", "", "console.log(1)"},
		{"*", "br", "BROTLI"},
		{"*, br;q=0", "gzip", gzipped(t, "console.log(1)")},
		{"identity", "", "console.log(1)"},
		{"zstd", "", "console.log(1)"}, // no .zst sibling
	}
	etags := map[string]string{}
	for _, tc := range tests {
		var h []string
		if tc.accept != "" {
			h = append(h, "Accept-Encoding: "+tc.accept+"\r\n")
		}
		for range 2 { // a miss, then a cache hit
			r := rawGet(t, s, "/s/app.js", h...)
			if r.Status != 200 || r.Text() != tc.body || r.Header.Get("Content-Encoding") != tc.enc {
				t.Errorf("Accept-Encoding %q: %d %q %q, want %q %q", tc.accept, r.Status, r.Header.Get("Content-Encoding"), r.Text(), tc.enc, tc.body)
			}
			if r.Header.Get("Vary") != "Accept-Encoding" || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/javascript") {
				t.Errorf("Accept-Encoding %q: Vary %q, Content-Type %q", tc.accept, r.Header.Get("Vary"), r.Header.Get("Content-Type"))
			}
			if e, ok := etags[tc.enc]; ok && e != r.Header.Get("ETag") {
				t.Errorf("encoding %q: ETag %q then %q", tc.enc, e, r.Header.Get("ETag"))
			}
			etags[tc.enc] = r.Header.Get("ETag")
		}
	}
	if etags[""] == etags["gzip"] || etags["gzip"] == etags["br"] {
		t.Errorf("encodings share an ETag: %v", etags)
	}
}

// TestStaticCacheNoticesChanges: a cached small file that changes on disk
// is served new within Revalidate (here: on every request), and a file
// that grows past the cache's file size is streamed.
func TestStaticCacheNoticesChanges(t *testing.T) {
	root, _ := siteDir(t)
	app := eddy.New(eddy.Config{})
	app.Static("/s", root, eddy.StaticOptions{Revalidate: -1})
	app.Static("/slow", root, eddy.StaticOptions{Revalidate: time.Hour})
	s := eddytest.New(t, app)
	p := filepath.Join(root, "sub", "a.txt")
	for i, want := range []string{"A", "changed", strings.Repeat("x", 100<<10)} {
		if i > 0 {
			if err := os.WriteFile(p, []byte(want), 0o644); err != nil {
				t.Fatal(err)
			}
			// A new modification time even on coarse file systems.
			mt := time.Now().Add(time.Duration(i) * time.Hour)
			os.Chtimes(p, mt, mt)
		}
		for range 2 {
			if r := rawGet(t, s, "/s/sub/a.txt"); r.Status != 200 || r.Text() != want {
				t.Errorf("step %d: %d %q (%d bytes), want %d bytes", i, r.Status, r.Text()[:min(len(r.Text()), 20)], len(r.Body), len(want))
			}
		}
	}
	// Trusted for an hour: the cached bytes, then the change after a
	// restart is not tested; only that a hit does not go stale-wrong now.
	if r := rawGet(t, s, "/slow/style.css"); r.Text() != "body{color:red}" {
		t.Errorf("/slow/style.css: %q", r.Text())
	}
}

// TestStaticInGroup: a group's Static serves under the group's prefix,
// behind its middleware.
func TestStaticInGroup(t *testing.T) {
	root, _ := siteDir(t)
	app := eddy.New(eddy.Config{})
	g := app.Group("/g", func(next eddy.Handler) eddy.Handler {
		return func(c *eddy.Ctx) error {
			c.SetHeader("X-Group", "yes")
			return next(c)
		}
	})
	g.Static("/s", root, eddy.StaticOptions{})
	s := eddytest.New(t, app)
	if r := s.Get(t, "/g/s/style.css"); r.Status != 200 || r.Text() != "body{color:red}" || r.Header.Get("X-Group") != "yes" {
		t.Errorf("/g/s/style.css: %d %q, X-Group %q", r.Status, r.Text(), r.Header.Get("X-Group"))
	}
	if r := s.Get(t, "/s/style.css"); r.Status != 404 {
		t.Errorf("/s/style.css outside the group: %d", r.Status)
	}
}

// TestStaticKeepsLargeFilesOpen: a file too large for memory is kept
// open by the cache and answered from the loop with the open file, not
// opened again per request: removed from the disk, it is still served
// whole (ranges and conditionals too) until Revalidate, then it is a 404.
func TestStaticKeepsLargeFilesOpen(t *testing.T) {
	root, _ := siteDir(t)
	app := eddy.New(eddy.Config{})
	app.Static("/s", root, eddy.StaticOptions{Revalidate: time.Hour})
	app.Static("/now", root, eddy.StaticOptions{Revalidate: -1})
	s := eddytest.New(t, app)
	p := filepath.Join(root, "big.bin")
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	first := rawGet(t, s, "/s/big.bin")
	if first.Status != 200 || !bytes.Equal(first.Body, want) {
		t.Fatalf("first: %d, %d bytes", first.Status, len(first.Body))
	}
	if r := rawGet(t, s, "/now/big.bin"); r.Status != 200 {
		t.Fatalf("/now: %d", r.Status)
	}
	if err := os.Remove(p); err != nil {
		t.Fatal(err)
	}
	etag := first.Header.Get("ETag")
	cases := []struct {
		name, target, header string
		status               int
		body                 []byte
	}{
		{"whole", "/s/big.bin", "", 200, want},
		{"range", "/s/big.bin", "Range: bytes=60000-60009\r\n", 206, want[60000:60010]},
		{"not modified", "/s/big.bin", "If-None-Match: " + etag + "\r\n", 304, nil},
		{"revalidated every time", "/now/big.bin", "", 404, nil},
	}
	for _, tc := range cases {
		var hs []string
		if tc.header != "" {
			hs = append(hs, tc.header)
		}
		r := rawGet(t, s, tc.target, hs...)
		if r.Status != tc.status || tc.body != nil && !bytes.Equal(r.Body, tc.body) {
			t.Errorf("%s: %d, %d bytes; want %d, %d bytes", tc.name, r.Status, len(r.Body), tc.status, len(tc.body))
		}
	}
}

// A large file kept open by the cache is closed once its name no longer
// resolves: a deleted file's disk space is not held by the server. The
// same for a directory's index file, whose entry is the directory's.
func TestStaticReleasesDeletedFile(t *testing.T) {
	site, _ := siteDir(t)
	big, err := os.ReadFile(filepath.Join(site, "big.bin"))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct{ name, file, target string }{
		{"file", "big.bin", "/now/big.bin"},
		{"directory index", "d/index.html", "/now/d/"},
	}
	for _, tc := range cases {
		root, _ := siteDir(t)
		p := filepath.Join(root, tc.file)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, big, 0o644); err != nil {
			t.Fatal(err)
		}
		app := eddy.New(eddy.Config{})
		app.Static("/now", root, eddy.StaticOptions{Revalidate: -1, Index: "index.html"})
		s := eddytest.New(t, app)
		if r := rawGet(t, s, tc.target); r.Status != 200 {
			t.Fatalf("%s: first: %d", tc.name, r.Status)
		}
		if !openBy(t, p) {
			t.Fatalf("%s: the cache did not keep %s open (the test needs a large file)", tc.name, tc.file)
		}
		if err := os.Remove(p); err != nil {
			t.Fatal(err)
		}
		if r := rawGet(t, s, tc.target); r.Status != 404 {
			t.Fatalf("%s: after removal: %d, want 404", tc.name, r.Status)
		}
		if openBy(t, p) {
			t.Fatalf("%s: a deleted file is still held open by the cache", tc.name)
		}
	}
}

// openBy reports whether this process has a descriptor open on path
// (deleted or not), from /proc/self/fd.
func openBy(t *testing.T, path string) bool {
	t.Helper()
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd:", err)
	}
	for _, fd := range fds {
		if l, err := os.Readlink(filepath.Join("/proc/self/fd", fd.Name())); err == nil && strings.TrimSuffix(l, " (deleted)") == path {
			return true
		}
	}
	return false
}
