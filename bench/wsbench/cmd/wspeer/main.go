// Command wspeer serves the WebSocket benchmark contract with one of eddy's peers, each
// used the way its documentation shows:
//
//	GET /ws   echoes every text and binary message as received (up to 16 MiB)
//	GET /wsb  a room: every message is sent to every member, by a plain loop over the
//	          members (each library's straightforward broadcast)
//
//	go run ./cmd/wspeer -server gorilla -addr 127.0.0.1:9001
//
// Servers: gorilla (gorilla/websocket), coder (coder/websocket), gobwas (gobwas/ws on
// net/http, goroutine per connection), gws (lxzan/gws), nbio (lesismal/nbio's nbhttp).
// eddy's own side is bench/server (GET /ws and GET /wsb) in the main module.
package main

import (
	"context"
	"flag"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"

	coder "github.com/coder/websocket"
	gobwas "github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
	gorilla "github.com/gorilla/websocket"
	"github.com/lesismal/nbio/logging"
	"github.com/lesismal/nbio/nbhttp"
	nbws "github.com/lesismal/nbio/nbhttp/websocket"
	"github.com/lxzan/gws"
)

const maxMessage = 16 << 20

func main() {
	server := flag.String("server", "gorilla", "gorilla, coder, gobwas, gws or nbio")
	addr := flag.String("addr", "127.0.0.1:9001", "listen address")
	flag.Parse()
	mux := http.NewServeMux()
	switch *server {
	case "gorilla":
		serveGorilla(mux)
	case "coder":
		serveCoder(mux)
	case "gobwas":
		serveGobwas(mux)
	case "gws":
		serveGws(mux)
	case "nbio":
		serveNbio(mux, *addr)
		return
	default:
		log.Fatalf("wspeer: unknown server %q", *server)
	}
	log.Fatal(http.ListenAndServe(*addr, mux))
}

// room is a broadcast room: a set of members and a way to send to each.
type room[C comparable] struct {
	mu      sync.Mutex
	members map[C]struct{}
}

func newRoom[C comparable]() *room[C] { return &room[C]{members: make(map[C]struct{})} }

func (r *room[C]) add(c C)    { r.mu.Lock(); r.members[c] = struct{}{}; r.mu.Unlock() }
func (r *room[C]) remove(c C) { r.mu.Lock(); delete(r.members, c); r.mu.Unlock() }

// each runs send for every member, under the room's lock (the plain loop).
func (r *room[C]) each(send func(C)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for c := range r.members {
		send(c)
	}
}

// gorillaConn adds the write lock gorilla needs for writers on several goroutines.
type gorillaConn struct {
	*gorilla.Conn
	wmu sync.Mutex
}

func (c *gorillaConn) write(mt int, p []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.WriteMessage(mt, p)
}

func serveGorilla(mux *http.ServeMux) {
	up := gorilla.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	rm := newRoom[*gorillaConn]()
	handle := func(broadcast bool) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			c, err := up.Upgrade(w, r, nil)
			if err != nil {
				return
			}
			gc := &gorillaConn{Conn: c}
			defer c.Close()
			c.SetReadLimit(maxMessage)
			if broadcast {
				rm.add(gc)
				defer rm.remove(gc)
			}
			for {
				mt, msg, err := c.ReadMessage()
				if err != nil {
					return
				}
				if broadcast {
					rm.each(func(m *gorillaConn) { _ = m.write(mt, msg) })
				} else if gc.write(mt, msg) != nil {
					return
				}
			}
		}
	}
	mux.HandleFunc("/ws", handle(false))
	mux.HandleFunc("/wsb", handle(true))
}

func serveCoder(mux *http.ServeMux) {
	opts := &coder.AcceptOptions{InsecureSkipVerify: true, CompressionMode: coder.CompressionDisabled}
	rm := newRoom[*coder.Conn]()
	handle := func(broadcast bool) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			c, err := coder.Accept(w, r, opts)
			if err != nil {
				return
			}
			defer c.CloseNow()
			c.SetReadLimit(maxMessage)
			ctx := context.Background()
			if broadcast {
				rm.add(c)
				defer rm.remove(c)
			}
			for {
				typ, msg, err := c.Read(ctx)
				if err != nil {
					return
				}
				if broadcast {
					rm.each(func(m *coder.Conn) { _ = m.Write(ctx, typ, msg) })
				} else if c.Write(ctx, typ, msg) != nil {
					return
				}
			}
		}
	}
	mux.HandleFunc("/ws", handle(false))
	mux.HandleFunc("/wsb", handle(true))
}

