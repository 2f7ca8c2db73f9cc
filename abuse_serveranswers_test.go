package eddy_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eddy-go/eddy/eddytest"
)

// TestAbuseServerAnswersHooks: many clients at once send oversized, slow
// and malformed requests (and requests whose handler never answers): every
// answer is the error handler's JSON with the right status, the access log
// has exactly one line per answer, and memory and goroutines come back.
func TestAbuseServerAnswersHooks(t *testing.T) {
	var access logBuffer
	_, logs := boundedLog(t, 0)
	s := eddytest.New(t, serverAnswersApp(logs, &access))
	addr := s.App.Addr().String()

	var m0 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	g0 := runtime.NumGoroutine()

	const perCase = 12
	var (
		wg      sync.WaitGroup
		good    atomic.Int64
		bad     atomic.Int64
		mu      sync.Mutex
		byState = map[int]int{}
	)
	start := time.Now()
	for _, tc := range serverAnswerCases {
		for i := 0; i < perCase; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
				if err != nil {
					bad.Add(1)
					return
				}
				defer conn.Close()
				conn.SetDeadline(time.Now().Add(10 * time.Second))
				if _, err := io.WriteString(conn, tc.request); err != nil {
					bad.Add(1)
					return
				}
				resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
				if err != nil {
					bad.Add(1)
					t.Errorf("%s: %v", tc.name, err)
					return
				}
				body, _ := io.ReadAll(resp.Body)
				var v struct{ Status int }
				if resp.StatusCode != tc.status || resp.Header.Get("Content-Type") != "application/json" ||
					json.Unmarshal(body, &v) != nil || v.Status != tc.status || !resp.Close {
					if bad.Add(1) <= 5 {
						t.Errorf("%s: %d %q %q close=%v", tc.name, resp.StatusCode, resp.Header.Get("Content-Type"), body, resp.Close)
					}
					return
				}
				good.Add(1)
				mu.Lock()
				byState[tc.status]++
				mu.Unlock()
			}()
		}
	}
	wg.Wait()
	took := time.Since(start)

	// Each line is written before its answer goes out, so every line is
	// there once the clients have their answers.
	lines := strings.Split(strings.TrimSpace(access.String()), "\n")
	logged := map[int]int{}
	for _, l := range lines {
		var st int
		if _, err := fmt.Sscanf(l, "%d", &st); err == nil {
			logged[st]++
		}
	}
	for deadline := time.Now().Add(5 * time.Second); runtime.NumGoroutine() > g0+2 && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
	}
	runtime.GC()
	var m1 runtime.MemStats
	runtime.ReadMemStats(&m1)
	total := len(serverAnswerCases) * perCase
	t.Logf("%d hostile requests in %v: %d JSON answers from the error handler, %d wrong", total, took, good.Load(), bad.Load())
	t.Logf("answers by status %v; access log lines %d by status %v", byState, len(lines), logged)
	t.Logf("heap %d KiB -> %d KiB, goroutines %d -> %d", m0.HeapAlloc>>10, m1.HeapAlloc>>10, g0, runtime.NumGoroutine())
	if good.Load() != int64(total) {
		t.Errorf("%d of %d answers were the error handler's JSON", good.Load(), total)
	}
	if len(lines) != total {
		t.Errorf("%d access log lines for %d answers, want one each", len(lines), total)
	}
	for _, tc := range serverAnswerCases {
		if logged[tc.status] != perCase {
			t.Errorf("status %d: %d access log lines, want %d", tc.status, logged[tc.status], perCase)
		}
	}
	if took > 8*time.Second {
		t.Errorf("the attack took %v, want the slow ones cut within their timeouts", took)
	}
	if m1.HeapAlloc > m0.HeapAlloc+16<<20 {
		t.Errorf("heap grew by %d KiB", (m1.HeapAlloc-m0.HeapAlloc)>>10)
	}
	if r := s.Get(t, "/ok"); r.Text() != "ok" {
		t.Errorf("after the attack: %q", r.Text())
	}
}
