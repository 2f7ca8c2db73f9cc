package client

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestGetBasic(t *testing.T) {
	ts := newHTTPServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello %s %s", r.Method, r.URL.Path)
	}))
	s := newSession(t, Config{})
	for i := range 3 {
		resp, err := s.Get(ctxT(t), ts.URL+"/x")
		if err != nil {
			t.Fatalf("%d: %v", i, err)
		}
		b, err := io.ReadAll(resp.Body)
		resp.Close()
		if err != nil || string(b) != "hello GET /x" {
			t.Fatalf("%d: body %q, %v", i, b, err)
		}
	}
	resp, err := s.Post(ctxT(t), ts.URL+"/p", "text/plain", strings.NewReader("abc"))
	if err != nil {
		t.Fatal(err)
	}
	txt, err := resp.Text()
	if err != nil || txt != "hello POST /p" {
		t.Fatalf("%q %v", txt, err)
	}
}
