package httpbintest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http/cookiejar"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/eddy-go/eddy/client"
	"github.com/mccutchen/go-httpbin/v2/httpbin"
)

// start runs go-httpbin on 127.0.0.1 until the test ends.
func start(t *testing.T) string {
	t.Helper()
	ts := httptest.NewServer(httpbin.New(httpbin.WithMaxDuration(10 * time.Second)))
	t.Cleanup(ts.Close)
	return ts.URL
}

func session(t *testing.T, cfg client.Config) *client.Session {
	t.Helper()
	s, err := client.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Close(ctx); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return c
}

func TestHTTPBin(t *testing.T) {
	base := start(t)
	jar, _ := cookiejar.New(nil)
	s := session(t, client.Config{BaseURL: base, Jar: jar, Username: "u", Password: "p"})
	for _, tc := range []struct {
		method, path string
		body         string
		status       int
		history      int
		want         string // a substring of the body (for JSON answers) or a regexp prefixed "re:"
		uncompressed bool
		size         int // exact body size when > 0
	}{
		{"GET", "/get?a=1", "", 200, 0, `"a": [`, false, 0},
		{"POST", "/post", `{"x":1}`, 200, 0, `"json": {`, false, 0},
		{"PUT", "/anything", "put-body", 200, 0, `"data": "put-body"`, false, 0},
		{"GET", "/gzip", "", 200, 0, `"gzipped": true`, true, 0},
		{"GET", "/deflate", "", 200, 0, `"deflated": true`, true, 0},
		{"GET", "/redirect/5", "", 200, 5, `/get`, false, 0},
		{"GET", "/relative-redirect/3", "", 200, 3, `/get`, false, 0},
		{"GET", "/absolute-redirect/2", "", 200, 2, `/get`, false, 0},
		{"POST", "/redirect-to?url=/anything&status_code=301", "b", 200, 1, `"method": "GET"`, false, 0},
		{"POST", "/redirect-to?url=/anything&status_code=302", "b", 200, 1, `"method": "GET"`, false, 0},
		{"POST", "/redirect-to?url=/anything&status_code=303", "b", 200, 1, `"method": "GET"`, false, 0},
		{"POST", "/redirect-to?url=/anything&status_code=307", "b", 200, 1, `"data": "b"`, false, 0},
		{"POST", "/redirect-to?url=/anything&status_code=308", "b", 200, 1, `"method": "POST"`, false, 0},
		{"GET", "/cookies/set?flavour=oat", "", 200, 1, `"flavour": "oat"`, false, 0},
		{"GET", "/cookies", "", 200, 0, `"flavour": "oat"`, false, 0},
		{"GET", "/basic-auth/u/p", "", 200, 0, `"authenticated": true`, false, 0},
		{"GET", "/stream/20", "", 200, 0, `re:(?s)("id": ?19)`, false, 0},
		{"GET", "/bytes/100000", "", 200, 0, "", false, 100000},
		{"GET", "/stream-bytes/300000?chunk_size=1000", "", 200, 0, "", false, 300000},
		{"GET", "/status/418", "", 418, 0, "", false, 0},
		{"HEAD", "/get", "", 200, 0, "", false, 0},
		{"GET", "/status/204", "", 204, 0, "", false, 0},
	} {
		t.Run(tc.method+tc.path, func(t *testing.T) {
			var body io.Reader
			if tc.body != "" {
				body = strings.NewReader(tc.body)
			}
			req, err := client.NewRequest(tc.method, tc.path, body)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case strings.HasPrefix(tc.body, "{"):
				req.Header.Set("Content-Type", "application/json")
			case tc.body != "":
				req.Header.Set("Content-Type", "text/plain")
			}
			resp, err := s.Do(ctx(t), req)
			if err != nil {
				t.Fatal(err)
			}
			got, err := resp.Bytes()
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tc.status || len(resp.History) != tc.history || resp.Uncompressed != tc.uncompressed {
				t.Errorf("status %d history %d uncompressed %v, want %d %d %v",
					resp.StatusCode, len(resp.History), resp.Uncompressed, tc.status, tc.history, tc.uncompressed)
			}
			if re, ok := strings.CutPrefix(tc.want, "re:"); ok {
				if !regexp.MustCompile(re).Match(got) {
					t.Errorf("body %.300s does not match %s", got, re)
				}
			} else if !bytes.Contains(got, []byte(tc.want)) {
				t.Errorf("body %.300s does not hold %s", got, tc.want)
			}
			if tc.size > 0 && len(got) != tc.size {
				t.Errorf("%d bytes, want %d", len(got), tc.size)
			}
		})
	}
}

