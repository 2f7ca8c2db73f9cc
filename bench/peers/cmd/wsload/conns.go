package main

import (
	"bytes"
	"fmt"
	"sync"
	"syscall"
	"time"

	"github.com/eddy-go/eddy/bench/peers/internal/wsclient"
)

// helloMsg is the message every connection echoes once when it opens, so the server has it
// fully set up before anything is measured.
var helloMsg = []byte("hello from wsload")

// hello reports whether connections echo helloMsg when they open: not to a broadcast room
// (-prefix ""), where every message is broadcast.
func (c *config) hello() bool { return c.mode != "bcast" || c.prefix != "" }

// openAll opens c.n WebSockets, c.parallel at a time, and makes one echo on each. It returns
// the open ones, how many failed and the first failure.
func openAll(c *config) ([]*wsclient.Echoer, int, error) {
	o := wsclient.Options{Path: c.path, Timeout: 10 * time.Second}
	if c.deflate {
		o.Extensions = wsclient.DeflateOffer
	}
	all := make([]*wsclient.Echoer, c.n)
	errs := make([]error, c.n)
	next := make(chan int)
	var wg sync.WaitGroup
	for range c.parallel {
		wg.Go(func() {
			for i := range next {
				all[i], errs[i] = open(c.addr, o, c.hello())
			}
		})
	}
	for i := range c.n {
		next <- i
	}
	close(next)
	wg.Wait()
	var conns []*wsclient.Echoer
	failed := 0
	var first error
	for i, e := range all {
		if e != nil {
			conns = append(conns, e)
			continue
		}
		failed++
		if first == nil {
			first = errs[i]
		}
	}
	return conns, failed, first
}

// open dials and, with hello, makes one echo.
func open(addr string, o wsclient.Options, hello bool) (*wsclient.Echoer, error) {
	c, err := wsclient.Dial(addr, o)
	if err != nil {
		return nil, err
	}
	e := wsclient.NewEchoer(c)
	if !hello {
		return e, nil
	}
	c.NetConn().SetDeadline(time.Now().Add(o.Timeout))
	if err := echoOnce(e, wsclient.OpText, helloMsg); err != nil {
		c.Close()
		return nil, err
	}
	c.NetConn().SetDeadline(time.Time{})
	return e, nil
}

// echoOnce sends p and wants it back unchanged.
func echoOnce(e *wsclient.Echoer, op byte, p []byte) error {
	if err := e.Send(op, p); err != nil {
		return err
	}
	gotOp, got, err := e.Receive()
	if err != nil {
		return err
	}
	if gotOp != op || !bytes.Equal(got, p) {
		return fmt.Errorf("echo of %d bytes came back as op %d with %d bytes", len(p), gotOp, len(got))
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
	lim.Max = max(lim.Max, need)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return fmt.Errorf("raise open-file limit to %d (try ulimit -n %d): %w", need, need, err)
	}
	return nil
}
