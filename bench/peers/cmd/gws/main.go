// Command gws serves the WebSocket benchmark contract (see package contract) with lxzan/gws and
// its own server (gws.NewServer: one goroutine per connection running ReadLoop): /ws echoes
// every message, and a "broadcast:" message goes to every client through a gws.Broadcaster
// (gws's documented way: the frame is built once) in a loop over the connections. Requests
// for any other path get 404. gws's defaults otherwise (it checks no UTF-8 unless
// CheckUtf8Enabled is set, which this server leaves off as gws ships it).
//
//	gws -addr 127.0.0.1:8080 [-deflate]
package main

import (
	"bufio"
	"flag"
	"log"
	"net"
	"net/http"
	"strings"
	"sync"

	"github.com/eddy-go/eddy/bench/peers/contract"
	"github.com/lxzan/gws"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	deflate := flag.Bool("deflate", false, "offer permessage-deflate")
	flag.Parse()
	log.Fatal(newServer(*deflate).Run(*addr))
}

func newServer(deflate bool) *gws.Server {
	h := &handler{clients: map[*gws.Conn]struct{}{}}
	s := gws.NewServer(h, &gws.ServerOption{
		ReadMaxPayloadSize: contract.WSMaxMessage,
		PermessageDeflate:  gws.PermessageDeflate{Enabled: deflate, ServerContextTakeover: true, ClientContextTakeover: true},
	})
	s.OnError = func(net.Conn, error) {} // a client going away is not worth a log line per connection
	upgrade := s.OnRequest
	s.OnRequest = func(conn net.Conn, br *bufio.Reader, r *http.Request) {
		if r.URL.Path != contract.WSPath {
			conn.Write([]byte("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"))
			conn.Close()
			return
		}
		upgrade(conn, br, r)
	}
	return s
}

type handler struct {
	gws.BuiltinEventHandler
	mu      sync.Mutex
	clients map[*gws.Conn]struct{}
}

func (h *handler) OnOpen(c *gws.Conn) {
	h.mu.Lock()
	h.clients[c] = struct{}{}
	h.mu.Unlock()
}

func (h *handler) OnClose(c *gws.Conn, err error) {
	h.mu.Lock()
	delete(h.clients, c)
	h.mu.Unlock()
}

func (h *handler) OnMessage(c *gws.Conn, m *gws.Message) {
	defer m.Close()
	if m.Opcode == gws.OpcodeText {
		if rest, ok := strings.CutPrefix(m.Data.String(), contract.BroadcastPrefix); ok {
			h.broadcast([]byte(rest))
			return
		}
	}
	c.WriteMessage(m.Opcode, m.Bytes())
}

func (h *handler) broadcast(p []byte) {
	b := gws.NewBroadcaster(gws.OpcodeText, p)
	defer b.Close()
	h.mu.Lock()
	defer h.mu.Unlock()
	for c := range h.clients {
		b.Broadcast(c)
	}
}
