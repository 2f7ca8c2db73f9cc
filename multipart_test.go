package eddy

import (
	"bytes"
	"mime/multipart"
	"net/textproto"
	"strings"
	"testing"
)

// buildMultipart writes a body with mime/multipart (the reference writer).
func buildMultipart(t testing.TB, fields [][2]string, files [][3]string) ([]byte, string) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, f := range fields {
		if err := w.WriteField(f[0], f[1]); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range files {
		h := make(textproto.MIMEHeader)
		h.Set("Content-Disposition", `form-data; name="`+f[0]+`"; filename="`+f[1]+`"`)
		h.Set("Content-Type", "application/octet-stream")
		p, err := w.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		p.Write([]byte(f[2]))
	}
	w.Close()
	return buf.Bytes(), w.FormDataContentType()
}

func TestParseMultipart(t *testing.T) {
	body, ct := buildMultipart(t,
		[][2]string{{"name", "Ada"}, {"empty", ""}, {"multi", "line1\r\nline2"}, {"name", "Bob"}},
		[][3]string{{"doc", "a.txt", "hello\r\n--not-a-boundary"}, {"bin", "b.bin", "\x00\x01\x02"}})
	boundary, err := multipartBoundary([]byte(ct))
	if err != nil {
		t.Fatal(err)
	}
	var f Form
	if err := f.parseMultipart(body, boundary, 100); err != nil {
		t.Fatal(err)
	}
	if got := f.Values("name"); len(got) != 2 || got[0] != "Ada" || got[1] != "Bob" {
		t.Errorf("name = %q", got)
	}
	if v, ok := f.ValueBytes("empty"); !ok || len(v) != 0 {
		t.Errorf("empty = %q, %v", v, ok)
	}
	if f.Value("multi") != "line1\r\nline2" {
		t.Errorf("multi = %q", f.Value("multi"))
	}
	doc := f.File("doc")
	if doc == nil || doc.Filename != "a.txt" || string(doc.Data) != "hello\r\n--not-a-boundary" || doc.ContentType != "application/octet-stream" {
		t.Errorf("doc = %+v", doc)
	}
	if bin := f.File("bin"); bin == nil || string(bin.Data) != "\x00\x01\x02" {
		t.Errorf("bin = %+v", bin)
	}
	if f.File("nope") != nil || len(f.Files()) != 2 || f.Len() != 4 {
		t.Errorf("files %d, fields %d", len(f.Files()), f.Len())
	}
}

func TestParseMultipartErrors(t *testing.T) {
	good, ct := buildMultipart(t, [][2]string{{"a", "1"}, {"b", "2"}, {"c", "3"}}, nil)
	boundary, _ := multipartBoundary([]byte(ct))
	tests := []struct {
		name   string
		body   string
		max    int
		status int
	}{
		{"too many parts", string(good), 2, 413},
		{"truncated", string(good[:len(good)-10]), 100, 400},
		{"no delimiter", "hello", 100, 400},
		{"no disposition", "--" + boundary + "\r\nX: y\r\n\r\nv\r\n--" + boundary + "--", 100, 400},
		{"not form-data", "--" + boundary + "\r\nContent-Disposition: attachment\r\n\r\nv\r\n--" + boundary + "--", 100, 400},
		{"bad header line", "--" + boundary + "\r\nnocolon\r\n\r\nv\r\n--" + boundary + "--", 100, 400},
		{"junk after the close delimiter", "--" + boundary + "--0\r\n--" + boundary + "\r\n\r\n--" + boundary + "--", 100, 400},                   // found by FuzzMultipart
		{"bare LF in a part header", "--" + boundary + "\r\nContent-Disposition: form-data; name=a\n\r\n\r\nv\r\n--" + boundary + "--", 100, 400}, // found by FuzzMultipart
		{"bare CR in a part header", "--" + boundary + "\r\nContent-Disposition: form-data;\rname=a\r\n\r\nv\r\n--" + boundary + "--", 100, 400},
		{"junk after delimiter", "--" + boundary + "junk\r\n\r\nv\r\n--" + boundary + "--", 100, 400},
	}
	for _, tc := range tests {
		var f Form
		err := f.parseMultipart([]byte(tc.body), boundary, tc.max)
		if StatusOf(err) != tc.status || err == nil {
			t.Errorf("%s: err = %v, want status %d", tc.name, err, tc.status)
		}
	}
	// A preamble before the first delimiter is allowed.
	var f Form
	if err := f.parseMultipart(append([]byte("preamble\r\n"), good...), boundary, 100); err != nil || f.Value("c") != "3" {
		t.Errorf("with preamble: %v, c=%q", err, f.Value("c"))
	}
	for _, ct := range []string{"multipart/form-data", "multipart/form-data; boundary=" + strings.Repeat("x", 71), "bad;;"} {
		if _, err := multipartBoundary([]byte(ct)); err == nil {
			t.Errorf("boundary of %q: no error", ct)
		}
	}
}

// TestParseMultipartDelimiters: a boundary line after a bare LF is not a
// delimiter (RFC 2046 puts CRLF before each one), so it stays preamble or
// part data, where mime/multipart reads it as a delimiter; a part may have
// no body at all (both found by FuzzMultipart).
func TestParseMultipartDelimiters(t *testing.T) {
	tests := []struct {
		body   string
		fields int
		value  string
	}{
		{"\n--b\n\r\n--b--", 0, ""},
		{"--b\r\nContent-Disposition: form-data; name=a\r\n\r\nx\r\n--b-- \t\r\nepilogue", 1, "x"},
		{"pre\n--b\r\n--b\r\nContent-Disposition: form-data; name=a\r\n\r\nx\n--b\r\n--b--", 1, "x\n--b"},
		// A part without a body: the CRLF ending its header block opens
		// the next delimiter (found by FuzzMultipart).
		{"--b\r\nContent-Disposition: form-data; name=a\r\n\r\n--b\r\nContent-Disposition: form-data; name=c\r\n\r\ny\r\n--b--", 2, ""},
	}
	for _, tc := range tests {
		var f Form
		if err := f.parseMultipart([]byte(tc.body), "b", 10); err != nil || f.Len() != tc.fields || f.Value("a") != tc.value {
			t.Errorf("%q: %v, %d fields, a=%q; want %d fields, a=%q", tc.body, err, f.Len(), f.Value("a"), tc.fields, tc.value)
		}
	}
}
