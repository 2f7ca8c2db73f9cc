package main

import (
	"bytes"
	"mime/multipart"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/eddytest"
)

// TestUpload: files of a multipart upload land on disk whole, under their
// base names only; an upload past -max is refused with 413; a body that is
// not multipart with 415.
func TestUpload(t *testing.T) {
	dir := t.TempDir()
	s := eddytest.New(t, newApp(eddy.Config{Loops: 1, MaxInbound: 32 << 20}, dir, 8<<20))
	big := bytes.Repeat([]byte("0123456789abcdef"), 256<<10) // 4 MiB
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("note", "not a file")
	fw, _ := mw.CreateFormFile("file", "big.bin")
	fw.Write(big)
	fw, _ = mw.CreateFormFile("file", `..\..\evil.txt`)
	fw.Write([]byte("evil"))
	mw.Close()
	r := s.Post(t, "/upload", mw.FormDataContentType(), body.Bytes())
	want := `{"files":[{"name":"big.bin","bytes":4194304},{"name":"evil.txt","bytes":4}]}`
	if r.Status != 200 || r.Text() != want {
		t.Fatalf("upload: %d %s\nwant %s", r.Status, r.Text(), want)
	}
	if got, err := os.ReadFile(filepath.Join(dir, "big.bin")); err != nil || !bytes.Equal(got, big) {
		t.Errorf("big.bin on disk: %d bytes, %v", len(got), err)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(filepath.Dir(dir)), "evil.txt")); err == nil {
		t.Error("a file name climbed out of the upload directory")
	}

	body.Reset()
	mw = multipart.NewWriter(&body)
	fw, _ = mw.CreateFormFile("file", "huge.bin")
	fw.Write(bytes.Repeat([]byte("x"), 9<<20))
	mw.Close()
	if r := s.Post(t, "/upload", mw.FormDataContentType(), body.Bytes()); r.Status != 413 {
		t.Errorf("an upload past -max: %d %q, want 413", r.Status, r.Text())
	}
	if r := s.Post(t, "/upload", "text/plain", []byte("x")); r.Status != 415 {
		t.Errorf("text/plain: %d, want 415", r.Status)
	}
	if r := s.Get(t, "/"); r.Status != 200 || !strings.Contains(r.Text(), "upload.onprogress") {
		t.Errorf("the page: %d", r.Status)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 2 {
		t.Errorf("upload dir holds %d entries, want 2 (no partial files left)", len(ents))
	}
}