// gobwasConn adds a write lock for the broadcast's writers.
type gobwasConn struct {
	c   net.Conn
	wmu sync.Mutex
}

func serveGobwas(mux *http.ServeMux) {
	rm := newRoom[*gobwasConn]()
	handle := func(broadcast bool) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			conn, _, _, err := gobwas.UpgradeHTTP(r, w)
			if err != nil {
				return
			}
			defer conn.Close()
			gc := &gobwasConn{c: conn}
			if broadcast {
				rm.add(gc)
				defer rm.remove(gc)
			}
			for {
				msg, op, err := wsutil.ReadClientData(conn)
				if err != nil {
					return
				}
				if broadcast {
					rm.each(func(m *gobwasConn) {
						m.wmu.Lock()
						_ = wsutil.WriteServerMessage(m.c, op, msg)
						m.wmu.Unlock()
					})
					continue
				}
				gc.wmu.Lock()
				err = wsutil.WriteServerMessage(conn, op, msg)
				gc.wmu.Unlock()
				if err != nil {
					return
				}
			}
		}
	}
	mux.HandleFunc("/ws", handle(false))
	mux.HandleFunc("/wsb", handle(true))
}

// gwsHandler echoes (or broadcasts) in gws's OnMessage callback.
type gwsHandler struct {
	gws.BuiltinEventHandler
	broadcast bool
	rm        *room[*gws.Conn]
}

func (h *gwsHandler) OnOpen(c *gws.Conn) {
	if h.broadcast {
		h.rm.add(c)
	}
}

func (h *gwsHandler) OnClose(c *gws.Conn, _ error) {
	if h.broadcast {
		h.rm.remove(c)
	}
}

func (h *gwsHandler) OnMessage(c *gws.Conn, m *gws.Message) {
	defer m.Close()
	if h.broadcast {
		h.rm.each(func(o *gws.Conn) { _ = o.WriteMessage(m.Opcode, m.Bytes()) })
		return
	}
	_ = c.WriteMessage(m.Opcode, m.Bytes())
}

func serveGws(mux *http.ServeMux) {
	rm := newRoom[*gws.Conn]()
	for path, broadcast := range map[string]bool{"/ws": false, "/wsb": true} {
		up := gws.NewUpgrader(&gwsHandler{broadcast: broadcast, rm: rm}, &gws.ServerOption{ReadMaxPayloadSize: maxMessage})
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			c, err := up.Upgrade(w, r)
			if err != nil {
				return
			}
			go c.ReadLoop()
		})
	}
}

func serveNbio(mux *http.ServeMux, addr string) {
	logging.SetLevel(logging.LevelNone) // it logs to stdout, which carries the results
	rm := newRoom[*nbws.Conn]()
	for path, broadcast := range map[string]bool{"/ws": false, "/wsb": true} {
		up := nbws.NewUpgrader()
		up.CheckOrigin = func(*http.Request) bool { return true }
		up.MessageLengthLimit = maxMessage
		if broadcast {
			up.OnOpen(rm.add)
			up.OnClose(func(c *nbws.Conn, _ error) { rm.remove(c) })
			up.OnMessage(func(_ *nbws.Conn, mt nbws.MessageType, data []byte) {
				rm.each(func(o *nbws.Conn) { _ = o.WriteMessage(mt, data) })
			})
		} else {
			up.OnMessage(func(c *nbws.Conn, mt nbws.MessageType, data []byte) { _ = c.WriteMessage(mt, data) })
		}
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) { _, _ = up.Upgrade(w, r, nil) })
	}
	engine := nbhttp.NewEngine(nbhttp.Config{Network: "tcp", Addrs: []string{addr}, Handler: mux, ReleaseWebsocketPayload: true})
	if err := engine.Start(); err != nil {
		log.Fatal(err)
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	<-sig
	engine.Stop()
}
