// Command wsload is the WebSocket load client of the benchmark: it opens many WebSockets to a
// server keeping the WebSocket contract (see package contract) and measures it in one of five
// modes. It speaks the protocol itself (package wsclient) and writes each frame with one system
// call. The echo (uncompressed) and broadcast modes drive every connection from one epoll loop,
// so a round trip costs the client a read and a write and no goroutine switch; the paced and
// idle modes, which do not load the client, use a goroutine per connection.
//
//	wsload -mode echo  -addr A -n 1000 -size 32 -d 10s     # closed loop: send, wait for the echo, repeat
//	wsload -mode paced -addr A -n 1000 -size 32 -rate 20   # each connection sends -rate messages a second
//	wsload -mode idle  -addr A -n 10000                    # open, one echo each, hold
//	wsload -mode bcast -addr A -n 10000 -rounds 5          # one client asks for a broadcast; time to the last receipt
//	wsload -mode bcast -addr A -path /wsb -prefix ""       # the same against a room that broadcasts every message
//	wsload -mode probe -addr A                             # the conformance cases, one line each
//
// Echo and paced modes talk to the harness through their standard streams: once every
// connection is open and the -warmup load has run they print
//
//	ready held=N failed=M first_error="..."
//
// and wait for a line on standard input (without -wait they go on at once); then they load for
// -d, let every message in flight come back, and print
//
//	result echoes=E seconds=S client_cpu=S p50=NS p99=NS p999=NS max=NS errors=K first_error="..."
//
// (client_cpu is wsload's own CPU time over the measured load: near seconds, the client was the
// bottleneck; round trips in nanoseconds; paced mode measures each from its scheduled send time, so a
// server that falls behind is charged the queueing). Idle mode prints the ready line and holds
// the connections until standard input closes. Broadcast mode prints
//
//	connected held=N failed=M first_error="..."
//
// once its receivers are open, then one line per round and
//
//	result rounds=R received=N missing=M last=NS p50=NS
//
// (medians over the rounds of the time from the request to the last and to the median
// receipt).
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/eddy-go/eddy/bench/peers/contract"
	"github.com/eddy-go/eddy/bench/peers/internal/wsclient"
)

type config struct {
	addr      string
	path      string
	prefix    string
	mode      string
	n         int
	size      int
	text      bool
	deflate   bool
	duration  time.Duration
	warmup    time.Duration
	rate      float64
	rounds    int
	parallel  int
	wait      bool
	probeWait time.Duration
	out       io.Writer
	in        io.Reader
}

func main() {
	var c config
	flag.StringVar(&c.addr, "addr", "127.0.0.1:8080", "server address")
	flag.StringVar(&c.mode, "mode", "echo", "echo, paced, idle, bcast or probe")
	flag.StringVar(&c.path, "path", contract.WSPath, "WebSocket path")
	flag.StringVar(&c.prefix, "prefix", contract.BroadcastPrefix, `bcast: what starts a message asking for a broadcast; "" for a room where every message is broadcast (then no connection echoes a message when it opens)`)
	flag.IntVar(&c.n, "n", 1000, "connections")
	flag.IntVar(&c.size, "size", 32, "message size in bytes (echo, paced; at most 16 MiB)")
	flag.BoolVar(&c.text, "text", false, "send text messages (printable ASCII) instead of binary")
	flag.BoolVar(&c.deflate, "deflate", false, "offer permessage-deflate and compress every message when accepted")
	flag.DurationVar(&c.duration, "d", 10*time.Second, "measured load (echo, paced)")
	flag.DurationVar(&c.warmup, "warmup", time.Second, "unmeasured load before the ready line (echo, paced)")
	flag.Float64Var(&c.rate, "rate", 20, "messages per second per connection (paced)")
	flag.IntVar(&c.rounds, "rounds", 5, "broadcasts (bcast)")
	flag.IntVar(&c.parallel, "parallel", 64, "connections opened at once")
	flag.DurationVar(&c.probeWait, "probe-wait", wsclient.DefaultProbeWait, "how long each conformance case waits for the server's reaction (probe)")
	flag.BoolVar(&c.wait, "wait", false, "after the ready line, wait for a line on standard input before measuring")
	flag.Parse()
	c.out, c.in = os.Stdout, os.Stdin
	if err := run(&c); err != nil {
		fmt.Fprintln(os.Stderr, "wsload:", err)
		os.Exit(1)
	}
}

func run(c *config) error {
	if c.path == "" {
		c.path = contract.WSPath
	}
	if c.n < 1 || c.size < 0 || c.size > contract.WSMaxMessage || c.parallel < 1 {
		return errors.New("-n and -parallel must be at least 1, -size within 0..16 MiB")
	}
	switch c.mode {
	case "probe":
		return probe(c)
	case "echo", "paced", "idle", "bcast":
	default:
		return fmt.Errorf("unknown -mode %q", c.mode)
	}
	if err := raiseFileLimit(uint64(c.n) + 256); err != nil {
		return err
	}
	switch c.mode {
	case "echo", "paced":
		return load(c)
	case "idle":
		return idle(c)
	}
	return broadcast(c)
}

func probe(c *config) error {
	failed := 0
	for _, r := range wsclient.Probe(c.addr, c.probeWait) {
		verdict := "pass"
		if !r.Pass {
			verdict = "FAIL"
			failed++
		}
		fmt.Fprintf(c.out, "%s\t%s\t%s\n", verdict, r.Case, r.Got)
	}
	fmt.Fprintf(c.out, "failed %d of %d\n", failed, len(wsclient.ProbeCases()))
	return nil
}

// idle opens the connections, makes one echo on each, prints the ready line and holds them
// until standard input closes or a signal comes.
func idle(c *config) error {
	conns, failed, first := openAll(c)
	fmt.Fprintf(c.out, "ready held=%d failed=%d first_error=%q\n", len(conns), failed, errText(first))
	waitRelease(c.in)
	for _, e := range conns {
		e.C.Close()
	}
	return nil
}

// waitRelease returns when in closes or SIGINT/SIGTERM arrives.
func waitRelease(in io.Reader) {
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(stop)
	closed := make(chan struct{})
	go func() {
		io.Copy(io.Discard, in)
		close(closed)
	}()
	select {
	case <-stop:
	case <-closed:
	}
}

// waitGo returns when a line (or the end) arrives on in.
func waitGo(in io.Reader) {
	bufio.NewReader(in).ReadString('\n')
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
