package main

import (
	"fmt"
	"os"
	"syscall"
	"time"
)

// hold takes the machine-wide benchmark lock (-lock), waiting for it, and returns the
// function that releases it; with no -lock both do nothing. The harness holds it for one
// measured cell at a time (its warm-up and rounds), so on a shared machine no other
// measurement runs during one, and others get in between cells instead of waiting for
// the whole run. It is the same lock as flock(1) takes on the file.
func (o *options) hold(what string) (release func(), err error) {
	if o.lock == "" {
		return func() {}, nil
	}
	f, err := os.OpenFile(o.lock, os.O_RDONLY|os.O_CREATE, 0o666)
	if err != nil {
		return nil, fmt.Errorf("-lock: %w", err)
	}
	fmt.Fprintf(os.Stderr, "harness: waiting for %s (%s)\n", o.lock, what)
	t0 := time.Now()
	defer func() { o.lockWait += time.Since(t0) }()
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("-lock %s: %w", o.lock, err)
	}
	return func() { f.Close() }, nil // closing the only descriptor releases the lock
}
