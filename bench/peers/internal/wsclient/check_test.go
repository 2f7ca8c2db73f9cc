package wsclient

import (
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/eddy-go/eddy/bench/peers/contract"
	"github.com/gorilla/websocket"
)

// serveWS starts a gorilla server on 127.0.0.1:0: /ws echoes (and, with broadcast, sends a
// "broadcast:" message's rest to every client), /room broadcasts every message to every client.
func serveWS(t *testing.T, broadcast bool) string {
	t.Helper()
	var mu sync.Mutex
	clients := map[*websocket.Conn]*sync.Mutex{}
	up := websocket.Upgrader{}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/{path}", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/ws" && r.URL.Path != "/room" {
			http.NotFound(w, r)
			return
		}
		// The 101 is written and the client registered under one hold of mu: a room
		// message sent once the client's upgrade returned (checkBroadcast's proof) must
		// reach it. Registered after the 101 instead, a second client's message could be
		// broadcast before this handler ran again, and the first client never got it.
		mu.Lock()
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			mu.Unlock()
			return
		}
		c.SetReadLimit(contract.WSMaxMessage)
		wmu := &sync.Mutex{}
		clients[c] = wmu
		mu.Unlock()
		defer func() {
			mu.Lock()
			delete(clients, c)
			mu.Unlock()
			c.Close()
		}()
		for {
			mt, msg, err := c.ReadMessage()
			if err != nil {
				return
			}
			rest, ok := strings.CutPrefix(string(msg), contract.BroadcastPrefix)
			if r.URL.Path == "/room" {
				rest, ok = string(msg), true
			}
			if ok && broadcast {
				mu.Lock()
				for oc, omu := range clients {
					omu.Lock()
					oc.WriteMessage(websocket.TextMessage, []byte(rest))
					omu.Unlock()
				}
				mu.Unlock()
				continue
			}
			wmu.Lock()
			c.WriteMessage(mt, msg)
			wmu.Unlock()
		}
	})
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

func TestCheck(t *testing.T) {
	good, echoOnly := serveWS(t, true), serveWS(t, false)
	cases := []struct {
		name string
		addr string
		bc   Broadcast
		bad  []string // substrings of the violations expected, in order
	}{
		{name: "contract", addr: good, bc: ContractBroadcast},
		{name: "room", addr: good, bc: Broadcast{Path: "/room"}},
		{name: "no broadcast", addr: echoOnly, bc: ContractBroadcast, bad: []string{
			`broadcast to client 1: got op 1 "broadcast:to everyone"`, "i/o timeout"}},
		{name: "no such path", addr: good, bc: Broadcast{Path: "/nowhere", Prefix: "b:"}, bad: []string{"broadcast: GET /nowhere upgrade"}},
	}
	for _, c := range cases {
		got := Check(c.addr, false, c.bc)
		if len(got) != len(c.bad) {
			t.Errorf("%s: violations %q, want %d", c.name, got, len(c.bad))
			continue
		}
		for i, want := range c.bad {
			if !strings.Contains(got[i], want) {
				t.Errorf("%s: violation %q, want one containing %q", c.name, got[i], want)
			}
		}
	}
	// A server without permessage-deflate, checked with it.
	if got := Check(good, true, ContractBroadcast); len(got) != 1 || !strings.Contains(got[0], "permessage-deflate offered, not accepted") {
		t.Errorf("deflate: violations %q", got)
	}
}

func TestProbeSanity(t *testing.T) {
	res := Probe(serveWS(t, true), 200e6)
	if len(res) != len(ProbeCases()) {
		t.Fatalf("%d results for %d cases", len(res), len(ProbeCases()))
	}
	want := map[string]string{ // gorilla without permessage-deflate: known outcomes
		"ping answered with pong":   "pong",
		"bad UTF-8 in text":         "accepted it (echoed)",
		"RSV1 without an extension": "close 1002",
		"pmd: compressed echo":      "n/a (no permessage-deflate)",
	}
	for _, r := range res {
		if w, ok := want[r.Case]; ok && r.Got != w {
			t.Errorf("%s: got %q, want %q", r.Case, r.Got, w)
		}
	}
}
