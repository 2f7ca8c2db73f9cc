// Command clientbench measures HTTP clients against one server: C requests in
// flight at once on keep-alive connections (GET of a small body), for a fixed
// time, then prints requests/s, the client's CPU time per request (user+sys
// of this process, from getrusage) and its allocations per request (the
// whole process's, runtime.MemStats), and on stderr the requests completed
// since the start (warm-up included), which compare.sh divides a strace -c
// count of system calls by. Run it pinned to one core with the server pinned
// to the other (compare.sh does all of it):
//
//	GOMAXPROCS=1 taskset -c 1 ./server -addr 127.0.0.1:8080 -loops 1 &
//	GOMAXPROCS=1 taskset -c 0 clientbench -url http://127.0.0.1:8080/plaintext -client eddy-loop
//
// Clients: eddy-view (client.Session.StartView from a loop: the callback sees
// the response in place and starts the next request), eddy-loop
// (client.Session.Start from a loop: the callback of each response starts the
// next request), eddy (the blocking Session.Get from C
// goroutines), nethttp (net/http.Client from C goroutines), fasthttp
// (fasthttp.Client.Do from C goroutines) and rawgnet, the floor: a gnet client
// on C connections that writes a canned request and finds the end of each
// response (its head, then Content-Length bytes), parsing nothing else.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/eddy-go/eddy/client"
	"github.com/eddy-go/eddy/loop"
	"github.com/panjf2000/gnet/v2"
	"github.com/valyala/fasthttp"
)

func main() {
	target := flag.String("url", "http://127.0.0.1:8080/plaintext", "URL to GET")
	which := flag.String("client", "eddy-loop", "eddy-view, eddy-loop, eddy, nethttp, fasthttp or rawgnet")
	conc := flag.Int("c", 128, "requests in flight")
	dur := flag.Duration("d", 5*time.Second, "measured time")
	warm := flag.Duration("warmup", time.Second, "unmeasured time first")
	profile := flag.String("cpuprofile", "", "write a CPU profile of the measured time to this file")
	flag.Parse()
	var done atomic.Int64
	stop := make(chan struct{})
	var run func()
	switch *which {
	case "eddy-loop":
		run = eddyLoop(*target, *conc, &done, stop)
	case "eddy-view":
		run = eddyView(*target, *conc, &done, stop)
	case "eddy":
		run = goroutines(*conc, &done, stop, eddyGet(*target))
	case "nethttp":
		run = goroutines(*conc, &done, stop, netGet(*target, *conc))
	case "fasthttp":
		run = goroutines(*conc, &done, stop, fastGet(*target, *conc))
	case "rawgnet":
		run = rawGnet(*target, *conc, &done, stop)
	default:
		log.Fatalf("unknown client %q", *which)
	}
	go run()
	time.Sleep(*warm)
	if *profile != "" {
		f, err := os.Create(*profile)
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatal(err)
		}
		defer pprof.StopCPUProfile()
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	n0, cpu0, t0, m0 := done.Load(), cpuTime(), time.Now(), ms.Mallocs
	time.Sleep(*dur)
	n1, cpu1, t1 := done.Load(), cpuTime(), time.Now()
	runtime.ReadMemStats(&ms)
	close(stop)
	n := n1 - n0
	if n == 0 {
		log.Fatal("no request completed")
	}
	fmt.Printf("%-10s c=%d  %9.0f req/s  %6.2f us CPU/req  %5.1f allocs/req\n", *which, *conc,
		float64(n)/t1.Sub(t0).Seconds(), float64((cpu1-cpu0).Nanoseconds())/float64(n)/1e3,
		float64(ms.Mallocs-m0)/float64(n))
	fmt.Fprintf(os.Stderr, "total requests %d\n", done.Load())
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// goroutines runs get in a loop on c goroutines.
func goroutines(c int, done *atomic.Int64, stop chan struct{}, get func() error) func() {
	return func() {
		var wg sync.WaitGroup
		for range c {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					if err := get(); err != nil {
						log.Fatal(err)
					}
					done.Add(1)
				}
			}()
		}
		wg.Wait()
	}
}

