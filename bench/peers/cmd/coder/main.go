// Command coder serves the WebSocket benchmark contract (see package contract) with
// coder/websocket on net/http: GET /ws echoes every message (Read, then Write), and a
// "broadcast:" message is written to every client in a loop over the connections (Write is
// safe for concurrent use).
//
//	coder -addr 127.0.0.1:8080 [-deflate]
package main

import (
	"context"
	"flag"
	"log"
	"net/http"
	"strings"
	"sync"

	"github.com/coder/websocket"
	"github.com/eddy-go/eddy/bench/peers/contract"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	deflate := flag.Bool("deflate", false, "offer permessage-deflate (context takeover)")
	flag.Parse()
	log.Fatal(http.ListenAndServe(*addr, newHandler(*deflate)))
}

type hub struct {
	mu      sync.Mutex
	clients map[*websocket.Conn]struct{}
}

func newHandler(deflate bool) http.Handler {
	opts := &websocket.AcceptOptions{InsecureSkipVerify: true, CompressionMode: websocket.CompressionDisabled}
	if deflate {
		opts.CompressionMode = websocket.CompressionContextTakeover
	}
	h := &hub{clients: map[*websocket.Conn]struct{}{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+contract.WSPath, func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, opts)
		if err != nil {
			return // Accept has answered with an error status
		}
		c.SetReadLimit(contract.WSMaxMessage)
		h.mu.Lock()
		h.clients[c] = struct{}{}
		h.mu.Unlock()
		defer func() {
			h.mu.Lock()
			delete(h.clients, c)
			h.mu.Unlock()
			c.CloseNow()
		}()
		ctx := r.Context()
		for {
			typ, msg, err := c.Read(ctx)
			if err != nil {
				return
			}
			if typ == websocket.MessageText {
				if rest, ok := strings.CutPrefix(string(msg), contract.BroadcastPrefix); ok {
					h.broadcast(ctx, []byte(rest))
					continue
				}
			}
			if err := c.Write(ctx, typ, msg); err != nil {
				return
			}
		}
	})
	return mux
}

func (h *hub) broadcast(ctx context.Context, p []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for c := range h.clients {
		c.Write(ctx, websocket.MessageText, p)
	}
}
