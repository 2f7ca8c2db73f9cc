package h1

import (
	"strings"
	"testing"
)

// directHandler is a DirectServer: /panic panics in ServeDirect, /route
// panics in Route, /hold detaches and is answered later by the test, any
// other path is answered 200 with its path on the loop.
type directHandler struct {
	held                     *Exchange
	direct, general, recover int // releases by ServeDirect and by Release; Recover calls
	recovered                any
}

func (h *directHandler) Route(x *Exchange) Plan {
	if string(x.Request().Path()) == "/route" {
		panic("route panic")
	}
	return Plan{}
}

func (h *directHandler) Serve(x *Exchange) {
	panic("h1: Serve called for a DirectServer's bare request")
}

func (h *directHandler) ServeDirect(x *Exchange) bool {
	switch p := string(x.Request().Path()); p {
	case "/panic":
		panic("handler panic")
	case "/hold":
		x.Detach()
		h.held = x
	default:
		x.Respond(200, nil, []byte(p))
	}
	if !x.Settle() {
		return false
	}
	h.direct++
	return true
}

func (h *directHandler) Recover(x *Exchange, v any) {
	h.recover++
	h.recovered = v
	x.Respond(500, nil, []byte("recovered"))
}

func (h *directHandler) Release(x *Exchange) { h.general++ }

// TestDirectServer checks the one-call path for a bare on-loop request and
// the batch's recover: a panic in ServeDirect is answered by Recover in
// its place and the rest of the batch is served in order; a request not
// answered at once (Settle false) is released later through Release; a
// panic outside ServeDirect (in Route) is not recovered.
func TestDirectServer(t *testing.T) {
	get := func(p string) string { return "GET " + p + " HTTP/1.1\r\nHost: a\r\n\r\n" }
	cases := []struct {
		name                     string
		in                       string
		hold                     bool // answer /hold after the batch
		bodies                   []string
		direct, general, recover int
	}{
		{name: "answered at once: one call each", in: get("/a") + get("/b"),
			bodies: []string{"/a", "/b"}, direct: 2},
		{name: "a panic is recovered and the batch goes on", in: get("/a") + get("/panic") + get("/b"),
			bodies: []string{"/a", "recovered", "/b"}, direct: 2, general: 1, recover: 1},
		{name: "two panics in one batch", in: get("/panic") + get("/panic") + get("/c"),
			bodies: []string{"recovered", "recovered", "/c"}, direct: 1, general: 2, recover: 2},
		{name: "behind a held request: released later", in: get("/hold") + get("/b"), hold: true,
			bodies: []string{"held", "/b"}, general: 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := &directHandler{}
			w := newFakeWire(t, Config{}, h, newFakeLoop(1))
			w.arrive([]byte(tc.in))
			if tc.hold {
				if h.held == nil {
					t.Fatal("/hold was not served")
				}
				h.held.Respond(200, nil, []byte("held")) // as from another goroutine
				for w.l.step() {
				}
			}
			out := w.fc.out.String()
			if got := strings.Count(out, "HTTP/1.1 "); got != len(tc.bodies) {
				t.Fatalf("%d responses, want %d:\n%s", got, len(tc.bodies), out)
			}
			rest := out
			for _, b := range tc.bodies {
				i := strings.Index(rest, "\r\n\r\n"+b)
				if i < 0 {
					t.Fatalf("response %q missing or out of order:\n%s", b, out)
				}
				rest = rest[i+4+len(b):]
			}
			if h.direct != tc.direct || h.general != tc.general || h.recover != tc.recover {
				t.Errorf("released %d by ServeDirect, %d by Release, %d recovered; want %d, %d, %d",
					h.direct, h.general, h.recover, tc.direct, tc.general, tc.recover)
			}
			if tc.recover > 0 && h.recovered != "handler panic" {
				t.Errorf("Recover got %v", h.recovered)
			}
			if w.c.head != nil || w.ls.resume != 0 {
				t.Errorf("after the batch: FIFO head %p, resume %d", w.c.head, w.ls.resume)
			}
			// The batch's borrowed views (the input, the exchange served
			// last) are not kept past it, on the usual end as after unwind.
			if w.ls.in != nil || w.ls.serving != nil {
				t.Errorf("after the batch: ls.in %d bytes (nil: %v), ls.serving %p; want nil",
					len(w.ls.in), w.ls.in == nil, w.ls.serving)
			}
		})
	}
}

// TestDirectServerRoutePanic checks that a panic outside ServeDirect goes
// on unrecovered, with its own value.
func TestDirectServerRoutePanic(t *testing.T) {
	h := &directHandler{}
	w := newFakeWire(t, Config{}, h, newFakeLoop(1))
	defer func() {
		if v := recover(); v != "route panic" {
			t.Fatalf("recovered %v, want Route's panic", v)
		}
		if h.recover != 0 {
			t.Fatalf("Recover ran for a panic in Route")
		}
	}()
	w.arrive([]byte("GET /a HTTP/1.1\r\nHost: a\r\n\r\nGET /route HTTP/1.1\r\nHost: a\r\n\r\n"))
	t.Fatal("Route's panic did not reach the caller")
}
