package h1

import (
	"bufio"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/eddy-go/eddy/loop"
)

// TestRespondPlainAsRespondLead: RespondLead(200, lead, nil, body) answers
// each of a pipelined batch right (its body, its Content-Length: the
// loop's cached head is made for another length when only the length
// changes), and RespondPlain writes the very same bytes, whether the
// cached head fits or not (another length, another lead, HEAD, HTTP/1.0,
// the last response), for empty bodies, bodies shorter than 8 bytes, of 8
// to 16 and longer.
func TestRespondPlainAsRespondLead(t *testing.T) {
	ts := startServer(t, Config{}, loop.Config{})
	queries := []string{
		"b=hello", "b=world", "b=hi", "b=hi&lead=2", "b=ho&lead=2", "b=hi", "b=",
		"b=twelve-bytes", "b=twelve-BYTES", "b=sixteen-bytes-!", "b=sixteen-bytes-?",
		"b=more-than-sixteen-bytes", "b=more-than-sixteen-BYTES", "b=a", "b=ab", "b=abc",
		"b=world", "b=world", "b=world", "b=world", // HEAD, HTTP/1.0, GET, the last
	}
	requests := func(path string) string {
		var b strings.Builder
		for i, q := range queries {
			switch len(queries) - i {
			case 4:
				b.WriteString("HEAD " + path + "?" + q + " HTTP/1.1\r\nHost: x\r\n\r\n")
			case 3:
				b.WriteString("GET " + path + "?" + q + " HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
			case 1:
				b.WriteString("GET " + path + "?" + q + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
			default:
				b.WriteString("GET " + path + "?" + q + " HTTP/1.1\r\nHost: x\r\n\r\n")
			}
		}
		return b.String()
	}
	date := regexp.MustCompile(`(?m)^Date: [^\r]*\r$`)
	answer := func(path string) string {
		cl := ts.dial(t)
		cl.send(requests(path))
		b, err := io.ReadAll(cl.br)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		return date.ReplaceAllString(string(b), "Date: -\r")
	}
	lead, plain := answer("/bylead"), answer("/byplain")
	// RespondLead's answers, read as a client does: each body whole, the
	// cached head's Content-Length right when the length changed.
	br := bufio.NewReader(strings.NewReader(lead))
	for i, q := range queries {
		method := "GET"
		if i == len(queries)-4 {
			method = "HEAD"
		}
		resp, err := http.ReadResponse(br, &http.Request{Method: method})
		if err != nil {
			t.Fatalf("response %d: %v\n%s", i, err, lead)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		want := strings.TrimPrefix(strings.Split(q, "&")[0], "b=")
		if method == "HEAD" {
			if resp.ContentLength != int64(len(want)) {
				t.Fatalf("HEAD: Content-Length %d, want %d", resp.ContentLength, len(want))
			}
			want = ""
		}
		if resp.StatusCode != 200 || string(b) != want {
			t.Fatalf("response %d: %d %q, want 200 %q", i, resp.StatusCode, b, want)
		}
	}
	if n, err := br.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Fatalf("%d bytes after the %d responses", n, len(queries))
	}
	if plain != lead {
		t.Fatalf("RespondPlain wrote\n%s\nRespondLead wrote\n%s", plain, lead)
	}
}
