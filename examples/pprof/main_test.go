package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"strings"
	"testing"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/eddytest"
)

func TestPprof(t *testing.T) {
	s := eddytest.New(t, newApp(eddy.Config{}))
	if r := s.Get(t, "/work"); r.Status != 200 || !strings.Contains(r.Text(), `"n"`) {
		t.Fatalf("/work: %d %q", r.Status, r.Body)
	}
	r := s.Get(t, "/debug/pprof/")
	if r.Status != 200 || !strings.Contains(r.Text(), "heap") {
		t.Fatalf("index: %d %.100q", r.Status, r.Body)
	}
	// A real profile: gzip-compressed protobuf, as go tool pprof reads it.
	r = s.Get(t, "/debug/pprof/heap")
	if r.Status != 200 {
		t.Fatalf("heap: %d %q", r.Status, r.Body)
	}
	zr, err := gzip.NewReader(bytes.NewReader(r.Body))
	if err != nil {
		t.Fatalf("heap profile is not gzip: %v", err)
	}
	if b, err := io.ReadAll(zr); err != nil || len(b) == 0 {
		t.Fatalf("heap profile: %d bytes, %v", len(b), err)
	}
	r = s.Get(t, "/debug/pprof/profile?seconds=1")
	if r.Status != 200 || len(r.Body) == 0 {
		t.Fatalf("cpu profile: %d, %d bytes", r.Status, len(r.Body))
	}
}
