package eddy

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unsafe"
)

// TestStaleCallInsideAbandonsState: a Ctx method call still running when
// its request ends (simulated by entering a call and not leaving it) makes
// Release leave the state and its exchange to that call: the next request
// gets fresh state, and the caller, once done, sees the Ctx stale.
func TestStaleCallInsideAbandonsState(t *testing.T) {
	a := New(Config{Loops: 1, Logger: slogTo(io.Discard)})
	seen := make(chan *Ctx, 2)
	a.Get("/", func(c *Ctx) error {
		seen <- c
		return c.Text("ok")
	})
	a.Get("/hold", func(c *Ctx) error {
		if !c.enter() { // as a goroutine inside a method would
			t.Error("a live Ctx did not enter")
		}
		seen <- c
		return c.Text("ok")
	})
	if err := a.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = a.Shutdown(ctx)
	}()
	cl := &http.Client{Timeout: 10 * time.Second}
	get := func(path string) {
		resp, err := cl.Get("http://" + a.Addr().String() + path)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}

	// Warm: consecutive requests reuse the state.
	get("/")
	get("/")
	c1, c2 := <-seen, <-seen
	if c1.ctxState != c2.ctxState {
		t.Fatalf("states not reused across requests: the test cannot tell abandonment apart")
	}
	if c1.enter() {
		t.Fatal("an ended request's Ctx entered")
	}

	// A call inside when the request ends.
	get("/hold")
	held := <-seen
	if held.ctxState != c1.ctxState {
		t.Fatalf("/hold did not reuse the state")
	}
	get("/")
	next := <-seen
	if next.ctxState == held.ctxState {
		t.Errorf("the state was reused while a call was inside")
	}
	if !held.responded || held.status != 200 {
		t.Errorf("the abandoned state was reset under the call (responded %v, status %d)", held.responded, held.status)
	}
	held.exit()
	if held.enter() {
		t.Errorf("the held Ctx entered after its request ended")
	}
	get("/")
	if c := <-seen; c.ctxState != next.ctxState {
		t.Errorf("the fresh state is not reused afterwards")
	}
}

// BenchmarkStaleGuard measures what stale detection costs a request: the
// per-request handle (allocation and Release's generation bump and busy
// check), and one guarded method call against the bare field read it
// wraps.
func BenchmarkStaleGuard(b *testing.B) {
	s := &ctxState{status: 201}
	b.Run("handle+release", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if s.slabUsed() {
				s.newSlab()
			}
			c := s.newHandle()
			sinkCtx = c
			s.generation.Add(1)
			if s.busy.Load() != 0 {
				b.Fatal("busy")
			}
		}
	})
	c := &Ctx{ctxState: s, gen: s.generation.Load()}
	b.Run("guarded-call", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			sinkInt += c.StatusCode()
		}
	})
	b.Run("bare-field", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			sinkInt += c.status
		}
	})
}

var (
	sinkCtx *Ctx
	sinkInt int
)

// TestResetBoundsEncodeBuffers: reset keeps the encoder buffers of an
// ordinary response for the next request, and releases the ones a large
// response grew past maxKeptEnc (a compressed body of a few MiB would
// otherwise stay pinned on the state for the connection's life).
func TestResetBoundsEncodeBuffers(t *testing.T) {
	cases := []struct {
		name string
		cap  int
		kept bool
	}{
		{"small", 4 << 10, true},
		{"at the bound", maxKeptEnc, true},
		{"past the bound", maxKeptEnc + 1, false},
		{"large", 4 << 20, false},
	}
	for _, tc := range cases {
		s := &ctxState{used: true} // as a request with an encoder: its OnPrepare hook marks the state used
		s.encIn = make([]byte, 10, tc.cap)
		s.encOut = make([]byte, 10, tc.cap)
		s.encTail = make([]byte, 10, tc.cap)
		s.reset()
		for _, b := range []struct {
			name string
			buf  []byte
		}{{"encIn", s.encIn}, {"encOut", s.encOut}, {"encTail", s.encTail}} {
			switch {
			case len(b.buf) != 0:
				t.Errorf("%s: %s holds %d bytes after reset", tc.name, b.name, len(b.buf))
			case tc.kept && cap(b.buf) != tc.cap:
				t.Errorf("%s: %s capacity %d after reset, want %d kept", tc.name, b.name, cap(b.buf), tc.cap)
			case !tc.kept && cap(b.buf) != 0:
				t.Errorf("%s: %s capacity %d after reset, want it released", tc.name, b.name, cap(b.buf))
			}
		}
	}
}

