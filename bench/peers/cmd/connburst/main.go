// Command connburst measures how long a burst of new connections waits for its first
// response: it opens -n connections at once, sends one GET on each as soon as it is
// connected, and prints percentiles of the time from dialling to the response's first
// line. Run it while another load keeps the server busy to see whether new connections
// wait behind the traffic of the others (the accept path).
//
//	connburst -addr 127.0.0.1:8080 -n 512 -path /plaintext
//
// It prints one line:
//
//	n=512 p50=45ms p90=66ms p99=72ms max=80ms
package main

import (
	"bufio"
	"flag"
	"fmt"
	"net"
	"os"
	"slices"
	"sync"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "server address")
	n := flag.Int("n", 512, "connections opened at once")
	path := flag.String("path", "/plaintext", "request path")
	flag.Parse()
	lat, err := burst(*addr, *path, *n)
	if err != nil {
		fmt.Fprintln(os.Stderr, "connburst:", err)
		os.Exit(1)
	}
	fmt.Println(summary(lat))
}

// burst opens n connections at once and returns each one's time from dialling to the
// first line of its response.
func burst(addr, path string, n int) ([]time.Duration, error) {
	req := "GET " + path + " HTTP/1.1\r\nHost: " + addr + "\r\n\r\n"
	lat := make([]time.Duration, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			t0 := time.Now()
			c, err := net.DialTimeout("tcp", addr, 10*time.Second)
			if err != nil {
				errs[i] = err
				return
			}
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(30 * time.Second))
			if _, err := c.Write([]byte(req)); err != nil {
				errs[i] = err
				return
			}
			if _, err := bufio.NewReader(c).ReadString('\n'); err != nil {
				errs[i] = err
				return
			}
			lat[i] = time.Since(t0)
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return lat, nil
}

// summary is the line connburst prints for the latencies lat.
func summary(lat []time.Duration) string {
	lat = slices.Clone(lat)
	slices.Sort(lat)
	q := func(p float64) time.Duration { return lat[int(p*float64(len(lat)-1))].Round(time.Millisecond) }
	return fmt.Sprintf("n=%d p50=%v p90=%v p99=%v max=%v", len(lat), q(.5), q(.9), q(.99), q(1))
}
