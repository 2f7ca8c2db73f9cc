package main

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/eddy-go/eddy/bench/peers/internal/wsclient"
)

// worker drives one connection and keeps what it measured.
type worker struct {
	e      *wsclient.Echoer
	lat    []int64 // round trips of the measured phase, in nanoseconds
	echoes int64
	err    error // the first failure; the worker stops at it
}

// stats is what one measured phase gives.
type stats struct {
	echoes             int64
	p50, p99, p999, mx int64
	errors             int
	first              error
}

// load runs the echo or paced mode.
func load(c *config) error {
	conns, failed, first := openAll(c)
	if len(conns) == 0 {
		fmt.Fprintf(c.out, "ready held=0 failed=%d first_error=%q\n", failed, errText(first))
		return fmt.Errorf("no connection opened: %w", first)
	}
	op, payload := wsclient.OpBinary, make([]byte, c.size)
	for i := range payload {
		payload[i] = byte(i)
	}
	if c.text {
		op = wsclient.OpText
		for i := range payload {
			payload[i] = 'a' + byte(i%26)
		}
	}
	if c.mode == "echo" && !slices.ContainsFunc(conns, func(e *wsclient.Echoer) bool { return e.Deflate }) {
		return loadEpoll(c, conns, op, payload, failed, first)
	}
	workers := make([]*worker, len(conns))
	for i, e := range conns {
		workers[i] = &worker{e: e}
	}
	if c.warmup > 0 {
		phase(c, workers, op, payload, c.warmup)
		for _, w := range workers {
			w.lat, w.echoes = w.lat[:0], 0
		}
	}
	fmt.Fprintf(c.out, "ready held=%d failed=%d first_error=%q\n", len(conns), failed, errText(first))
	if c.wait {
		waitGo(c.in)
	}
	start, cpu0 := time.Now(), ownCPU()
	phase(c, workers, op, payload, c.duration)
	secs, cpu := time.Since(start).Seconds(), ownCPU()-cpu0
	s := summarize(workers)
	fmt.Fprintf(c.out, "result echoes=%d seconds=%.3f client_cpu=%.3f p50=%d p99=%d p999=%d max=%d errors=%d first_error=%q\n",
		s.echoes, secs, cpu.Seconds(), s.p50, s.p99, s.p999, s.mx, s.errors, errText(s.first))
	if c.wait {
		waitRelease(c.in) // the harness reads the server's CPU time before the connections close
	}
	for _, w := range workers {
		w.e.C.Close()
	}
	return nil
}

// loadEpoll is the echo mode on the poller (uncompressed messages only).
func loadEpoll(c *config, conns []*wsclient.Echoer, op byte, payload []byte, failed int, first error) error {
	p, err := newPoller()
	if err != nil {
		return err
	}
	defer p.close()
	for _, e := range conns {
		if _, err := p.adopt(e.C, op, payload); err != nil {
			return err
		}
	}
	const drain = 10 * time.Second
	if c.warmup > 0 {
		p.closedLoop(c.warmup, drain, false)
	}
	fmt.Fprintf(c.out, "ready held=%d failed=%d first_error=%q\n", len(conns), failed, errText(first))
	if c.wait {
		waitGo(c.in)
	}
	start, cpu0 := time.Now(), ownCPU()
	p.closedLoop(c.duration, drain, true)
	secs, cpu := time.Since(start).Seconds(), ownCPU()-cpu0
	workers := make([]*worker, 0, len(p.conns))
	for _, rc := range p.conns {
		workers = append(workers, &worker{lat: rc.lat, echoes: rc.echoes, err: rc.err})
	}
	s := summarize(workers)
	fmt.Fprintf(c.out, "result echoes=%d seconds=%.3f client_cpu=%.3f p50=%d p99=%d p999=%d max=%d errors=%d first_error=%q\n",
		s.echoes, secs, cpu.Seconds(), s.p50, s.p99, s.p999, s.mx, s.errors, errText(s.first))
	if c.wait {
		waitRelease(c.in) // the harness reads the server's CPU time before the connections close
	}
	return nil
}

// phase runs every worker for d; it returns when every message in flight has come back.
func phase(c *config, workers []*worker, op byte, payload []byte, d time.Duration) {
	var stop atomic.Bool
	t := time.AfterFunc(d, func() { stop.Store(true) })
	defer t.Stop()
	var wg sync.WaitGroup
	for _, w := range workers {
		if w.err != nil {
			continue
		}
		if c.mode == "paced" {
			wg.Go(func() { w.paced(&stop, op, payload, c.rate) })
		} else {
			wg.Go(func() { w.closedLoop(&stop, op, payload) })
		}
	}
	wg.Wait()
}

func (w *worker) closedLoop(stop *atomic.Bool, op byte, payload []byte) {
	for !stop.Load() {
		t0 := time.Now()
		if w.err = echoOnce(w.e, op, payload); w.err != nil {
			return
		}
		w.lat = append(w.lat, int64(time.Since(t0)))
		w.echoes++
	}
}

// paced sends rate messages a second, starting at a random offset within the first interval
// so the connections do not send in step. Each round trip counts from its scheduled time.
func (w *worker) paced(stop *atomic.Bool, op byte, payload []byte, rate float64) {
	interval := time.Duration(float64(time.Second) / rate)
	next := time.Now().Add(time.Duration(rand.Int64N(int64(interval))))
	for {
		if d := time.Until(next); d > 0 {
			time.Sleep(d)
		}
		if stop.Load() {
			return
		}
		if w.err = echoOnce(w.e, op, payload); w.err != nil {
			return
		}
		w.lat = append(w.lat, int64(time.Since(next)))
		w.echoes++
		next = next.Add(interval)
	}
}

func summarize(workers []*worker) stats {
	var s stats
	var all []int64
	for _, w := range workers {
		s.echoes += w.echoes
		all = append(all, w.lat...)
		if w.err != nil {
			s.errors++
			if s.first == nil {
				s.first = w.err
			}
		}
	}
	slices.Sort(all)
	s.p50, s.p99, s.p999 = quantile(all, 0.50), quantile(all, 0.99), quantile(all, 0.999)
	if len(all) > 0 {
		s.mx = all[len(all)-1]
	}
	return s
}

// ownCPU is the user+system time this process has used.
func ownCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// quantile returns the q-quantile of sorted v (nearest rank), 0 for none.
func quantile(v []int64, q float64) int64 {
	if len(v) == 0 {
		return 0
	}
	i := int(q*float64(len(v))+0.5) - 1
	return v[min(max(i, 0), len(v)-1)]
}