// TestResetUsedState: each field that only some requests change is cleared
// by reset when the request marked the state used, as the code that sets
// it does; left unmarked, leftover reports it (the check eddydebug builds
// make in reset), so a setter that forgets the mark is caught.
func TestResetUsedState(t *testing.T) {
	cases := []struct {
		name string
		set  func(s *ctxState)
	}{
		{"decoded path", func(s *ctxState) { s.pathBuf, s.decoded = append(s.pathBuf, "/a b"...), true }},
		{"query", func(s *ctxState) { _ = s.query.parseURLEncoded([]byte("a=1"), 10); s.queryDone = true }},
		{"form", func(s *ctxState) { s.formDone, s.formErr = true, errors.New("bad form") }},
		{"state", func(s *ctxState) { s.state = append(s.state, 1) }},
		{"OnFinish", func(s *ctxState) { s.onFinish = append(s.onFinish, func(*Ctx) {}) }},
		{"OnPrepare", func(s *ctxState) { s.prepare = append(s.prepare, func(*Ctx) {}) }},
		{"preparing", func(s *ctxState) { s.preparing, s.prepBody, s.prepStream = true, []byte("b"), true }},
		{"encoder", func(s *ctxState) { s.enc = &BodyEncoder{} }},
		{"encoder buffers", func(s *ctxState) {
			s.encIn, s.encOut, s.encTail = []byte("i"), []byte("o"), []byte("t")
		}},
		{"request body", func(s *ctxState) { s.reqBody, s.reqBodySet = []byte("b"), true }},
		{"remote address", func(s *ctxState) { s.remote = &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1} }},
		{"error body", func(s *ctxState) { s.scratch = append(s.scratch, "{}"...) }},
		{"body reader", func(s *ctxState) { s.bodyRd.buf.Reset([]byte("body")) }},
		{"stream", func(s *ctxState) { s.streaming = true }},
		{"start", func(s *ctxState) { s.start = time.Unix(1, 0) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := &ctxState{}
			tc.set(s)
			if !s.leftover() {
				t.Fatal("leftover does not see the field: an unmarked setter would go unnoticed")
			}
			s.used = true
			s.reset()
			if s.leftover() || s.used {
				t.Fatalf("after reset: leftover %v, used %v; want both false", s.leftover(), s.used)
			}
		})
	}
}

// TestCtxHandleSize: a handle is taken per request (from a slab of
// handleSlab) and is the garbage every request leaves, so a field added to
// Ctx must fit in its padding.
func TestCtxHandleSize(t *testing.T) {
	if n := unsafe.Sizeof(Ctx{}); n > 16 {
		t.Errorf("Ctx is %d bytes, want at most 16", n)
	}
}

// TestJSONBufferBounded: the state's JSON buffer is kept for the next
// answer while small, and let go after an answer that grew it past
// maxKeptEnc, by both of JSON's paths (its own writer for a simple struct,
// encoding/json for the rest): one large list must not stay held by every
// state that ever served one.
func TestJSONBufferBounded(t *testing.T) {
	type item struct{ Name string }
	big := item{Name: strings.Repeat("x", 2*maxKeptEnc)}
	cases := []struct {
		name string
		v    any
		kept bool
	}{
		{"small struct", item{Name: "a"}, true},
		{"large struct", big, false},
		{"small map", map[string]int{"a": 1}, true},
		{"large map", map[string]string{"a": big.Name}, false},
	}
	for _, tc := range cases {
		capAfter := make(chan int, 1)
		app := New(Config{})
		app.Get("/", func(c *Ctx) error {
			err := c.JSON(tc.v)
			capAfter <- cap(c.jsonBuf.b)
			return err
		})
		resp, err := app.Test(httptest.NewRequest("GET", "/", nil))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("%s: status %d", tc.name, resp.StatusCode)
		}
		switch got := <-capAfter; {
		case tc.kept && got == 0:
			t.Errorf("%s: the buffer was let go after a small answer", tc.name)
		case !tc.kept && got != 0:
			t.Errorf("%s: the buffer (capacity %d) is still held after a large answer", tc.name, got)
		}
	}
}
