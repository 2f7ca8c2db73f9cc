package main

import (
	"fmt"
	"net"
	"net/http"
	"testing"
	"time"
)

func TestSummary(t *testing.T) {
	cases := []struct {
		lat  []time.Duration
		want string
	}{
		{[]time.Duration{3 * time.Millisecond, time.Millisecond, 2 * time.Millisecond}, "n=3 p50=2ms p90=2ms p99=2ms max=3ms"},
		{[]time.Duration{5 * time.Millisecond}, "n=1 p50=5ms p90=5ms p99=5ms max=5ms"},
	}
	for _, c := range cases {
		if got := summary(c.lat); got != c.want {
			t.Errorf("summary(%v) = %q, want %q", c.lat, got, c.want)
		}
	}
}

func TestBurst(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "Hello, World!")
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	lat, err := burst(ln.Addr().String(), "/plaintext", 32)
	if err != nil {
		t.Fatal(err)
	}
	for i, d := range lat {
		if d <= 0 {
			t.Fatalf("connection %d: no latency recorded", i)
		}
	}
}

// A server that closes connections without answering fails the burst instead of
// reporting latencies.
func TestBurstNoAnswer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	if _, err := burst(ln.Addr().String(), "/plaintext", 4); err == nil {
		t.Fatal("burst against a server that answers nothing: no error")
	}
}
