// Command chat is a chat room: a browser page served by eddy (plain HTML and JavaScript,
// embedded in the binary) and a WebSocket that every page joins.
//
//	GET /              -> the page
//	GET /ws?name=ann   -> the room: each text message is sent to everyone as
//	                      {"name":"ann","text":"..."}; joins and leaves as {"text":"ann joined"}
//
// The handler is the callback style (eddy.WSCallbacks), which runs on the event loop; the
// room is an eddy.Hub, which encodes each message once and writes it to the members of each
// loop from one task per loop. A member that stops reading is cut off by its outbound limit
// instead of slowing the room down.
//
//	go run ./examples/chat     # then open http://localhost:8080/ in two windows
package main

import (
	_ "embed"
	"flag"
	"log"
	"strings"
	"unicode/utf8"

	"github.com/eddy-go/eddy"
)

//go:embed chat.html
var chatHTML string

func main() {
	addr := flag.String("addr", ":8080", "listen address")
	flag.Parse()
	if err := newApp(eddy.Config{}).Run(*addr); err != nil {
		log.Fatal(err)
	}
}

// message is what the room sends: Name is empty for the room's own notices.
type message struct {
	Name string `json:"name,omitempty"`
	Text string `json:"text"`
}

// maxMessage bounds a chat message; a longer one closes its sender with 1009.
const maxMessage = 4 << 10

// newApp builds the application; main runs it and the tests start it on 127.0.0.1:0.
func newApp(cfg eddy.Config) *eddy.App {
	app := eddy.New(cfg)
	room := eddy.NewHub()
	app.Get("/", func(c *eddy.Ctx) error { return c.HTML(chatHTML) })
	app.WebSocket("/ws", eddy.WSCallbacks{
		OnOpen: func(ws *eddy.WebSocket) {
			room.Add(ws)
			_ = room.BroadcastJSON(message{Text: nameOf(ws) + " joined"})
		},
		OnMessage: func(ws *eddy.WebSocket, m eddy.WSMessage) {
			if m.Type != eddy.WSText {
				return // the page sends text only
			}
			_ = room.BroadcastJSON(message{Name: nameOf(ws), Text: string(m.Data)})
		},
		OnClose: func(ws *eddy.WebSocket, code int, reason string) {
			_ = room.BroadcastJSON(message{Text: nameOf(ws) + " left"})
		},
	}, eddy.WSConfig{MaxMessage: maxMessage})
	return app
}

// nameOf returns the member's name from the handshake's query: at most 32
// characters, "guest" when absent.
func nameOf(ws *eddy.WebSocket) string {
	name := strings.TrimSpace(ws.Query("name"))
	if name == "" {
		return "guest"
	}
	if utf8.RuneCountInString(name) > 32 {
		name = string([]rune(name)[:32])
	}
	return name
}