func eddyGet(target string) func() error {
	sess, err := client.New(client.Config{MaxConns: -1, DisableCompression: true})
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	return func() error {
		resp, err := sess.Get(ctx, target)
		if err != nil {
			return err
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Close()
		return err
	}
}

// eddyLoop keeps c requests in flight from one loop: each callback starts the
// next request on the same loop.
func eddyLoop(target string, c int, done *atomic.Int64, stop chan struct{}) func() {
	sess, err := client.New(client.Config{MaxConns: -1, DisableCompression: true})
	if err != nil {
		log.Fatal(err)
	}
	srv, err := loop.New(loop.Config{Addr: "127.0.0.1:0", Loops: 1}, func() loop.Protocol { return refuse{} })
	if err != nil {
		log.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		log.Fatal(err)
	}
	l := srv.Loops()[0]
	u, _ := url.Parse(target)
	var next func()
	next = func() {
		select {
		case <-stop:
			return
		default:
		}
		req := &client.Request{Method: "GET", URL: u}
		sess.Start(l, req, func(resp *client.Response, err error) {
			if err != nil {
				log.Fatal(err)
			}
			done.Add(1)
			next()
		})
	}
	return func() {
		_ = l.CallSoonThreadsafe(func() {
			for range c {
				next()
			}
		})
	}
}

// eddyView is eddyLoop with StartView: each callback checks the status and
// the body's length in place, then starts the next request.
func eddyView(target string, c int, done *atomic.Int64, stop chan struct{}) func() {
	sess, err := client.New(client.Config{MaxConns: -1, DisableCompression: true})
	if err != nil {
		log.Fatal(err)
	}
	srv, err := loop.New(loop.Config{Addr: "127.0.0.1:0", Loops: 1}, func() loop.Protocol { return refuse{} })
	if err != nil {
		log.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		log.Fatal(err)
	}
	l := srv.Loops()[0]
	u, _ := url.Parse(target)
	req := &client.Request{Method: "GET", URL: u} // never modified: one serves every request
	var cb func(*client.View, error)
	next := func() {
		select {
		case <-stop:
			return
		default:
		}
		sess.StartView(l, req, cb)
	}
	cb = func(v *client.View, err error) {
		if err != nil {
			log.Fatal(err)
		}
		if v.StatusCode() != 200 || len(v.Body()) == 0 {
			log.Fatalf("status %d, %d bytes", v.StatusCode(), len(v.Body()))
		}
		done.Add(1)
		next()
	}
	return func() {
		_ = l.CallSoonThreadsafe(func() {
			for range c {
				next()
			}
		})
	}
}

// refuse closes what the idle loop server accepts (it listens because a loop
// server must; nothing connects to it).
type refuse struct{}

func (refuse) ConnectionMade(c *loop.Conn)             { c.Abort() }
func (refuse) DataReceived(_ *loop.Conn, d []byte) int { return len(d) }
func (refuse) ConnectionLost(*loop.Conn, error)        {}

func netGet(target string, c int) func() error {
	cl := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: c, DisableCompression: true}}
	return func() error {
		resp, err := cl.Get(target)
		if err != nil {
			return err
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return err
	}
}

func fastGet(target string, c int) func() error {
	cl := &fasthttp.Client{MaxConnsPerHost: c}
	return func() error {
		req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
		defer fasthttp.ReleaseRequest(req)
		defer fasthttp.ReleaseResponse(resp)
		req.SetRequestURI(target)
		if err := cl.Do(req, resp); err != nil {
			return err
		}
		if resp.StatusCode() != 200 {
			return fmt.Errorf("status %d", resp.StatusCode())
		}
		return nil
	}
}

// rawGnet is the floor: c gnet client connections, each writing a canned
// request and finding the end of each response.
func rawGnet(target string, c int, done *atomic.Int64, stop chan struct{}) func() {
	u, _ := url.Parse(target)
	reqBytes := []byte("GET " + u.RequestURI() + " HTTP/1.1\r\nHost: " + u.Host + "\r\n\r\n")
	ev := &rawEvents{req: reqBytes, done: done}
	cli, err := gnet.NewClient(ev, gnet.WithMulticore(false))
	if err != nil {
		log.Fatal(err)
	}
	if err := cli.Start(); err != nil {
		log.Fatal(err)
	}
	return func() {
		for range c {
			conn, err := cli.Dial("tcp", u.Host)
			if err != nil {
				log.Fatal(err)
			}
			_ = conn.AsyncWrite(reqBytes, nil)
		}
		<-stop
	}
}

type rawEvents struct {
	gnet.BuiltinEventEngine
	req  []byte
	done *atomic.Int64
}

var (
	headEnd = []byte("\r\n\r\n")
	clKey   = []byte("\r\nContent-Length: ")
)

func (e *rawEvents) OnTraffic(c gnet.Conn) gnet.Action {
	in, _ := c.Peek(-1)
	used, n := 0, 0
	for {
		rest := in[used:]
		h := bytes.Index(rest, headEnd)
		if h < 0 {
			break
		}
		body := 0
		if i := bytes.Index(rest[:h+2], clKey); i >= 0 {
			j := i + len(clKey)
			k := bytes.IndexByte(rest[j:], '\r')
			body, _ = strconv.Atoi(string(rest[j : j+k]))
		}
		end := h + 4 + body
		if end > len(rest) {
			break
		}
		used += end
		n++
	}
	_, _ = c.Discard(used)
	for range n {
		_, _ = c.Write(e.req)
	}
	e.done.Add(int64(n))
	return gnet.None
}
