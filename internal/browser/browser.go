// Package browser drives headless Chromium from tests through the DevTools
// protocol, spoken over a WebSocket with eddy's own ws package: a test
// opens pages, runs JavaScript in them and waits for conditions, with no
// npm and no browser driver to install. It is for tests only.
//
// Chromium is the Debian package "chromium" (or CHROMIUM names the binary).
// Without it, Start skips the test, except when the environment has
// CI=true: then the test fails, so CI cannot pass without running it.
//
// # Goroutines
//
// A Browser and its Pages are used by the test's goroutine.
package browser

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/eddy-go/eddy/ws"
)

// Browser is a headless Chromium process, stopped when the test ends.
type Browser struct {
	addr string // the DevTools HTTP endpoint, host:port
}

// binary returns the Chromium executable, or "" if there is none.
func binary() string {
	if b := os.Getenv("CHROMIUM"); b != "" {
		return b
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// Start runs headless Chromium for t. It skips t when Chromium is missing,
// unless CI=true, where it fails t.
func Start(t testing.TB) *Browser {
	t.Helper()
	bin := binary()
	if bin == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("browser: chromium is not installed (CI installs the Debian package chromium)")
		}
		t.Skip("browser: chromium is not installed; skipping the browser test")
	}
	dir := t.TempDir()
	cmd := exec.Command(bin, "--headless=new", "--no-sandbox", "--disable-gpu",
		"--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check",
		"--disable-extensions", "--disable-background-networking",
		"--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
		"--user-data-dir="+dir, "about:blank")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("browser: starting %s: %v", bin, err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	// Chromium writes the port it bound to this file once it listens.
	portFile := filepath.Join(dir, "DevToolsActivePort")
	deadline := time.Now().Add(30 * time.Second)
	for {
		if b, err := os.ReadFile(portFile); err == nil {
			if port, _, ok := strings.Cut(string(b), "\n"); ok && port != "" {
				return &Browser{addr: "127.0.0.1:" + port}
			}
		}
		select {
		case <-exited:
			t.Fatalf("browser: chromium exited at start: %s", stderr.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("browser: chromium did not open its DevTools port in 30 s: %s", stderr.String())
		}
	}
}

// Page is one browser tab.
type Page struct {
	t  testing.TB
	c  net.Conn
	br *bufio.Reader
	p  ws.Parser
	in []byte
	id int
}

// Open opens a new tab on pageURL and connects to it. The tab is closed
// when the test ends.
func (b *Browser) Open(t testing.TB, pageURL string) *Page {
	t.Helper()
	req, err := http.NewRequest("PUT", "http://"+b.addr+"/json/new?"+url.QueryEscape(pageURL), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("browser: opening a tab: %v", err)
	}
	defer resp.Body.Close()
	var target struct {
		ID, WebSocketDebuggerURL string
	}
	if err := json.NewDecoder(resp.Body).Decode(&target); err != nil || target.WebSocketDebuggerURL == "" {
		t.Fatalf("browser: opening a tab: status %d, %v", resp.StatusCode, err)
	}
	p := &Page{t: t}
	p.connect(target.WebSocketDebuggerURL)
	t.Cleanup(func() {
		p.c.Close()
		if r, err := http.Get("http://" + b.addr + "/json/close/" + target.ID); err == nil {
			r.Body.Close()
		}
	})
	return p
}

// connect opens the tab's DevTools WebSocket.
func (p *Page) connect(wsURL string) {
	t := p.t
	t.Helper()
	u, err := url.Parse(wsURL)
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.DialTimeout("tcp", u.Host, 10*time.Second)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	key := ws.NewKey()
	req := []byte("GET " + u.RequestURI() + " HTTP/1.1\r\nHost: " + u.Host + "\r\n")
	req = ws.AppendRequestHeaders(req, key[:], nil)
	req = append(req, "\r\n"...)
	if _, err := c.Write(req); err != nil {
		t.Fatalf("browser: %v", err)
	}
	p.c, p.br = c, bufio.NewReader(c)
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(p.br, &http.Request{Method: "GET"})
	if err != nil || resp.StatusCode != 101 {
		t.Fatalf("browser: DevTools handshake: %v %v", resp, err)
	}
	p.p.Role = ws.RoleClient
	p.p.MaxMessage = 64 << 20
}

// Eval runs the JavaScript expression expr in the page (awaiting it if it
// is a promise) and decodes its value into v (which may be nil). A thrown
// exception fails t.
func (p *Page) Eval(expr string, v any) {
	p.t.Helper()
	if err := p.eval(expr, v); err != nil {
		p.t.Fatalf("browser: %s: %v", expr, err)
	}
}

func (p *Page) eval(expr string, v any) error {
	p.id++
	msg, _ := json.Marshal(map[string]any{"id": p.id, "method": "Runtime.evaluate", "params": map[string]any{
		"expression": expr, "awaitPromise": true, "returnByValue": true}})
	if _, err := p.c.Write(ws.AppendMaskedFrame(nil, ws.OpText, true, msg, ws.NewMaskKey())); err != nil {
		return err
	}
	for {
		data, err := p.read()
		if err != nil {
			return err
		}
		var r struct {
			ID     int
			Error  *struct{ Message string }
			Result struct {
				Result           struct{ Value json.RawMessage }
				ExceptionDetails *struct {
					Text      string
					Exception struct{ Description string }
				}
			}
		}
		if err := json.Unmarshal(data, &r); err != nil {
			return err
		}
		if r.ID != p.id {
			continue // an event, or an earlier answer
		}
		switch {
		case r.Error != nil:
			return errors.New(r.Error.Message)
		case r.Result.ExceptionDetails != nil:
			return fmt.Errorf("%s %s", r.Result.ExceptionDetails.Text, r.Result.ExceptionDetails.Exception.Description)
		case v == nil || len(r.Result.Result.Value) == 0:
			return nil
		}
		return json.Unmarshal(r.Result.Result.Value, v)
	}
}

// WaitFor evaluates the boolean expression cond until it is true, failing
// t after d; what describes it in the failure.
func (p *Page) WaitFor(d time.Duration, what, cond string) {
	p.t.Helper()
	deadline := time.Now().Add(d)
	for {
		var ok bool
		err := p.eval("!!("+cond+")", &ok)
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			var body string
			_ = p.eval("document.body ? document.body.textContent : ''", &body)
			p.t.Fatalf("browser: timed out waiting for %s (%v); the page shows:\n%s", what, err, body)
		}
		time.Sleep(20 * time.Millisecond) // polling the page: there is no event to wait on
	}
}

// read returns the next text message from DevTools.
func (p *Page) read() ([]byte, error) {
	p.c.SetReadDeadline(time.Now().Add(30 * time.Second))
	buf := make([]byte, 32<<10)
	for {
		if len(p.in) > 0 {
			n, m, err := p.p.Feed(p.in)
			p.in = p.in[n:]
			if err != nil {
				return nil, err
			}
			switch m.Op {
			case ws.OpText, ws.OpBinary:
				return bytes.Clone(m.Payload), nil
			case ws.OpClose:
				return nil, io.EOF
			}
			if m.Op != 0 {
				continue
			}
		}
		n, err := p.br.Read(buf)
		if err != nil {
			return nil, err
		}
		p.in = append(p.in, buf[:n]...)
	}
}
