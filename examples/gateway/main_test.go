package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/client"
	"github.com/eddy-go/eddy/eddytest"
)

func TestGateway(t *testing.T) {
	// A slow upstream: the two calls overlap, so /combined takes one delay.
	const delay = 200 * time.Millisecond
	var inFlight, peak atomic.Int64
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		if n > peak.Load() {
			peak.Store(n)
		}
		time.Sleep(delay)
		w.Write([]byte(`{"slow":true}`))
	}))
	defer slow.Close()

	sess, err := client.New(client.Config{})
	if err != nil {
		t.Fatal(err)
	}
	g := &gateway{sess: sess}
	srv := eddytest.New(t, newApp(eddy.Config{}, g))
	t.Cleanup(func() { sess.Close(context.Background()) }) // before the app stops
	for _, tc := range []struct {
		name, a, b string
		status     int
		want       string
	}{
		{"demo upstreams", srv.URL + "/upstream/a", srv.URL + "/upstream/b", 200,
			`{"a":{"id":7,"user":"ada"},"b":[{"order":1,"total":12.5},{"order":2,"total":3}]}`},
		{"slow upstreams at once", slow.URL, slow.URL, 200, `{"a":{"slow":true},"b":{"slow":true}}`},
		{"one fails", srv.URL + "/upstream/a", srv.URL + "/nope", 502, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g.setUpstreams(tc.a, tc.b)
			start := time.Now()
			resp := srv.Get(t, "/combined")
			if resp.Status != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.Status, tc.status, resp.Body)
			}
			if tc.want != "" {
				var got, want any
				json.Unmarshal(resp.Body, &got)
				json.Unmarshal([]byte(tc.want), &want)
				if gb, _ := json.Marshal(got); string(gb) != mustJSON(want) {
					t.Errorf("body %s, want %s", resp.Body, tc.want)
				}
			}
			if tc.a == slow.URL {
				if p := peak.Load(); p != 2 {
					t.Errorf("%d upstream calls at once, want 2", p)
				}
				t.Logf("two %v upstream calls answered in %v", delay, time.Since(start))
			}
		})
	}
}

func TestSelfURL(t *testing.T) {
	for addr, want := range map[string]string{":8080": "http://127.0.0.1:8080", "10.0.0.1:80": "http://10.0.0.1:80", "[::]:9": "http://127.0.0.1:9"} {
		if got, err := selfURL(addr); err != nil || got != want {
			t.Errorf("selfURL(%q) = %q, %v; want %q", addr, got, err, want)
		}
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
