// Command hello is the first server of aiohttp's tutorial, in eddy:
//
//	GET /        -> Hello, world
//	GET /{name}  -> Hello, {name}
//
// Run it and ask it:
//
//	go run ./examples/hello            # listens on :8080; -addr to change
//	curl localhost:8080/               # Hello, world
//	curl localhost:8080/Ada            # Hello, Ada
package main

import (
	"flag"
	"log"

	"github.com/eddy-go/eddy"
)

func main() {
	addr := flag.String("addr", ":8080", "listen address")
	flag.Parse()
	if err := newApp(eddy.Config{}).Run(*addr); err != nil {
		log.Fatal(err)
	}
}

// newApp builds the application; main runs it and the test starts it on 127.0.0.1:0.
func newApp(cfg eddy.Config) *eddy.App {
	app := eddy.New(cfg)
	app.Get("/", hello)
	app.Get("/{name}", hello)
	return app
}

// hello runs on the loop: it does not block, so it needs no pool.
func hello(c *eddy.Ctx) error {
	name := c.Param("name") // "" for "/"; an owned copy (ParamBytes is the borrowed view)
	if name == "" {
		name = "world"
	}
	return c.Text("Hello, " + name)
}
