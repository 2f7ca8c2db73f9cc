package h1

import (
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/eddy-go/eddy/loop"
)

// TestLargeBodyCopiedOnce: a large whole response to a client that reads
// nothing costs the handler's body plus at most one copy of what the
// kernel did not take. It was copied into the loop's output buffer and
// then again into gnet's outbound buffer (about three times the body
// allocated in all).
func TestLargeBodyCopiedOnce(t *testing.T) {
	const n = 16 << 20
	ts := startServer(t, Config{}, loop.Config{})
	cl := ts.dialWith(t, 4096)
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	cl.send(get("/big?n=" + strconv.Itoa(n)))
	waitFor(t, "the response written", 10*time.Second, func() bool { return bytesOut(ts) >= n })
	runtime.ReadMemStats(&m1)
	alloc := m1.TotalAlloc - m0.TotalAlloc
	t.Logf("a %d-byte response to a reader that reads nothing: %d bytes allocated (%.2f x the body)", n, alloc, float64(alloc)/n)
	if alloc > n*5/2 {
		t.Fatalf("%d bytes allocated for a %d-byte body (handler's copy included), want <= 2.5 x", alloc, n)
	}
}
