// Command pprof serves Go's profiler (net/http/pprof) from an eddy app
// through the net/http bridge, beside an ordinary eddy route:
//
//	go run ./examples/pprof
//	curl localhost:8080/work
//	go tool pprof http://localhost:8080/debug/pprof/profile?seconds=5
//
// The profiler's handlers block (a CPU profile takes seconds), so the
// bridge runs them in eddy's worker pool: the loops keep serving. Keep
// /debug/pprof/ off the public internet (put it on an internal listener
// or behind authentication middleware).
package main

import (
	"flag"
	"log"
	"net/http"
	"net/http/pprof"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/httpbridge"
)

func main() {
	addr := flag.String("addr", ":8080", "listen address")
	flag.Parse()
	if err := newApp(eddy.Config{}).Run(*addr); err != nil {
		log.Fatal(err)
	}
}

// newApp builds the application; main runs it and the test starts it on
// 127.0.0.1:0.
func newApp(cfg eddy.Config) *eddy.App {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	app := eddy.New(cfg)
	httpbridge.Mount(app, "/debug/pprof/{path:.*}", mux)
	app.Get("/work", func(c *eddy.Ctx) error {
		n := 0
		for i := range 100000 {
			n += i % 7
		}
		return c.JSON(map[string]int{"n": n})
	})
	return app
}
