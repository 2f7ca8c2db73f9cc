package client

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
)

func TestRedirects(t *testing.T) {
	// /r/<code>/<n> redirects n times with code, then /end echoes the request.
	var mux http.ServeMux
	mux.HandleFunc("/r/{code}/{n}", func(w http.ResponseWriter, r *http.Request) {
		var code, n int
		fmt.Sscan(r.PathValue("code"), &code)
		fmt.Sscan(r.PathValue("n"), &n)
		to := "/end"
		if n > 1 {
			to = fmt.Sprintf("/r/%d/%d", code, n-1)
		}
		http.Redirect(w, r, to, code)
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop", http.StatusFound) })
	mux.HandleFunc("/end", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "%s %s", r.Method, b)
	})
	ts := newHTTPServer(t, &mux)
	for _, tc := range []struct {
		method, path string
		maxRedirects int
		want         string // body at the end; "" with wantErr
		wantHist     int
		wantErr      error
		wantStatus   int
	}{
		{"GET", "/r/301/1", 0, "GET ", 1, nil, 200},
		{"POST", "/r/301/1", 0, "GET ", 1, nil, 200},
		{"POST", "/r/302/2", 0, "GET ", 2, nil, 200},
		{"POST", "/r/303/1", 0, "GET ", 1, nil, 200},
		{"PUT", "/r/303/1", 0, "GET ", 1, nil, 200},
		{"POST", "/r/307/3", 0, "POST data", 3, nil, 200},
		{"PUT", "/r/308/1", 0, "PUT data", 1, nil, 200},
		{"GET", "/r/302/10", 0, "GET ", 10, nil, 200},
		{"GET", "/r/302/11", 0, "", 0, ErrTooManyRedirects, 0},
		{"GET", "/r/302/3", 2, "", 0, ErrTooManyRedirects, 0},
		{"GET", "/loop", 0, "", 0, ErrTooManyRedirects, 0},
		{"GET", "/r/302/1", -1, "", 0, nil, 302},
	} {
		t.Run(tc.method+tc.path, func(t *testing.T) {
			s := newSession(t, Config{MaxRedirects: tc.maxRedirects})
			var body io.Reader
			if tc.method != "GET" {
				body = strings.NewReader("data")
			}
			req, _ := NewRequest(tc.method, ts.URL+tc.path, body)
			resp, err := s.Do(ctxT(t), req)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err %v, want %v", err, tc.wantErr)
			}
			if err != nil {
				return
			}
			txt, err := resp.Text()
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.wantStatus)
			}
			if tc.want != "" && txt != tc.want {
				t.Errorf("body %q, want %q", txt, tc.want)
			}
			if len(resp.History) != tc.wantHist {
				t.Errorf("history %d, want %d", len(resp.History), tc.wantHist)
			}
		})
	}
}

// TestRedirectCredentials: Authorization and Cookie set by the caller follow a
// redirect to the same host, never to another one.
func TestRedirectCredentials(t *testing.T) {
	seen := make(chan string, 4)
	other := newHTTPServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen <- "other auth=" + r.Header.Get("Authorization") + " cookie=" + r.Header.Get("Cookie")
	}))
	// "localhost" is another host than "127.0.0.1" for the rules.
	otherURL := strings.Replace(other.URL, "127.0.0.1", "localhost", 1)
	var mux http.ServeMux
	mux.HandleFunc("/same", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/here", http.StatusFound) })
	mux.HandleFunc("/here", func(w http.ResponseWriter, r *http.Request) {
		seen <- "same auth=" + r.Header.Get("Authorization") + " cookie=" + r.Header.Get("Cookie")
	})
	mux.HandleFunc("/away", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, otherURL+"/x", http.StatusTemporaryRedirect)
	})
	ts := newHTTPServer(t, &mux)
	s := newSession(t, Config{})
	for path, want := range map[string]string{
		"/same": "same auth=Bearer t cookie=c=1",
		"/away": "other auth= cookie=",
	} {
		req, _ := NewRequest("GET", ts.URL+path, nil)
		req.Header.Set("Authorization", "Bearer t")
		req.Header.Set("Cookie", "c=1")
		resp, err := s.Do(ctxT(t), req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Close()
		if got := <-seen; got != want {
			t.Errorf("%s: %q, want %q", path, got, want)
		}
	}
}

func TestCookieJar(t *testing.T) {
	var mux http.ServeMux
	mux.HandleFunc("/set", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "session", Value: "abc", Path: "/"})
		http.Redirect(w, r, "/get", http.StatusFound)
	})
	mux.HandleFunc("/get", func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie("session")
		if err != nil {
			io.WriteString(w, "none")
			return
		}
		io.WriteString(w, c.Value)
	})
	ts := newHTTPServer(t, &mux)
	jar, _ := cookiejar.New(nil)
	s := newSession(t, Config{Jar: jar})
	for _, path := range []string{"/set", "/get"} { // set during a redirect, sent after it and later
		resp, err := s.Get(ctxT(t), ts.URL+path)
		if err != nil {
			t.Fatal(err)
		}
		if txt, _ := resp.Text(); txt != "abc" {
			t.Errorf("%s: cookie %q, want abc", path, txt)
		}
	}
}
