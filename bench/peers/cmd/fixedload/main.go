// Command fixedload sends a fixed number of requests to a server and
// exits: c connections, each sending n batches of depth pipelined GET
// requests and reading every response before the next batch. It is the
// load of bench/instructions.sh, which counts the instructions a server
// executes for it under valgrind: a fixed load, not a timed one, so the
// count does not depend on how fast the server runs.
//
//	fixedload -addr 127.0.0.1:8080 -c 8 -n 1000 -depth 16 -path /plaintext
//
// With -d it runs for that long instead of n batches and reports the
// latency of the batches (from a batch's write to its last response's
// last byte): the pipelined load of the comparison harness, whose wrk
// mis-corrects pipelined latencies. It prints
//
//	123456 requests in 5.00s
//	Requests/sec: 24691.20
//	LATENCY p50 p99 p99.9 max   (microseconds)
//
// Every response must have the length of the first one (the contract's
// responses have fixed lengths); a short or failed read exits 1.
package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/eddy-go/eddy/bench/peers/internal/wire"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "server address")
	conns := flag.Int("c", 8, "connections")
	batches := flag.Int("n", 1000, "batches per connection")
	depth := flag.Int("depth", 16, "requests per batch (1 = plain keep-alive)")
	path := flag.String("path", "/plaintext", "request path")
	dur := flag.Duration("d", 0, "run this long instead of -n batches, and report latency")
	flag.Parse()
	var err error
	if *dur > 0 {
		err = timed(os.Stdout, *addr, *conns, *depth, *path, *dur)
	} else {
		err = run(*addr, *conns, *batches, *depth, *path)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "fixedload:", err)
		os.Exit(1)
	}
}

func run(addr string, conns, batches, depth int, path string) error {
	req := "GET " + path + " HTTP/1.1\r\nHost: " + addr + "\r\n\r\n"
	size, err := responseSize(addr, req)
	if err != nil {
		return err
	}
	batch := []byte(strings.Repeat(req, depth))
	errs := make(chan error, conns)
	var wg sync.WaitGroup
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- load(addr, batch, size*depth, batches)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return err
		}
	}
	fmt.Printf("requests %d, response %d bytes\n", conns*batches*depth, size)
	return nil
}

// load runs one connection's batches.
func load(addr string, batch []byte, want, batches int) error {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	buf := make([]byte, want)
	for range batches {
		if err := c.SetDeadline(time.Now().Add(time.Minute)); err != nil {
			return err
		}
		if _, err := c.Write(batch); err != nil {
			return err
		}
		if _, err := io.ReadFull(c, buf); err != nil {
			return fmt.Errorf("reading a batch of responses: %w", err)
		}
	}
	return nil
}

// responseSize makes one request and returns the length of the whole
// response (head and Content-Length body).
func responseSize(addr, req string) (int, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	if err := c.SetDeadline(time.Now().Add(time.Minute)); err != nil {
		return 0, err
	}
	if _, err := io.WriteString(c, req); err != nil {
		return 0, err
	}
	resp, err := wire.ReadResponse(c)
	if err != nil {
		return 0, fmt.Errorf("reading the first response: %w", err)
	}
	return len(resp), nil
}

// timed runs conns connections for d, each writing a batch of depth requests and reading
// its responses before the next, and writes the requests done and the batches' latency
// percentiles to w.
func timed(w io.Writer, addr string, conns, depth int, path string, d time.Duration) error {
	req := "GET " + path + " HTTP/1.1\r\nHost: " + addr + "\r\n\r\n"
	size, err := responseSize(addr, req)
	if err != nil {
		return err
	}
	batch := []byte(strings.Repeat(req, depth))
	start := time.Now()
	end := start.Add(d)
	lats := make([][]time.Duration, conns)
	errs := make(chan error, conns)
	var wg sync.WaitGroup
	for i := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			lats[i], err = loadFor(addr, batch, size*depth, end)
			errs <- err
		}()
	}
	wg.Wait()
	took := time.Since(start)
	close(errs)
	for err := range errs {
		if err != nil {
			return err
		}
	}
	var all []time.Duration
	for _, l := range lats {
		all = append(all, l...)
	}
	slices.Sort(all)
	pct := func(p float64) int64 {
		if len(all) == 0 {
			return 0
		}
		return all[min(len(all)-1, int(p*float64(len(all))))].Microseconds()
	}
	var top int64
	if len(all) > 0 {
		top = all[len(all)-1].Microseconds()
	}
	fmt.Fprintf(w, "%d requests in %.2fs\nRequests/sec: %.2f\n", len(all)*depth, took.Seconds(), float64(len(all)*depth)/took.Seconds())
	fmt.Fprintf(w, "LATENCY %d %d %d %d\n", pct(0.50), pct(0.99), pct(0.999), top)
	return nil
}

// loadFor runs one connection's batches until end and returns their latencies.
func loadFor(addr string, batch []byte, want int, end time.Time) ([]time.Duration, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	if err := c.SetDeadline(end.Add(time.Minute)); err != nil {
		return nil, err
	}
	buf := make([]byte, want)
	lats := make([]time.Duration, 0, 4096)
	for {
		t0 := time.Now()
		if !t0.Before(end) {
			return lats, nil
		}
		if _, err := c.Write(batch); err != nil {
			return lats, err
		}
		if _, err := io.ReadFull(c, buf); err != nil {
			return lats, fmt.Errorf("reading a batch of responses: %w", err)
		}
		lats = append(lats, time.Since(t0))
	}
}
