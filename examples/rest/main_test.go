package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/eddytest"
)

func start(t *testing.T, loops int) string {
	t.Helper()
	app := newApp(eddy.Config{Loops: loops})
	return eddytest.New(t, app).URL // started on 127.0.0.1:0, shut down gracefully at cleanup
}

var client = &http.Client{Timeout: 5 * time.Second}

func do(t *testing.T, method, url, body string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	return resp.StatusCode, resp.Header, b
}

// TestUsersAPI walks the API through one scenario; each step sees the state the earlier
// steps left.
func TestUsersAPI(t *testing.T) {
	base := start(t, 1)
	steps := []struct {
		method, path, body string
		status             int
		want               string // exact JSON body; "" = no body expected
	}{
		{"GET", "/users", "", 200, `[]`},
		{"POST", "/users", `{"name":"Ada","email":"ada@example.com"}`, 201, `{"id":1,"name":"Ada","email":"ada@example.com"}`},
		{"POST", "/users", `{"name":" Grace ","email":"grace@example.org"}`, 201, `{"id":2,"name":"Grace","email":"grace@example.org"}`},
		{"POST", "/users", `{"name":"Ada",`, 400, ``},
		{"POST", "/users", `[1,2]`, 400, ``},
		{"POST", "/users", ``, 400, ``},
		{"POST", "/users", `{"name":"","email":"nope"}`, 422, `{"error":"invalid fields","fields":{"email":"not an email address","name":"required"}}`},
		{"POST", "/users", `{"name":"Bob"}`, 422, `{"error":"invalid fields","fields":{"email":"required"}}`},
		{"GET", "/users/1", "", 200, `{"id":1,"name":"Ada","email":"ada@example.com"}`},
		{"GET", "/users/99", "", 404, `{"error":"no such user"}`},
		{"GET", "/users/99999999999999999999", "", 404, `{"error":"no such user"}`},
		{"GET", "/users/abc", "", 404, ``},
		{"PUT", "/users/1", `{"name":"Ada Lovelace","email":"ada@example.com"}`, 200, `{"id":1,"name":"Ada Lovelace","email":"ada@example.com"}`},
		{"PUT", "/users/1", `{"name":"Ada","email":""}`, 422, `{"error":"invalid fields","fields":{"email":"required"}}`},
		{"PUT", "/users/99", `{"name":"X","email":"x@example.com"}`, 404, `{"error":"no such user"}`},
		{"GET", "/users", "", 200, `[{"id":1,"name":"Ada Lovelace","email":"ada@example.com"},{"id":2,"name":"Grace","email":"grace@example.org"}]`},
		{"DELETE", "/users/1", "", 204, ``},
		{"DELETE", "/users/1", "", 404, `{"error":"no such user"}`},
		{"GET", "/users/1", "", 404, `{"error":"no such user"}`},
		{"PATCH", "/users/2", `{}`, 405, ``},
	}
	for i, s := range steps {
		status, header, body := do(t, s.method, base+s.path, s.body)
		if status != s.status {
			t.Fatalf("step %d: %s %s: status %d, want %d (body %q)", i, s.method, s.path, status, s.status, body)
		}
		if status == 204 {
			if len(body) != 0 {
				t.Errorf("step %d: 204 with a body %q", i, body)
			}
			continue
		}
		// Every response is JSON, and every error (the router's 404 and 405 too, through the
		// app's ErrorHandler) has a non-empty "error" member.
		if ct := header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("step %d: %s %s: Content-Type %q, want JSON", i, s.method, s.path, ct)
		}
		var e errorBody
		if err := json.Unmarshal(body, &e); status >= 400 && (err != nil || e.Error == "") {
			t.Errorf("step %d: %s %s: error body %q is not {\"error\": ...}: %v", i, s.method, s.path, body, err)
		}
		if s.want != "" && string(bytes.TrimSpace(body)) != s.want {
			t.Errorf("step %d: %s %s: body %s, want %s", i, s.method, s.path, body, s.want)
		}
		if s.method == "POST" && status == 201 && header.Get("Location") == "" {
			t.Errorf("step %d: 201 without Location", i)
		}
	}
}

// TestConcurrentCreates creates users from many clients over two loops (and so two
// goroutines touching the store at once; run with -race) and checks every ID is unique.
func TestConcurrentCreates(t *testing.T) {
	base := start(t, 2)
	const clients, each = 8, 25
	var wg sync.WaitGroup
	ids := make(chan int64, clients*each)
	errs := make(chan error, clients*each)
	for c := range clients {
		wg.Go(func() {
			for i := range each {
				body := fmt.Sprintf(`{"name":"u%d-%d","email":"u%d-%d@example.com"}`, c, i, c, i)
				resp, err := client.Post(base+"/users", "application/json", strings.NewReader(body))
				if err != nil {
					errs <- err
					return
				}
				var u User
				err = json.NewDecoder(resp.Body).Decode(&u)
				resp.Body.Close()
				if err != nil || resp.StatusCode != 201 {
					errs <- fmt.Errorf("status %d, decode %v", resp.StatusCode, err)
					return
				}
				ids <- u.ID
			}
		})
	}
	wg.Wait()
	close(ids)
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	seen := map[int64]bool{}
	for id := range ids {
		if seen[id] {
			t.Fatalf("id %d given twice", id)
		}
		seen[id] = true
	}
	_, _, body := do(t, "GET", base+"/users", "")
	var list []User
	if err := json.Unmarshal(body, &list); err != nil || len(list) != clients*each {
		t.Fatalf("list has %d users (%v), want %d", len(list), err, clients*each)
	}
}

func TestUsersCurl(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("curl not found (CI=true): apt-get install curl")
		}
		t.Skip("curl not found")
	}
	base := start(t, 1)
	run := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(curl, append([]string{"-sS", "--max-time", "5"}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("curl %v: %v: %s", args, err, out)
		}
		return string(bytes.TrimSpace(out))
	}
	if got := run("-d", `{"name":"Ada","email":"ada@example.com"}`, "-H", "Content-Type: application/json", base+"/users"); got != `{"id":1,"name":"Ada","email":"ada@example.com"}` {
		t.Errorf("create: %s", got)
	}
	if got := run(base + "/users/1"); got != `{"id":1,"name":"Ada","email":"ada@example.com"}` {
		t.Errorf("get: %s", got)
	}
	if got := run("-o", "/dev/null", "-w", "%{http_code}", "-X", "DELETE", base+"/users/1"); got != "204" {
		t.Errorf("delete: status %s", got)
	}
}
