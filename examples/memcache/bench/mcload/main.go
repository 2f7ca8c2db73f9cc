// Command mcload drives a memcached text-protocol server for examples/memcache's
// compare.sh: -c connections, each sending -P requests (get or set of -size bytes;
// values are written in -piece byte writes) and reading their replies, -n requests in
// all. It prints the requests per second and fails on any unexpected reply.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"sync"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:11211", "server address")
	conns := flag.Int("c", 50, "connections")
	depth := flag.Int("P", 1, "pipeline depth")
	total := flag.Int("n", 200000, "requests in all")
	op := flag.String("t", "get", "get or set")
	size := flag.Int("size", 32, "value size")
	piece := flag.Int("piece", 0, "write values in pieces of this many bytes (0: whole requests)")
	flag.Parse()
	if err := prime(*addr, *size); err != nil {
		fmt.Fprintln(os.Stderr, "mcload:", err)
		os.Exit(1)
	}
	per := *total / *conns / *depth
	var wg sync.WaitGroup
	errs := make(chan error, *conns)
	start := time.Now()
	for i := range *conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := client(*addr, "k"+strconv.Itoa(i%10), *op, *size, *depth, *piece, per); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	el := time.Since(start)
	select {
	case err := <-errs:
		fmt.Fprintln(os.Stderr, "mcload:", err)
		os.Exit(1)
	default:
	}
	n := per * *conns * *depth
	fmt.Printf("%d requests in %v: %.0f requests/s\n", n, el.Round(time.Millisecond), float64(n)/el.Seconds())
}

// prime stores the keys the gets read.
func prime(addr string, size int) error {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	r := bufio.NewReader(c)
	val := bytes.Repeat([]byte("v"), size)
	for i := range 10 {
		fmt.Fprintf(c, "set k%d 0 0 %d\r\n%s\r\n", i, size, val)
		if line, err := r.ReadString('\n'); err != nil || line != "STORED\r\n" {
			return fmt.Errorf("prime: %q %v", line, err)
		}
	}
	return nil
}

func client(addr, key, op string, size, depth, piece, rounds int) error {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	val := bytes.Repeat([]byte("v"), size)
	var one []byte
	var reply []byte
	if op == "set" {
		one = fmt.Appendf(nil, "set %s 0 0 %d\r\n%s\r\n", key, size, val)
		reply = []byte("STORED\r\n")
	} else {
		one = fmt.Appendf(nil, "get %s\r\n", key)
		reply = fmt.Appendf(nil, "VALUE %s 0 %d\r\n%s\r\nEND\r\n", key, size, val)
	}
	batch := bytes.Repeat(one, depth)
	want := bytes.Repeat(reply, depth)
	got := make([]byte, len(want))
	r := bufio.NewReaderSize(c, 64<<10)
	for range rounds {
		if piece > 0 {
			for off := 0; off < len(batch); off += piece {
				if _, err := c.Write(batch[off:min(off+piece, len(batch))]); err != nil {
					return err
				}
			}
		} else if _, err := c.Write(batch); err != nil {
			return err
		}
		if _, err := io.ReadFull(r, got); err != nil {
			return err
		}
		if !bytes.Equal(got, want) {
			return fmt.Errorf("unexpected reply %.200q", got)
		}
	}
	return nil
}
