package h1

import (
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/eddy-go/eddy/loop"
)

// TestRespondPlainAsRespondLead: RespondPlain writes the very bytes
// RespondLead(200, lead, nil, body) writes, whether the loop's cached head
// fits (the same lead and body length in one batch) or not (another
// length, another lead, HEAD, HTTP/1.0, the last response), for bodies
// shorter than 8 bytes, of 8 to 16 and longer.
func TestRespondPlainAsRespondLead(t *testing.T) {
	ts := startServer(t, Config{}, loop.Config{})
	requests := func(path string) string {
		var b strings.Builder
		for _, q := range []string{
			"b=hello", "b=world", "b=hi", "b=hi&lead=2", "b=ho&lead=2", "b=hi",
			"b=twelve-bytes", "b=twelve-BYTES", "b=sixteen-bytes-!", "b=sixteen-bytes-?",
			"b=more-than-sixteen-bytes", "b=more-than-sixteen-BYTES",
		} {
			b.WriteString("GET " + path + "?" + q + " HTTP/1.1\r\nHost: x\r\n\r\n")
		}
		b.WriteString("HEAD " + path + "?b=world HTTP/1.1\r\nHost: x\r\n\r\n")
		b.WriteString("GET " + path + "?b=world HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
		b.WriteString("GET " + path + "?b=world HTTP/1.1\r\nHost: x\r\n\r\n")
		b.WriteString("GET " + path + "?b=world HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
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
	if n := strings.Count(lead, "HTTP/1.1 200 OK\r\n"); n != 16 {
		t.Fatalf("RespondLead: %d responses, want 16:\n%s", n, lead)
	}
	if plain != lead {
		t.Fatalf("RespondPlain wrote\n%s\nRespondLead wrote\n%s", plain, lead)
	}
}
