// Command fixedload sends a fixed number of requests to a server and
// exits: c connections, each sending n batches of depth pipelined GET
// requests and reading every response before the next batch. It is the
// load of bench/instructions.sh, which counts the instructions a server
// executes for it under valgrind: a fixed load, not a timed one, so the
// count does not depend on how fast the server runs.
//
//	fixedload -addr 127.0.0.1:8080 -c 8 -n 1000 -depth 16 -path /plaintext
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
	flag.Parse()
	if err := run(*addr, *conns, *batches, *depth, *path); err != nil {
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
