// Command wsload measures a WebSocket server that serves the benchmark contract of
// cmd/wspeer (GET /ws echo, GET /wsb broadcast room); run it on other cores than the
// server (run.sh pins them). One line of results per run:
//
//	wsload -mode echo -conns 1000 -size 32 -duration 10s -pid $PID   # echoes/s, server CPU per echo
//	wsload -mode idle -conns 10000 -pid $PID                         # server memory per idle WebSocket
//	wsload -mode broadcast -conns 10000 -rounds 3                    # time to deliver one broadcast
//	wsload -mode paced -conns 1000 -rate 10 -duration 10s            # round-trip p50/p99, 10 msg/s per conn
//
// Server CPU is read from /proc/PID/stat (user+system time over the measured window),
// memory from /proc/PID/status (VmRSS before and after opening the connections).
package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:9001", "server address")
	name := flag.String("name", "server", "server name for the report")
	mode := flag.String("mode", "echo", "echo, idle or broadcast")
	conns := flag.Int("conns", 1000, "connections")
	size := flag.Int("size", 32, "message size (echo)")
	duration := flag.Duration("duration", 10*time.Second, "measured time (echo)")
	rounds := flag.Int("rounds", 3, "broadcasts (broadcast)")
	pid := flag.Int("pid", 0, "server process, for CPU and memory")
	rate := flag.Int("rate", 10, "messages per second per connection (paced)")
	flag.Parse()
	switch *mode {
	case "echo":
		echo(*name, *addr, *conns, *size, *duration, *pid)
	case "idle":
		idle(*name, *addr, *conns, *pid)
	case "broadcast":
		broadcast(*name, *addr, *conns, *rounds)
	case "paced":
		paced(*name, *addr, *conns, *size, *rate, *duration)
	default:
		log.Fatalf("wsload: unknown mode %q", *mode)
	}
}

// dial opens n WebSockets to path, a few at a time.
func dial(addr, path string, n int) []net.Conn {
	out := make([]net.Conn, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 64)
	var failed atomic.Int64
	for i := range out {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			d := ws.Dialer{Timeout: 10 * time.Second}
			c, _, _, err := d.Dial(context.Background(), "ws://"+addr+path)
			if err != nil {
				if failed.Add(1) == 1 {
					log.Printf("wsload: dial: %v", err)
				}
				return
			}
			out[i] = c
		}()
	}
	wg.Wait()
	if failed.Load() > 0 {
		log.Fatalf("wsload: %d of %d connections failed", failed.Load(), n)
	}
	return out
}

// cpuTicks returns the user+system clock ticks of pid (100 per second).
func cpuTicks(pid int) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		log.Fatal(err)
	}
	// The command may contain spaces: fields count from after its closing paren.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+2:]))
	u, _ := strconv.ParseInt(f[11], 10, 64)
	s, _ := strconv.ParseInt(f[12], 10, 64)
	return u + s
}

// rssKiB returns the resident memory of pid.
func rssKiB(pid int) int64 {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			n, _ := strconv.ParseInt(strings.Fields(v)[0], 10, 64)
			return n
		}
	}
	return 0
}

func echo(name, addr string, n, size int, d time.Duration, pid int) {
	conns := dial(addr, "/ws", n)
	msg := bytes.Repeat([]byte{'e'}, size)
	var count atomic.Int64
	var measuring atomic.Bool
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for _, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if err := wsutil.WriteClientMessage(c, ws.OpBinary, msg); err != nil {
					log.Fatalf("wsload: write: %v", err)
				}
				got, _, err := wsutil.ReadServerData(c)
				if err != nil || len(got) != size {
					log.Fatalf("wsload: echo: %d bytes, %v", len(got), err)
				}
				if measuring.Load() {
					count.Add(1)
				}
			}
		}()
	}
	time.Sleep(time.Second) // warm-up, unmeasured
	t0, c0 := time.Now(), cpuTicks(pid)
	measuring.Store(true)
	time.Sleep(d)
	measuring.Store(false)
	el, c1 := time.Since(t0), cpuTicks(pid)
	close(stop)
	wg.Wait()
	for _, c := range conns {
		c.Close()
	}
	echoes := count.Load()
	fmt.Printf("%s echo size=%d conns=%d echoes/s=%.0f cpu_us/echo=%.2f\n", name, size, n,
		float64(echoes)/el.Seconds(), float64(c1-c0)*10000/float64(echoes))
}

func idle(name, addr string, n, pid int) {
	before := rssKiB(pid)
	conns := dial(addr, "/ws", n)
	time.Sleep(2 * time.Second) // let the server settle
	after := rssKiB(pid)
	fmt.Printf("%s idle conns=%d rss_before=%dKiB rss_after=%dKiB KiB/ws=%.2f\n", name, n, before, after,
		float64(after-before)/float64(n))
	for _, c := range conns {
		c.Close()
	}
}

func broadcast(name, addr string, n, rounds int) {
	conns := dial(addr, "/wsb", n)
	time.Sleep(time.Second) // every member registered
	var times []time.Duration
	for r := range rounds {
		want := []byte("broadcast " + strconv.Itoa(r))
		var wg sync.WaitGroup
		var last atomic.Int64
		t0 := time.Now()
		for _, c := range conns {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c.SetReadDeadline(time.Now().Add(60 * time.Second))
				for {
					got, _, err := wsutil.ReadServerData(c)
					if err != nil {
						log.Fatalf("wsload: broadcast read: %v", err)
					}
					if bytes.Equal(got, want) {
						at := int64(time.Since(t0))
						for {
							old := last.Load()
							if at <= old || last.CompareAndSwap(old, at) {
								break
							}
						}
						return
					}
				}
			}()
		}
		if err := wsutil.WriteClientMessage(conns[0], ws.OpText, want); err != nil {
			log.Fatal(err)
		}
		wg.Wait()
		times = append(times, time.Duration(last.Load()))
	}
	slices.Sort(times)
	fmt.Printf("%s broadcast conns=%d median=%v all=%v\n", name, n, times[len(times)/2], times)
	for _, c := range conns {
		c.Close()
	}
}

// paced sends rate messages per second on each connection, spread over the
// second, and reports the round-trip percentiles.
func paced(name, addr string, n, size, rate int, d time.Duration) {
	conns := dial(addr, "/ws", n)
	msg := bytes.Repeat([]byte{'p'}, size)
	var mu sync.Mutex
	var rtts []time.Duration
	var wg sync.WaitGroup
	end := time.Now().Add(d)
	every := time.Second / time.Duration(rate)
	for i, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Spread the connections' phases over one interval.
			next := time.Now().Add(every * time.Duration(i) / time.Duration(n))
			var mine []time.Duration
			for next.Before(end) {
				time.Sleep(time.Until(next))
				t0 := time.Now()
				if err := wsutil.WriteClientMessage(c, ws.OpBinary, msg); err != nil {
					log.Fatalf("wsload: write: %v", err)
				}
				if _, _, err := wsutil.ReadServerData(c); err != nil {
					log.Fatalf("wsload: read: %v", err)
				}
				mine = append(mine, time.Since(t0))
				next = next.Add(every)
			}
			mu.Lock()
			rtts = append(rtts, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	slices.Sort(rtts)
	pct := func(p float64) time.Duration { return rtts[int(p*float64(len(rtts)-1))] }
	fmt.Printf("%s paced conns=%d rate=%d/s size=%d samples=%d p50=%v p99=%v max=%v\n", name, n, rate, size,
		len(rtts), pct(0.50), pct(0.99), rtts[len(rtts)-1])
	for _, c := range conns {
		c.Close()
	}
}
