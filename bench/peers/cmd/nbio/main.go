// Command nbio serves the WebSocket benchmark contract (see package contract) with
// lesismal/nbio: an nbhttp engine (its own event loop, non-blocking mode) and nbio's websocket
// upgrader. /ws echoes every message from the OnMessage callback, and a "broadcast:" message is
// written to every client in a loop over the connections (WriteMessage is safe for concurrent
// use). nbio's defaults otherwise.
//
//	nbio -addr 127.0.0.1:8080 [-deflate]
package main

import (
	"flag"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"

	"github.com/eddy-go/eddy/bench/peers/contract"
	"github.com/lesismal/nbio/nbhttp"
	"github.com/lesismal/nbio/nbhttp/websocket"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	deflate := flag.Bool("deflate", false, "offer permessage-deflate")
	flag.Parse()
	engine := newEngine(*addr, *deflate, net.Listen)
	if err := engine.Start(); err != nil {
		log.Fatal(err)
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	<-stop
	engine.Stop()
}

// newEngine is the nbhttp engine serving the contract on addr, listening with listen.
func newEngine(addr string, deflate bool, listen func(network, addr string) (net.Listener, error)) *nbhttp.Engine {
	return nbhttp.NewEngine(nbhttp.Config{
		Network: "tcp",
		Addrs:   []string{addr},
		Handler: newHandler(deflate),
		Listen:  listen,
	})
}

type hub struct {
	mu      sync.Mutex
	clients map[*websocket.Conn]struct{}
}

func newHandler(deflate bool) http.Handler {
	h := &hub{clients: map[*websocket.Conn]struct{}{}}
	up := websocket.NewUpgrader()
	up.CheckOrigin = func(*http.Request) bool { return true }
	up.MessageLengthLimit = contract.WSMaxMessage
	up.EnableCompression(deflate)
	up.OnOpen(func(c *websocket.Conn) {
		h.mu.Lock()
		h.clients[c] = struct{}{}
		h.mu.Unlock()
	})
	up.OnClose(func(c *websocket.Conn, err error) {
		h.mu.Lock()
		delete(h.clients, c)
		h.mu.Unlock()
	})
	up.OnMessage(func(c *websocket.Conn, mt websocket.MessageType, data []byte) {
		if mt == websocket.TextMessage {
			if rest, ok := strings.CutPrefix(string(data), contract.BroadcastPrefix); ok {
				h.broadcast([]byte(rest))
				return
			}
		}
		c.WriteMessage(mt, data)
	})
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+contract.WSPath, func(w http.ResponseWriter, r *http.Request) {
		up.Upgrade(w, r, nil) // on failure Upgrade has answered with an error status
	})
	return mux
}

func (h *hub) broadcast(p []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for c := range h.clients {
		c.WriteMessage(websocket.TextMessage, p)
	}
}
