// Command server is eddy's benchmark server: the contract of bench/peers/contract on an
// eddy.App in its normal configuration (default limits, timeouts, pipelining and
// backpressure; handlers on the loop, as an application's would be).
//
//	GET  /plaintext -> Hello, World!              text/plain
//	GET  /json      -> {"message":"Hello, World!"} application/json, encoding/json per request
//	POST /echo      -> the request body            up to the default 4 MiB body limit
//	GET  /ws        -> a WebSocket echoing every text and binary message as received, up to
//	                   16 MiB; permessage-deflate is offered with -ws-deflate
//	GET  /wsb       -> a WebSocket room: every message is broadcast to every member (an
//	                   eddy.Hub), for the broadcast benchmark
//
//	go run ./bench/server -addr 127.0.0.1:8080 -loops 1
//
// With -files DIR it also serves DIR at /files/ (App.Static, default
// options; -file-cache N keeps files up to N bytes in memory instead of
// the default 64 KiB), for bench/peers/cmd/filebench.
//
// bench/README.md runs it against net/http, fasthttp and a raw gnet responder.
package main

import (
	"flag"
	"log"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/ws"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	loops := flag.Int("loops", 0, "event loops (0 = GOMAXPROCS)")
	wsDeflate := flag.Bool("ws-deflate", false, "offer permessage-deflate on GET /ws")
	files := flag.String("files", "", "directory to serve at /files/ (none by default)")
	fileCache := flag.Int64("file-cache", 0, "with -files: largest file kept in memory (0 = the default, 64 KiB)")
	flag.Parse()
	app := newApp(eddy.Config{Loops: *loops}, *wsDeflate)
	if *files != "" {
		opts := eddy.StaticOptions{CacheFileSize: *fileCache}
		if *fileCache > 0 {
			opts.CacheBytes = max(8<<20, 16**fileCache)
		}
		app.Static("/files", *files, opts)
	}
	if err := app.Run(*addr); err != nil {
		log.Fatal(err)
	}
}

// message is serialized for GET /json, per request, as in every peer.
type message struct {
	Message string `json:"message"`
}

// wsMaxMessage is the largest message GET /ws echoes.
const wsMaxMessage = 16 << 20

func newApp(cfg eddy.Config, wsDeflate bool) *eddy.App {
	cfg.ServerName = "eddy"
	app := eddy.New(cfg)
	app.Get("/plaintext", func(c *eddy.Ctx) error {
		return c.Text("Hello, World!")
	})
	app.Get("/json", func(c *eddy.Ctx) error {
		return c.JSON(message{Message: "Hello, World!"})
	})
	app.Post("/echo", func(c *eddy.Ctx) error {
		return c.Blob("application/octet-stream", c.BodyBytes()) // Blob copies the borrowed body before it returns
	})
	wcfg := eddy.WSConfig{MaxMessage: wsMaxMessage, MaxOutbound: 2 * wsMaxMessage, CheckOrigin: ws.AnyOrigin}
	if wsDeflate {
		wcfg.Deflate = &ws.DeflateOptions{}
	}
	app.WebSocket("/ws", eddy.WSCallbacks{OnMessage: func(w *eddy.WebSocket, m eddy.WSMessage) {
		_ = w.Send(m.Type, m.Data) // Send copies the borrowed data before it returns
	}}, wcfg)
	room := eddy.NewHub()
	app.WebSocket("/wsb", eddy.WSCallbacks{
		OnOpen: func(w *eddy.WebSocket) { room.Add(w) },
		OnMessage: func(w *eddy.WebSocket, m eddy.WSMessage) {
			if m.Type == eddy.WSText {
				room.BroadcastText(string(m.Data))
			} else {
				room.BroadcastBytes(m.Data)
			}
		},
	}, eddy.WSConfig{CheckOrigin: ws.AnyOrigin})
	return app
}
