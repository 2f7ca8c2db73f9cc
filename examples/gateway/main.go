// Command gateway is an eddy server whose on-loop handler fans out to two
// upstreams at once with client.Session.Start and answers with their combined
// JSON: the connections to the upstreams live on the handler's own loop, the
// callbacks run there, and the deferred response is finished from the last one,
// with no goroutine, lock or blocking call per request.
//
//	go run ./examples/gateway -a http://127.0.0.1:9001/user -b http://127.0.0.1:9002/orders
//	curl localhost:8080/combined
//
// Without -a and -b it serves two demo upstreams itself (/upstream/a and
// /upstream/b) and fans out to those.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"log"
	"net"
	"sync/atomic"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/client"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	a := flag.String("a", "", "first upstream URL (default: the demo /upstream/a)")
	b := flag.String("b", "", "second upstream URL (default: the demo /upstream/b)")
	flag.Parse()
	sess, err := client.New(client.Config{Timeout: client.Timeouts{Total: 5 * time.Second}})
	if err != nil {
		log.Fatal(err)
	}
	g := &gateway{sess: sess}
	if *a == "" || *b == "" {
		base, err := selfURL(*addr)
		if err != nil {
			log.Fatal(err)
		}
		*a, *b = base+"/upstream/a", base+"/upstream/b"
	}
	g.setUpstreams(*a, *b)
	app := newApp(eddy.Config{}, g)
	// Close the session while the loops still run (its connections live on
	// them): at the start of the drain. Fan-outs still in flight then fail (502).
	app.OnShutdown(func(ctx context.Context) error { return sess.Close(ctx) })
	if err := app.Run(*addr); err != nil {
		log.Fatal(err)
	}
}

// selfURL is the URL this server is reached at on this machine, for the demo
// upstreams it serves itself.
func selfURL(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", err
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port), nil
}

// badGateway answers a failed fan-out.
var badGateway = eddy.NewHTTPError(502, "an upstream failed")

// gateway holds the session and the two upstreams.
type gateway struct {
	sess *client.Session
	ups  atomic.Pointer[[2]string] // set before serving, or by a test between requests
}

func (g *gateway) setUpstreams(a, b string) { g.ups.Store(&[2]string{a, b}) }

// newApp builds the server: /combined fans out; /upstream/a and /upstream/b are
// the demo upstreams.
func newApp(cfg eddy.Config, g *gateway) *eddy.App {
	app := eddy.New(cfg)
	app.Get("/upstream/a", func(c *eddy.Ctx) error {
		return c.JSON(map[string]any{"user": "ada", "id": 7})
	})
	app.Get("/upstream/b", func(c *eddy.Ctx) error {
		return c.JSON([]map[string]any{{"order": 1, "total": 12.5}, {"order": 2, "total": 3}})
	})
	app.Get("/combined", g.combined)
	return app
}

// combined fans out to both upstreams from the loop and answers once both are
// back: {"a": ..., "b": ...}, or 502 naming the upstream that failed.
func (g *gateway) combined(c *eddy.Ctx) error {
	c.Defer() // the response is finished from the callbacks below, on this loop
	l := c.Loop()
	var parts [2]json.RawMessage
	var failed error
	pending := 2
	for i, url := range *g.ups.Load() {
		req, err := client.NewRequest("GET", url, nil)
		if err != nil {
			return err
		}
		g.sess.Start(l, req, func(resp *client.Response, err error) {
			// On c's loop: no lock needed for parts, failed and pending.
			switch {
			case err != nil:
				failed = err
			case resp.StatusCode != 200:
				failed = resp.RaiseForStatus()
			default:
				body, _ := resp.Bytes() // already read whole
				if !json.Valid(body) {
					failed = errors.New("upstream answered invalid JSON")
				}
				parts[i] = body
			}
			if pending--; pending > 0 {
				return
			}
			if failed != nil {
				c.Complete(func(c *eddy.Ctx) error { return badGateway.Wrap(failed) })
				return
			}
			c.JSON(map[string]json.RawMessage{"a": parts[0], "b": parts[1]})
		})
	}
	return nil
}
