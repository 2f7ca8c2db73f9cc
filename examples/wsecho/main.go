// Command wsecho is the WebSocket echo server of aiohttp's tutorial, in eddy:
//
//	GET /    -> a page that talks to /ws from the browser
//	GET /ws  -> a WebSocket: every text message comes back with "/answer" appended,
//	            binary messages come back as they are, and the message "close" closes
//
// The handler is the goroutine style (eddy.WSFunc), the closest to aiohttp's
// "async for msg in ws": it may block, since it has a goroutine of its own. For the
// callback style, which runs on the event loop, see examples/chat.
//
//	go run ./examples/wsecho          # then open http://localhost:8080/
package main

import (
	_ "embed"
	"flag"
	"log"

	"github.com/eddy-go/eddy"
)

//go:embed index.html
var indexHTML string

func main() {
	addr := flag.String("addr", ":8080", "listen address")
	flag.Parse()
	if err := newApp(eddy.Config{}).Run(*addr); err != nil {
		log.Fatal(err)
	}
}

// newApp builds the application; main runs it and the tests start it on 127.0.0.1:0.
func newApp(cfg eddy.Config) *eddy.App {
	app := eddy.New(cfg)
	app.Get("/", func(c *eddy.Ctx) error { return c.HTML(indexHTML) })
	app.WebSocket("/ws", eddy.WSFunc(echo))
	return app
}

// echo serves one WebSocket until the client closes it or sends "close"; returning
// closes the WebSocket with 1000.
func echo(ws *eddy.WebSocket) error {
	for msg := range ws.Messages() {
		switch {
		case msg.Type == eddy.WSText && msg.Text() == "close":
			return nil
		case msg.Type == eddy.WSText:
			if err := ws.SendText(msg.Text() + "/answer"); err != nil {
				return nil // the client is gone
			}
		default:
			if err := ws.SendBytes(msg.Data); err != nil {
				return nil
			}
		}
	}
	return nil
}
