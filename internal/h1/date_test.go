package h1

import (
	"net/http"
	"testing"
	"time"

	"github.com/eddy-go/eddy/loop"
)

// TestDateHeader checks the Date line of responses on one keep-alive
// connection: an RFC 9110 IMF-fixdate of the wall clock, for the 200
// prefix and for other statuses, and a new value once the second changes.
func TestDateHeader(t *testing.T) {
	ts := startServer(t, Config{ServerName: "eddy"}, loop.Config{Loops: 1})
	cl := ts.dial(t)
	date := func(path string, status int) time.Time {
		t.Helper()
		before := time.Now().Unix()
		cl.send(get(path))
		r := cl.read("GET")
		after := time.Now().Unix()
		if r.StatusCode != status {
			t.Fatalf("%s: status %d, want %d", path, r.StatusCode, status)
		}
		v := r.Header.Values("Date")
		if len(v) != 1 {
			t.Fatalf("%s: Date lines %q, want one", path, v)
		}
		d, err := time.Parse(http.TimeFormat, v[0])
		if err != nil || d.Format(http.TimeFormat) != v[0] || len(v[0]) != 29 {
			t.Fatalf("%s: Date %q is not an IMF-fixdate: %v", path, v[0], err)
		}
		// The loop's second is refreshed within a few ms of the change:
		// allow one second of lag on a loaded machine.
		if s := d.Unix(); s < before-1 || s > after {
			t.Fatalf("%s: Date %q, wall clock %d..%d", path, v[0], before, after)
		}
		return d
	}
	first := date("/plain?a", 200)
	date("/noroute", 404)
	deadline := time.Now().Add(10 * time.Second)
	for {
		d := date("/plain?a", 200)
		if d.After(first) {
			break
		}
		if d.Before(first) {
			t.Fatalf("Date went back from %v to %v", first, d)
		}
		if time.Now().After(deadline) {
			t.Fatalf("Date stuck at %v", first)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if d := date("/noroute", 404); d.Before(first.Add(time.Second)) {
		t.Fatalf("404 Date %v after the 200 one changed from %v", d, first)
	}
}
