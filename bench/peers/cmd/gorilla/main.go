// Command gorilla serves the WebSocket benchmark contract (see package contract) with
// gorilla/websocket on net/http: GET /ws echoes every message, and a "broadcast:" message is
// sent to every client as a PreparedMessage (gorilla's documented way to send one message to
// many connections), in a loop over the connections.
//
//	gorilla -addr 127.0.0.1:8080 [-deflate]
package main

import (
	"flag"
	"log"
	"net/http"
	"strings"
	"sync"

	"github.com/eddy-go/eddy/bench/peers/contract"
	"github.com/gorilla/websocket"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	deflate := flag.Bool("deflate", false, "offer permessage-deflate")
	flag.Parse()
	log.Fatal(http.ListenAndServe(*addr, newHandler(*deflate)))
}

// client is one connection; gorilla allows one concurrent writer, and broadcasts write from
// the sender's goroutine, so writes take mu.
type client struct {
	c  *websocket.Conn
	mu sync.Mutex
}

type hub struct {
	mu      sync.Mutex
	clients map[*client]struct{}
}

func newHandler(deflate bool) http.Handler {
	up := websocket.Upgrader{EnableCompression: deflate, CheckOrigin: func(*http.Request) bool { return true }}
	h := &hub{clients: map[*client]struct{}{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+contract.WSPath, func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return // Upgrade has answered with an error status
		}
		c.SetReadLimit(contract.WSMaxMessage)
		cl := &client{c: c}
		h.mu.Lock()
		h.clients[cl] = struct{}{}
		h.mu.Unlock()
		defer func() {
			h.mu.Lock()
			delete(h.clients, cl)
			h.mu.Unlock()
			c.Close()
		}()
		for {
			mt, msg, err := c.ReadMessage()
			if err != nil {
				return
			}
			if mt == websocket.TextMessage {
				if rest, ok := strings.CutPrefix(string(msg), contract.BroadcastPrefix); ok {
					h.broadcast([]byte(rest))
					continue
				}
			}
			cl.mu.Lock()
			err = c.WriteMessage(mt, msg)
			cl.mu.Unlock()
			if err != nil {
				return
			}
		}
	})
	return mux
}

func (h *hub) broadcast(p []byte) {
	pm, err := websocket.NewPreparedMessage(websocket.TextMessage, p)
	if err != nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for cl := range h.clients {
		cl.mu.Lock()
		cl.c.WritePreparedMessage(pm)
		cl.mu.Unlock()
	}
}
