package client

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestPoolReuse(t *testing.T) {
	ts, conns := newCountedServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}))
	var reused atomic.Int64
	s := newSession(t, Config{Trace: &Trace{GotConn: func(i httptrace.GotConnInfo) {
		if i.Reused {
			reused.Add(1)
		}
	}}})
	for i := range 10 {
		resp, err := s.Get(ctxT(t), ts.URL)
		if err != nil {
			t.Fatal(err)
		}
		if b, err := resp.Bytes(); err != nil || string(b) != "ok" {
			t.Fatalf("%d: %q %v", i, b, err)
		}
	}
	if got := conns.Load(); got != 1 {
		t.Errorf("10 sequential requests used %d connections, want 1", got)
	}
	if got := reused.Load(); got != 9 {
		t.Errorf("reused %d times, want 9", got)
	}
}

func TestPoolConcurrentAndPerHostLimit(t *testing.T) {
	var cur, peak atomic.Int64
	ts, conns := newCountedServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := cur.Add(1)
		defer cur.Add(-1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(20 * time.Millisecond)
		fmt.Fprint(w, r.URL.Query().Get("i"))
	}))
	for _, tc := range []struct {
		name      string
		cfg       Config
		wantPeak  int64
		wantConns int64
	}{
		// With two loops, a connection released while a request waits on the
		// other loop is closed: connections churn, the limit holds.
		{"per host 3, two loops", Config{MaxConnsPerHost: 3, Loops: 2}, 3, 0},
		{"per host 3", Config{MaxConnsPerHost: 3}, 3, 3},
		{"total 2", Config{MaxConns: 2}, 2, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			peak.Store(0)
			conns.Store(0)
			s := newSession(t, tc.cfg)
			var wg sync.WaitGroup
			errs := make(chan error, 30)
			for i := range 30 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					resp, err := s.Get(ctxT(t), fmt.Sprintf("%s/?i=%d", ts.URL, i))
					if err != nil {
						errs <- err
						return
					}
					b, err := resp.Bytes()
					if err == nil && string(b) != fmt.Sprint(i) {
						err = fmt.Errorf("request %d got %q", i, b)
					}
					if err != nil {
						errs <- err
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			if p := peak.Load(); p != tc.wantPeak {
				t.Errorf("peak concurrency %d, want the limit %d", p, tc.wantPeak)
			}
			if c := conns.Load(); tc.wantConns > 0 && c != tc.wantConns {
				t.Errorf("%d connections for a limit of %d", c, tc.wantConns)
			}
		})
	}
}

func TestPoolIdleExpiry(t *testing.T) {
	ts, conns := newCountedServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	s := newSession(t, Config{IdleTimeout: 50 * time.Millisecond})
	get := func() {
		resp, err := s.Get(ctxT(t), ts.URL)
		if err != nil {
			t.Fatal(err)
		}
		resp.Close()
	}
	get()
	waitFor(t, "the idle connection to expire", func() bool { return s.total.Load() == 0 })
	get()
	if c := conns.Load(); c != 2 {
		t.Errorf("%d connections, want 2 (the first expired)", c)
	}
}

// TestPoolForgetsHosts: a loop keeps no state for hosts it no longer has a
// connection or a waiting request for (a server redirecting to ever new hosts
// cannot grow it).
func TestPoolForgetsHosts(t *testing.T) {
	ts := newHTTPServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	s := newSession(t, Config{IdleTimeout: 50 * time.Millisecond})
	for i := range 20 { // refused dials to 20 hosts (ports)
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		if _, err := s.Get(ctxT(t), "http://"+addr+"/"); err == nil {
			t.Fatalf("%d: a closed port answered", i)
		}
	}
	resp, err := s.Get(ctxT(t), ts.URL) // a live one, idle until it expires
	if err != nil {
		t.Fatal(err)
	}
	resp.Close()
	l := s.srv.Loops()[0]
	hosts := func() int {
		ch := make(chan int, 1)
		l.CallSoonThreadsafe(func() { ch <- len(s.pool(l).hosts) })
		return <-ch
	}
	if n := hosts(); n != 1 {
		t.Errorf("%d hosts held with one idle connection, want 1", n)
	}
	waitFor(t, "every host forgotten", func() bool { return hosts() == 0 })
	s.countMu.Lock()
	defer s.countMu.Unlock()
	if n := len(s.counts); n != 0 {
		t.Errorf("the session holds counters for %d hosts after forgetting them all, want 0", n)
	}
}
