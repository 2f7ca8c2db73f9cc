package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/eddytest"
)

// gatedDB blocks every Report until release is closed, and announces each call on started.
type gatedDB struct {
	started  chan string
	release  chan struct{}
	finished atomic.Int32
}

func (d *gatedDB) Report(ctx context.Context, id string) (string, error) {
	d.started <- id
	defer d.finished.Add(1)
	select {
	case <-d.release:
		return "report " + id, nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// workers is the pool size of the test app: enough for every report of the test at once.
const workers = 8

func start(t *testing.T, db database) string {
	t.Helper()
	// One loop: if a blocking handler ran on it, nothing else could be served.
	app := newApp(eddy.Config{Loops: 1, PoolWorkers: workers}, db)
	return eddytest.New(t, app).URL // started on 127.0.0.1:0, shut down gracefully at cleanup
}

type result struct {
	id     string
	status int
	body   string
	err    error
}

func get(client *http.Client, url string) (int, string, error) {
	resp, err := client.Get(url)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// TestLoopServesWhileBlocked holds n blocking reports in the pool, then shows /ping is
// answered while every one of them is still pending, then lets them finish.
func TestLoopServesWhileBlocked(t *testing.T) {
	const n = workers / 2
	db := &gatedDB{started: make(chan string, n), release: make(chan struct{})}
	base := start(t, db)
	client := &http.Client{Timeout: 10 * time.Second}
	released := false
	defer func() {
		if !released {
			close(db.release)
		}
	}()

	results := make(chan result, n)
	for i := range n {
		id := fmt.Sprint(i)
		go func() {
			status, body, err := get(client, base+"/report/"+id)
			results <- result{id, status, body, err}
		}()
	}
	deadline := time.After(10 * time.Second)
	for range n {
		select {
		case <-db.started:
		case <-deadline:
			t.Fatal("the blocking handlers did not all start: are they stalling the loop?")
		}
	}

	// Every report is blocked inside the database; the one loop must still answer.
	for range 3 {
		status, body, err := get(client, base+"/ping")
		if err != nil || status != 200 || body != "pong" {
			t.Fatalf("GET /ping while %d reports block: %d %q %v", n, status, body, err)
		}
	}
	if f := db.finished.Load(); f != 0 {
		t.Fatalf("%d reports finished before release; the test proves nothing", f)
	}
	select {
	case r := <-results:
		t.Fatalf("report %s answered before release: %d %q %v", r.id, r.status, r.body, r.err)
	default:
	}

	close(db.release)
	released = true
	for range n {
		r := <-results // the client's timeout bounds the wait
		if r.err != nil || r.status != 200 {
			t.Fatalf("report %s: %d %q %v", r.id, r.status, r.body, r.err)
		}
		var got map[string]string
		if err := json.Unmarshal([]byte(r.body), &got); err != nil || got["id"] != r.id || got["report"] != "report "+r.id {
			t.Errorf("report %s: body %q (%v)", r.id, r.body, err)
		}
	}
}

// TestSleepyDB runs the real example (time.Sleep database) once, over curl.
func TestSleepyDBCurl(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("curl not found (CI=true): apt-get install curl")
		}
		t.Skip("curl not found")
	}
	base := start(t, &sleepyDB{delay: 10 * time.Millisecond})
	out, err := exec.Command(curl, "-sS", "--max-time", "5", "--fail", base+"/report/7").CombinedOutput()
	if err != nil {
		t.Fatalf("curl: %v: %s", err, out)
	}
	var got map[string]string
	if err := json.Unmarshal(out, &got); err != nil || got["report"] != "report 7 is ready" {
		t.Errorf("curl /report/7: %q (%v)", out, err)
	}
}
