// Command rawgnet is examples/memcache's engine on raw gnet, without eddy's loop
// package: the baseline that measures what loop/ costs. It has none of loop's guards
// (no backpressure, no inbound bound, no deadlines, no drain): only what serving the
// benchmark needs.
//
//	go run . -addr 127.0.0.1:11312 -loops 1
package main

import (
	"flag"
	"fmt"
	"os"
	"sync/atomic"
	"time"

	"github.com/eddy-go/eddy/examples/memcache/engine"
	"github.com/panjf2000/gnet/v2"
)

type server struct {
	gnet.BuiltinEventEngine
	st  *engine.Store
	sec atomic.Int64 // the wall clock's second, refreshed by a ticker (loop.Loop.Second's equivalent)
}

type conn struct {
	s   *engine.Session
	out []byte
}

func (s *server) OnOpen(c gnet.Conn) ([]byte, gnet.Action) {
	c.SetContext(&conn{s: engine.NewSession(s.st)})
	return nil, gnet.None
}

func (s *server) OnTraffic(c gnet.Conn) gnet.Action {
	cc := c.Context().(*conn)
	for {
		data, _ := c.Peek(0)
		n, out, quit := cc.s.Feed(data, cc.out[:0], s.sec.Load())
		for {
			if len(out) > 0 {
				_, _ = c.Write(out)
			}
			if quit {
				return gnet.Close
			}
			if !cc.s.Pending() {
				break
			}
			_, out, _ = cc.s.Feed(nil, out[:0], s.sec.Load())
		}
		if cap(out) <= 128<<10 {
			cc.out = out[:0]
		}
		_, _ = c.Discard(n)
		if n == 0 || n == len(data) {
			return gnet.None
		}
	}
}

func main() {
	addr := flag.String("addr", "127.0.0.1:11312", "listen address")
	loops := flag.Int("loops", 1, "event loops")
	flag.Parse()
	s := &server{st: engine.NewStore(0)}
	s.sec.Store(time.Now().Unix())
	go func() {
		for range time.Tick(5 * time.Millisecond) {
			s.sec.Store(time.Now().Unix())
		}
	}()
	fmt.Println("rawgnet: listening on", *addr)
	err := gnet.Run(s, "tcp://"+*addr, gnet.WithNumEventLoop(*loops), gnet.WithReuseAddr(true),
		gnet.WithTCPNoDelay(gnet.TCPNoDelay))
	if err != nil {
		fmt.Fprintln(os.Stderr, "rawgnet:", err)
		os.Exit(1)
	}
}
