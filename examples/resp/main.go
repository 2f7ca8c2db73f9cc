// Command resp is a Redis-protocol (RESP2) server on eddy's loop package: PING, ECHO,
// GET, SET (EX/PX), DEL, EXISTS, INCR, MGET, MSET, pipelining, protocol errors answered
// like Redis. It shows a custom protocol on loop/ with no HTTP in the way.
//
//	go run ./examples/resp -addr 127.0.0.1:6380
//	redis-cli -p 6380 set k v
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/eddy-go/eddy/loop"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:6380", "listen address (host:port)")
	loops := flag.Int("loops", 0, "event loops (0 = GOMAXPROCS)")
	reuse := flag.Bool("reuseport", false, "let gnet own one SO_REUSEPORT listener per loop")
	flag.Parse()
	if err := run(*addr, *loops, *reuse); err != nil {
		fmt.Fprintln(os.Stderr, "resp:", err)
		os.Exit(1)
	}
}

func run(addr string, loops int, reuse bool) error {
	srv, err := newServer(loop.Config{Addr: addr, Loops: loops, ReusePort: reuse})
	if err != nil {
		return err
	}
	if err := srv.Start(); err != nil {
		return err
	}
	fmt.Println("resp: listening on", srv.Addr())
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	select {
	case <-sig:
		ctx, cancel := context.WithTimeout(context.Background(), 25*time.Second)
		defer cancel()
		return srv.Drain(ctx)
	case <-srv.Done():
		return srv.Wait()
	}
}