func TestHTTPBinTooManyRedirects(t *testing.T) {
	base := start(t)
	s := session(t, client.Config{BaseURL: base})
	if _, err := s.Get(ctx(t), "/redirect/11"); !errors.Is(err, client.ErrTooManyRedirects) {
		t.Errorf("err %v, want ErrTooManyRedirects", err)
	}
}

// TestHTTPBinDrip: /drip sends its bytes over time; the first reaches the reader
// long before the last (the body streams, it is not buffered).
func TestHTTPBinDrip(t *testing.T) {
	base := start(t)
	s := session(t, client.Config{BaseURL: base})
	begin := time.Now()
	resp, err := s.Get(ctx(t), "/drip?duration=1&numbytes=5&code=200&delay=0")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Close()
	one := make([]byte, 1)
	if _, err := io.ReadFull(resp.Body, one); err != nil {
		t.Fatal(err)
	}
	first := time.Since(begin)
	rest, err := io.ReadAll(resp.Body)
	if err != nil || len(rest) != 4 {
		t.Fatalf("rest %q, %v", rest, err)
	}
	all := time.Since(begin)
	t.Logf("first byte after %v, all after %v", first, all)
	if all < 700*time.Millisecond || first > all/2 {
		t.Errorf("first byte after %v, all after %v: not streamed", first, all)
	}
}

// TestHTTPBinTimeouts: /delay against the total timeout and a context.
func TestHTTPBinTimeouts(t *testing.T) {
	base := start(t)
	s := session(t, client.Config{BaseURL: base, Timeout: client.Timeouts{Total: 200 * time.Millisecond}})
	if _, err := s.Get(ctx(t), "/delay/2"); !errors.Is(err, client.ErrTotalTimeout) {
		t.Errorf("total: %v", err)
	}
	s2 := session(t, client.Config{BaseURL: base, Timeout: client.Timeouts{ResponseHeader: 200 * time.Millisecond}})
	if _, err := s2.Get(ctx(t), "/delay/2"); !errors.Is(err, client.ErrHeaderTimeout) {
		t.Errorf("response header: %v", err)
	}
	c, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if _, err := s2.Get(c, "/delay/0.1"); err != nil {
		t.Errorf("within the timeouts: %v", err)
	}
}

// TestFetchExample builds examples/fetch and runs it against go-httpbin: n
// URLs that each take one second are fetched in about one second, not n.
func TestFetchExample(t *testing.T) {
	base := start(t)
	bin := filepath.Join(t.TempDir(), "fetch")
	build := exec.Command("go", "build", "-o", bin, "./examples/fetch")
	build.Dir = "../.."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	const n = 5
	begin := time.Now()
	out, err := exec.Command(bin, "-httpbin", base, "-n", strconv.Itoa(n), "-delay", "1").CombinedOutput()
	took := time.Since(begin)
	if err != nil {
		t.Fatalf("fetch: %v\n%s", err, out)
	}
	t.Logf("%s", out)
	if got := bytes.Count(out, []byte(": 200 OK,")); got != n+1 {
		t.Errorf("%d answers with 200, want %d", got, n+1)
	}
	if took > 2500*time.Millisecond {
		t.Errorf("%d one-second URLs took %v: not concurrent", n, took)
	}
}
