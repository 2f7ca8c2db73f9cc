package main

import (
	"bytes"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/eddy-go/eddy/bench/peers/contract"
	"github.com/eddy-go/eddy/bench/peers/internal/wsclient"
)

// roundTimeout bounds how long one broadcast may take to reach every receiver.
const roundTimeout = 30 * time.Second

// broadcast opens c.n receivers plus one sender, then c.rounds times has the sender ask for a
// broadcast and times, on every receiver, the arrival of its copy.
func broadcast(c *config) error {
	receivers, failed, first := openAll(c)
	sc := *c
	sc.n = 1
	senders, _, err := openAll(&sc)
	fmt.Fprintf(c.out, "connected held=%d failed=%d first_error=%q\n", len(receivers), failed, errText(first))
	if len(senders) == 0 {
		return fmt.Errorf("sender: %w", err)
	}
	sender := senders[0]
	base := time.Now()
	var sentAt atomic.Int64 // nanoseconds since base
	var want atomic.Pointer[[]byte]
	lat := make([]atomic.Int64, len(receivers))
	var pending sync.WaitGroup
	for i, r := range receivers {
		go func() {
			for {
				_, p, err := r.Receive()
				if err != nil {
					return // the connection closed: the round counts it missing
				}
				if w := want.Load(); w != nil && bytes.Equal(p, *w) && lat[i].Load() == 0 {
					lat[i].Store(max(int64(time.Since(base))-sentAt.Load(), 1))
					pending.Done()
				}
			}
		}()
	}
	var lasts, p50s []int64
	received, missing := 0, 0
	for round := range c.rounds {
		payload := fmt.Appendf(nil, "round %d %s", round, bytes.Repeat([]byte{'.'}, 20))
		want.Store(&payload)
		for i := range lat {
			lat[i].Store(0)
		}
		pending.Add(len(receivers))
		sentAt.Store(int64(time.Since(base)))
		if err := sender.Send(wsclient.OpText, append([]byte(contract.BroadcastPrefix), payload...)); err != nil {
			return fmt.Errorf("sender: %w", err)
		}
		done := make(chan struct{})
		go func() {
			pending.Wait()
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(roundTimeout):
		}
		var got []int64
		for i := range lat {
			if v := lat[i].Load(); v > 0 {
				got = append(got, v)
			}
		}
		slices.Sort(got)
		var last, p50 int64
		if len(got) > 0 {
			last, p50 = got[len(got)-1], quantile(got, 0.5)
		}
		fmt.Fprintf(c.out, "round %d last=%d p50=%d received=%d\n", round+1, last, p50, len(got))
		lasts, p50s = append(lasts, last), append(p50s, p50)
		received += len(got)
		missing += len(receivers) - len(got)
		if len(got) < len(receivers) {
			break // the pending counts cannot be trusted for another round
		}
		// The sender's own copy, read here so its connection never reads and writes at once.
		sender.C.NetConn().SetReadDeadline(time.Now().Add(roundTimeout))
		if _, _, err := sender.Receive(); err != nil {
			return fmt.Errorf("sender's copy: %w", err)
		}
	}
	slices.Sort(lasts)
	slices.Sort(p50s)
	fmt.Fprintf(c.out, "result rounds=%d received=%d missing=%d last=%d p50=%d\n",
		len(lasts), received, missing, quantile(lasts, 0.5), quantile(p50s, 0.5))
	sender.C.Close()
	for _, r := range receivers {
		r.C.Close()
	}
	return nil
}
