package main

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/eddy-go/eddy/bench/peers/internal/wsclient"
	"golang.org/x/sys/unix"
)

// roundTimeout bounds how long one broadcast may take to reach every receiver.
const roundTimeout = 30 * time.Second

// warmRounds bounds the unmeasured broadcasts that make sure every receiver is registered.
const warmRounds = 5

// broadcast opens c.n receivers plus one sender, then c.rounds times has the sender ask for a
// broadcast and times the arrival of every receiver's copy. The receivers are read by one
// epoll loop, so the time to the last one is the server's fan-out plus one read per receiver.
// Unmeasured broadcasts come first, until one reaches every receiver: a server may register a
// connection a little after its handshake.
func broadcast(c *config) error {
	if c.deflate {
		return errors.New("-deflate is not supported in bcast mode")
	}
	receivers, failed, first := openAll(c)
	sc := *c
	sc.n = 1
	senders, _, err := openAll(&sc)
	fmt.Fprintf(c.out, "connected held=%d failed=%d first_error=%q\n", len(receivers), failed, errText(first))
	if len(senders) == 0 {
		return fmt.Errorf("sender: %w", err)
	}
	sender := senders[0]
	defer sender.C.Close()
	p, err := newPoller()
	if err != nil {
		return err
	}
	defer p.close()
	for _, r := range receivers {
		rc, err := p.adopt(r.C, wsclient.OpText, nil)
		if err != nil {
			return err
		}
		rc.lenient = true
	}
	for warm := range warmRounds {
		got, err := p.broadcastRound(sender, c.prefix, fmt.Appendf(nil, "warm-up %d ....................", warm), 5*time.Second)
		if err != nil {
			return err
		}
		if len(got) == len(p.conns) {
			break
		}
		if warm == warmRounds-1 {
			return fmt.Errorf("%d warm-up broadcasts reached at most %d of %d receivers", warmRounds, len(got), len(p.conns))
		}
	}
	var lasts, p50s []int64
	received, missing := 0, 0
	for round := range c.rounds {
		payload := fmt.Appendf(nil, "round %d ....................", round)
		got, err := p.broadcastRound(sender, c.prefix, payload, roundTimeout)
		if err != nil {
			return err
		}
		slices.Sort(got)
		var last, p50 int64
		if len(got) > 0 {
			last, p50 = got[len(got)-1], quantile(got, 0.5)
		}
		fmt.Fprintf(c.out, "round %d last=%d p50=%d received=%d\n", round+1, last, p50, len(got))
		lasts, p50s = append(lasts, last), append(p50s, p50)
		received += len(got)
		missing += len(p.conns) - len(got)
		if len(got) < len(p.conns) {
			break // a late copy would be taken for the next round's
		}
	}
	slices.Sort(lasts)
	slices.Sort(p50s)
	fmt.Fprintf(c.out, "result rounds=%d received=%d missing=%d last=%d p50=%d\n",
		len(lasts), received, missing, quantile(lasts, 0.5), quantile(p50s, 0.5))
	return nil
}

// broadcastRound has sender ask for a broadcast of payload (sending prefix+payload) and returns,
// for every receiver that got it within timeout, the time from the request to its arrival.
func (p *poller) broadcastRound(sender *wsclient.Echoer, prefix string, payload []byte, timeout time.Duration) ([]int64, error) {
	pending := 0
	for _, rc := range p.conns {
		if rc.err == nil {
			rc.want, rc.off, rc.inFlight = payload, 0, true
			pending++
		}
	}
	var got []int64
	base := time.Now()
	done := func(rc *rawConn) {
		got = append(got, max(int64(time.Since(base)), 1))
		pending--
	}
	if err := sender.Send(wsclient.OpText, append([]byte(prefix), payload...)); err != nil {
		return nil, fmt.Errorf("sender: %w", err)
	}
	for pending > 0 && time.Since(base) < timeout {
		ready, err := p.wait(10)
		if err != nil {
			return nil, err
		}
		for _, rc := range ready {
			if rc.err != nil {
				continue
			}
			if rc.err = rc.readMessages(done); rc.err != nil {
				unix.EpollCtl(p.epfd, unix.EPOLL_CTL_DEL, rc.fd, nil)
				if rc.inFlight {
					pending--
				}
			}
		}
	}
	// The sender's own copy, so its connection holds nothing for the next round (earlier copies
	// of a warm-up round that missed receivers may come first).
	sender.C.NetConn().SetReadDeadline(time.Now().Add(timeout))
	for {
		_, p, err := sender.Receive()
		if err != nil {
			return nil, fmt.Errorf("sender's copy: %w", err)
		}
		if string(p) == string(payload) {
			return got, nil
		}
	}
}
