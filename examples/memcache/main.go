// Command memcache is a memcached text-protocol server on eddy's loop package: get/gets,
// set/add/replace/append/prepend/cas, delete, incr/decr, touch, flush_all, version,
// verbosity, stats, quit, noreply, pipelining, values up to 1 MB arriving in pieces, an
// idle timeout and a drain on SIGINT/SIGTERM. It shows a custom protocol on loop/ with
// no HTTP in the way; examples/memcache/README.md compares it with memcached.
//
//	go run ./examples/memcache -addr 127.0.0.1:11311
//	memccapable -a -h 127.0.0.1 -p 11311
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/eddy-go/eddy/loop"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:11311", "listen address (host:port)")
	loops := flag.Int("loops", 0, "event loops (0 = GOMAXPROCS)")
	reuse := flag.Bool("reuseport", false, "let gnet own one SO_REUSEPORT listener per loop")
	idle := flag.Duration("idle", 0, "close connections idle this long (0 = never)")
	mem := flag.Int("m", 64, "store size in MiB")
	flag.Parse()
	srv, err := newServer(loop.Config{Addr: *addr, Loops: *loops, ReusePort: *reuse},
		options{idle: *idle, maxBytes: *mem << 20})
	if err == nil {
		err = srv.Start()
	}
	if err == nil {
		fmt.Println("memcache: listening on", srv.Addr())
		err = srv.Run(context.Background(), 25*time.Second)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "memcache:", err)
		os.Exit(1)
	}
}
