// Command blocking shows where blocking code goes in eddy. GET /report/{id} calls a slow
// "database" (time.Sleep standing in for a driver call), so its route runs in the worker pool
// (eddy.InPool): the request is copied out of loop memory, the handler runs on a pool
// goroutine, and the response goes back to the loop to be written in order. GET /ping stays on
// the loop and keeps answering at once while reports are in flight.
//
//	go run ./examples/blocking -delay 2s
//	curl localhost:8080/report/7 &   # answers after 2 s
//	curl localhost:8080/ping         # answers at once
package main

import (
	"context"
	"flag"
	"log"
	"time"

	"github.com/eddy-go/eddy"
)

func main() {
	addr := flag.String("addr", ":8080", "listen address")
	delay := flag.Duration("delay", time.Second, "how long the simulated database call blocks")
	flag.Parse()
	db := &sleepyDB{delay: *delay}
	if err := newApp(eddy.Config{}, db).Run(*addr); err != nil {
		log.Fatal(err)
	}
}

// database is what the report handler needs: a call that blocks until the answer is there.
type database interface {
	Report(ctx context.Context, id string) (string, error)
}

// sleepyDB simulates a database that takes delay to answer.
type sleepyDB struct{ delay time.Duration }

func (d *sleepyDB) Report(ctx context.Context, id string) (string, error) {
	select {
	case <-time.After(d.delay):
		return "report " + id + " is ready", nil
	case <-ctx.Done(): // the client went away or the server is stopping
		return "", ctx.Err()
	}
}

// newApp builds the application around db; main runs it, the test starts it on 127.0.0.1:0
// with a database it controls.
func newApp(cfg eddy.Config, db database) *eddy.App {
	app := eddy.New(cfg)
	// Blocking: in the pool. On the loop, this handler would stall every connection the loop
	// serves for the whole call.
	app.Get("/report/{id}", func(c *eddy.Ctx) error {
		// The request was detached before the pool took it, so c.Param stays valid for
		// the whole (long) handler.
		text, err := db.Report(c.Context(), c.Param("id"))
		if err != nil {
			return eddy.ErrServiceUnavailable.Wrap(err)
		}
		return c.JSON(map[string]string{"id": c.Param("id"), "report": text})
	}, eddy.InPool)
	// Non-blocking: on the loop (the default).
	app.Get("/ping", func(c *eddy.Ctx) error {
		return c.Text("pong")
	})
	return app
}
