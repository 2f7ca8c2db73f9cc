package h1

import "testing"

// abandonHandler abandons every exchange it is given back.
type abandonHandler struct{ plainHandler }

func (abandonHandler) Release(x *Exchange) { x.Abandon() }

// TestAbandonReturnsBodyBudget: an exchange whose body was still arriving
// when its connection went, and which Release abandons (so it is never
// reset), gives its loop's body budget back.
func TestAbandonReturnsBodyBudget(t *testing.T) {
	l := newFakeLoop(1)
	w := newFakeWire(t, Config{}, abandonHandler{}, l)
	w.arrive([]byte("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n0123456789"))
	if w.ls.bodyBytes == 0 {
		t.Fatal("the arriving body was not charged to the budget")
	}
	w.lose()
	if w.ls.bodyBytes != 0 {
		t.Fatalf("%d bytes still charged after the abandoned exchange left", w.ls.bodyBytes)
	}
}
