package eddy_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
)

// testApp is an app with a route of each kind App.Test must run.
func testApp(t testing.TB) *eddy.App {
	// HandlerTimeout bounds /never, which a graceful shutdown waits for.
	app := eddy.New(eddy.Config{Logger: quietLogger(io.Discard), HandlerTimeout: time.Second})
	app.Use(func(next eddy.Handler) eddy.Handler {
		return func(c *eddy.Ctx) error {
			c.SetHeader("X-Middleware", "ran")
			return next(c)
		}
	})
	app.Get("/hello/{name}", func(c *eddy.Ctx) error { return c.Text("hello " + c.Param("name")) })
	app.Post("/echo", func(c *eddy.Ctx) error { return c.Text(string(c.Body())) })
	app.Get("/pool", func(c *eddy.Ctx) error { return c.Text("from the pool") }, eddy.InPool)
	app.Get("/deferred", func(c *eddy.Ctx) error {
		var v string
		return c.Go(func() error { v = "job done"; return nil }, func(c *eddy.Ctx) error { return c.Text(v) })
	})
	app.Get("/stream", func(c *eddy.Ctx) error {
		s, err := c.Stream("text/plain")
		if err != nil {
			return err
		}
		for _, part := range []string{"one ", "two ", "three"} {
			if _, err := s.WriteString(part); err != nil {
				return err
			}
		}
		return s.Close()
	})
	app.Get("/never", func(c *eddy.Ctx) error { c.Defer(); return nil })
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := app.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	return app
}

func TestAppTest(t *testing.T) {
	app := testApp(t)
	badHeader := httptest.NewRequest("GET", "/hello/x", nil)
	badHeader.Header.Set("X-Bad", "a\x00b")
	for _, tc := range []struct {
		name    string
		req     *http.Request
		status  int
		body    string
		chunked bool
	}{
		{"route with a parameter", httptest.NewRequest("GET", "/hello/ada", nil), 200, "hello ada", false},
		{"bare path request", mustRequest(t, "GET", "/hello/bob", ""), 200, "hello bob", false},
		{"body", mustRequest(t, "POST", "/echo", "ping"), 200, "ping", false},
		{"pool handler", httptest.NewRequest("GET", "/pool", nil), 200, "from the pool", false},
		{"deferred handler", httptest.NewRequest("GET", "/deferred", nil), 200, "job done", false},
		{"streamed response", httptest.NewRequest("GET", "/stream", nil), 200, "one two three", true},
		{"no route", httptest.NewRequest("GET", "/nope", nil), 404, "", false},
		{"wrong method", httptest.NewRequest("DELETE", "/pool", nil), 405, "", false},
		{"bad request", badHeader, 400, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := app.Test(tc.req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.status || (tc.body != "" && string(b) != tc.body) {
				t.Fatalf("got %d %q, want %d %q", resp.StatusCode, b, tc.status, tc.body)
			}
			if got := resp.Header.Get("X-Middleware"); tc.status != 400 && got != "ran" {
				t.Errorf("X-Middleware = %q: the middleware did not run", got)
			}
			if chunked := len(resp.TransferEncoding) > 0; chunked != tc.chunked {
				t.Errorf("chunked = %v, want %v", chunked, tc.chunked)
			}
			if resp.Request != tc.req {
				t.Error("resp.Request is not the request given")
			}
		})
	}
	if app.Addr() != nil {
		t.Errorf("Addr = %v: Test must not listen", app.Addr())
	}
}

func mustRequest(t testing.TB, method, path, body string) *http.Request {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, path, rd)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func TestAppTestTimeout(t *testing.T) {
	app := testApp(t)
	start := time.Now()
	_, err := app.Test(httptest.NewRequest("GET", "/never", nil), 100*time.Millisecond)
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("err = %v, want one wrapping os.ErrDeadlineExceeded", err)
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Fatalf("the 100 ms timeout took %v", el)
	}
	// The app still serves.
	if resp, err := app.Test(httptest.NewRequest("GET", "/hello/x", nil)); err != nil || resp.StatusCode != 200 {
		t.Fatalf("after a timeout: %v, %v", resp, err)
	}
}

