// Command idleconns opens many keep-alive connections to an HTTP server, makes one request on
// each (reading the whole response), then holds them all open and idle until its standard
// input closes or it gets SIGINT/SIGTERM. The harness uses it to measure the server's memory
// per idle connection.
//
// Once every connection is set up it prints one line to standard output:
//
//	ready held=N failed=M first_error="..."
//
//	idleconns -addr 127.0.0.1:8080 -n 10000
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/eddy-go/eddy/bench/peers/internal/wire"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "server address")
	n := flag.Int("n", 10000, "connections to open and hold")
	path := flag.String("path", "/plaintext", "path of the one request made on each connection")
	parallel := flag.Int("parallel", 64, "connections set up at once")
	timeout := flag.Duration("timeout", 10*time.Second, "per-connection dial+request deadline")
	flag.Parse()

	if err := raiseFileLimit(uint64(*n) + 256); err != nil {
		fmt.Fprintln(os.Stderr, "idleconns:", err)
		os.Exit(1)
	}
	req := []byte("GET " + *path + " HTTP/1.1\r\nHost: " + *addr + "\r\n\r\n")

	conns := make([]net.Conn, *n)
	errs := make([]error, *n)
	var wg sync.WaitGroup
	next := make(chan int)
	for range max(*parallel, 1) {
		wg.Go(func() {
			for i := range next {
				conns[i], errs[i] = open(*addr, req, *timeout)
			}
		})
	}
	for i := range *n {
		next <- i
	}
	close(next)
	wg.Wait()

	held, failed := 0, 0
	var first error
	for i, c := range conns {
		if c != nil {
			held++
			continue
		}
		failed++
		if first == nil {
			first = errs[i]
		}
	}
	firstMsg := ""
	if first != nil {
		firstMsg = first.Error()
	}
	fmt.Printf("ready held=%d failed=%d first_error=%q\n", held, failed, firstMsg)

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	stdinClosed := make(chan struct{})
	go func() {
		io.Copy(io.Discard, os.Stdin)
		close(stdinClosed)
	}()
	select {
	case <-stop:
	case <-stdinClosed:
	}
	for _, c := range conns {
		if c != nil {
			c.Close()
		}
	}
}

// open dials addr, writes req and reads one whole response (head plus Content-Length bytes).
// It returns the open connection, idle and ready for reuse.
func open(addr string, req []byte, timeout time.Duration) (net.Conn, error) {
	c, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return nil, err
	}
	c.SetDeadline(time.Now().Add(timeout))
	if err := readResponse(c, req); err != nil {
		c.Close()
		return nil, err
	}
	c.SetDeadline(time.Time{})
	return c, nil
}

// readResponse writes req and reads its response, which must be a 200.
func readResponse(c net.Conn, req []byte) error {
	if _, err := c.Write(req); err != nil {
		return err
	}
	resp, err := wire.ReadResponse(c)
	if err != nil {
		return fmt.Errorf("idleconns: %w", err)
	}
	if !bytes.HasPrefix(resp, []byte("HTTP/1.1 200 ")) {
		line, _, _ := bytes.Cut(resp, []byte("\r\n"))
		return fmt.Errorf("idleconns: unexpected status line %q", line)
	}
	return nil
}

// raiseFileLimit makes sure this process may hold at least need descriptors.
func raiseFileLimit(need uint64) error {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return err
	}
	if lim.Cur >= need {
		return nil
	}
	lim.Cur = need
	if lim.Max < need {
		lim.Max = need
	}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return fmt.Errorf("raise open-file limit to %d (try ulimit -n %d): %w", need, need, err)
	}
	return nil
}
