// Command gobwas serves the WebSocket benchmark contract (see package contract) with gobwas/ws
// on net/http in its usual style: ws.UpgradeHTTP, then one goroutine per connection reading
// with wsutil.ReadClientData and answering with wsutil.WriteServerMessage (the message limit
// is wsutil.SetMaxMessageSize). A "broadcast:" message is written to every client in a loop
// over the connections. No permessage-deflate: gobwas offers it only through lower-level
// plumbing (wsflate) that its usual style does not use.
//
//	gobwas -addr 127.0.0.1:8080
package main

import (
	"flag"
	"log"
	"net"
	"net/http"
	"strings"
	"sync"

	"github.com/eddy-go/eddy/bench/peers/contract"
	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	flag.Parse()
	wsutil.SetMaxMessageSize(contract.WSMaxMessage)
	log.Fatal(http.ListenAndServe(*addr, newHandler()))
}

// client is one connection; writes come from its reader and from broadcasts, so they take mu.
type client struct {
	c  net.Conn
	mu sync.Mutex
}

type hub struct {
	mu      sync.Mutex
	clients map[*client]struct{}
}

func newHandler() http.Handler {
	h := &hub{clients: map[*client]struct{}{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+contract.WSPath, func(w http.ResponseWriter, r *http.Request) {
		conn, _, _, err := ws.UpgradeHTTP(r, w)
		if err != nil {
			return // UpgradeHTTP has answered with an error status
		}
		cl := &client{c: conn}
		h.mu.Lock()
		h.clients[cl] = struct{}{}
		h.mu.Unlock()
		go func() {
			defer func() {
				h.mu.Lock()
				delete(h.clients, cl)
				h.mu.Unlock()
				conn.Close()
			}()
			for {
				msg, op, err := wsutil.ReadClientData(conn)
				if err != nil {
					return
				}
				if op == ws.OpText {
					if rest, ok := strings.CutPrefix(string(msg), contract.BroadcastPrefix); ok {
						h.broadcast([]byte(rest))
						continue
					}
				}
				cl.mu.Lock()
				err = wsutil.WriteServerMessage(conn, op, msg)
				cl.mu.Unlock()
				if err != nil {
					return
				}
			}
		}()
	})
	return mux
}

func (h *hub) broadcast(p []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for cl := range h.clients {
		cl.mu.Lock()
		wsutil.WriteServerMessage(cl.c, ws.OpText, p)
		cl.mu.Unlock()
	}
}