func TestAppTestConcurrent(t *testing.T) {
	app := testApp(t)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 10 {
				path := []string{"/hello/g%d-%d", "/pool", "/deferred", "/stream"}[i%4]
				if i%4 == 0 {
					path = fmt.Sprintf(path, g, i)
				}
				resp, err := app.Test(httptest.NewRequest("GET", path, nil))
				if err != nil {
					errs <- err
					return
				}
				b, _ := io.ReadAll(resp.Body)
				if resp.StatusCode != 200 || len(b) == 0 {
					errs <- fmt.Errorf("%s: %d %q", path, resp.StatusCode, b)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestAppTestLifecycle(t *testing.T) {
	fdsBefore, goBefore := openFDs(t), runtime.NumGoroutine()
	app := eddy.New(eddy.Config{Logger: quietLogger(io.Discard)})
	var started, cleaned int
	app.OnStartup(func(context.Context) error { started++; return nil })
	app.OnCleanup(func(context.Context) error { cleaned++; return nil })
	app.Get("/", func(c *eddy.Ctx) error { return c.Text("ok") })
	for range 20 {
		if resp, err := app.Test(httptest.NewRequest("GET", "/", nil)); err != nil || resp.StatusCode != 200 {
			t.Fatalf("Test: %v, %v", resp, err)
		}
	}
	if started != 1 {
		t.Fatalf("OnStartup ran %d times, want once", started)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := app.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if cleaned != 1 {
		t.Fatalf("OnCleanup ran %d times, want once", cleaned)
	}
	if _, err := app.Test(httptest.NewRequest("GET", "/", nil)); err == nil {
		t.Fatal("Test after Shutdown succeeded")
	}
	waitUntil(t, 10*time.Second, "goroutines and descriptors back to their count before the app", func() bool {
		return runtime.NumGoroutine() <= goBefore && openFDs(t) <= fdsBefore
	})
}

func TestAppTestStartupFails(t *testing.T) {
	app := eddy.New(eddy.Config{Logger: quietLogger(io.Discard)})
	boom := errors.New("boom")
	app.OnStartup(func(context.Context) error { return boom })
	for range 2 {
		if _, err := app.Test(httptest.NewRequest("GET", "/", nil)); !errors.Is(err, boom) {
			t.Fatalf("Test: %v, want the startup hook's error", err)
		}
	}
}

func TestAppTestBesideListener(t *testing.T) {
	app := testApp(t)
	if err := app.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	resp, err := app.Test(httptest.NewRequest("GET", "/hello/both", nil))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("Test on a listening app: %v, %v", resp, err)
	}
	if app.Addr() == nil {
		t.Fatal("Addr is nil on an app started with Start")
	}
}

// openFDs counts the process's open descriptors.
func openFDs(t testing.TB) int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("no /proc/self/fd: %v", err)
	}
	return len(ents)
}

// TestStartEmptyAddr: an empty address is a mistake for Start (a server
// without a listener is what App.Test starts, not what Start is asked for).
func TestStartEmptyAddr(t *testing.T) {
	app := eddy.New(eddy.Config{Logger: quietLogger(io.Discard)})
	if err := app.Start(""); err == nil || app.Addr() != nil {
		t.Fatalf("Start(\"\") = %v, Addr %v; want an error and no server", err, app.Addr())
	}
	// The app was not started: Test can still start it.
	app2 := eddy.New(eddy.Config{Logger: quietLogger(io.Discard)})
	_ = app2.Start("")
	if _, err := app2.Test(httptest.NewRequest("GET", "/", nil)); err != nil {
		t.Fatalf("Test after a refused Start: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := app2.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestAppTestBodyTooLarge: the app answers 413 before it reads the whole
// body; Test returns that answer instead of blocking on the write.
func TestAppTestBodyTooLarge(t *testing.T) {
	app := eddy.New(eddy.Config{Logger: quietLogger(io.Discard), MaxBody: 1 << 10})
	app.Post("/", func(c *eddy.Ctx) error { return c.Text("read it all") })
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := app.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	big := strings.Repeat("x", 8<<20) // far past the socket buffers
	resp, err := app.Test(mustRequest(t, "POST", "/", big))
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 413 {
		t.Fatalf("status %d, want 413", resp.StatusCode)
	}
}
