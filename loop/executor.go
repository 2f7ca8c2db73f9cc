package loop

import (
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
)

// executor is asyncio's run_in_executor: a pool of goroutines with a bounded queue. A
// job that finds every worker busy and the queue full is refused (ErrExecutorFull)
// rather than queued without bound.
//
// A worker that waits for a slow peer inside BlockingWait (a pool handler streaming to a
// client that does not read) would hold its place while others queue behind it; like Go's
// runtime handing off a P on a blocking system call, the executor then starts a spare
// worker in its stead (at most Config.PoolSpare at once), and once the wait ends the
// first worker to finish a job with more than Config.PoolWorkers unblocked retires.
type executor struct {
	s       *Server
	workers int // workers not blocked in BlockingWait that the executor keeps
	spare   int // extra workers at most, standing in for blocked ones
	q       chan execJob
	stopC   chan struct{}
	once    sync.Once
	busy    atomic.Int64
	live    atomic.Int64 // worker goroutines
	blocked atomic.Int64 // goroutines inside BlockingWait
	spares  atomic.Int64 // spare workers started, since start
	// gate counts the senders between their check and their send (enqueue), plus
	// gateClosed once stop began: stop waits for the count to reach zero before it
	// drops what is queued, so nothing is queued after the drop.
	gate atomic.Int64

	// Test hooks, nil outside tests: hookEnqueue runs in runInExecutor between its
	// check and its send, hookStopWait when stop waits for such a send to end.
	hookEnqueue, hookStopWait func()
}

// gateClosed is the bit of executor.gate that says stop began.
const gateClosed = 1 << 62

type execJob struct {
	job, done func()
	l         *Loop
	c         *Conn // Conn.RunInExecutor: done runs only while c is open
	// drop, if set, releases what job would have released when the executor stops
	// with job still queued (it then never runs).
	drop func()
}

func (e *executor) init(s *Server, workers, queue, spare int) {
	e.s = s
	e.workers = workers
	e.spare = spare
	e.q = make(chan execJob, queue)
	e.stopC = make(chan struct{})
}

func (e *executor) start() {
	e.live.Store(int64(e.workers))
	for range e.workers {
		go e.work()
	}
}

// stop ends the workers. Jobs still queued are not run: the loops are stopped, so
// nobody waits for their done; the ones that hold a resource release it (drop). A
// sender that passed its check before stop began (a job queueing another from a
// worker) is waited for, so its job is queued before the drop, and dropped (or run by
// a worker not gone yet); a sender after it is refused with ErrStopped.
func (e *executor) stop() {
	e.once.Do(func() {
		e.gate.Or(gateClosed)
		close(e.stopC)
		if e.gate.Load() != gateClosed && e.hookStopWait != nil {
			e.hookStopWait()
		}
		for e.gate.Load() != gateClosed {
			runtime.Gosched() // a sender is between its check and its non-blocking send
		}
		e.dropQueued()
	})
}

// enqueue queues j, or refuses it: ErrStopped once stop began, ErrExecutorFull when
// the queue is full. It never blocks.
func (e *executor) enqueue(j execJob) error {
	if e.gate.Add(1)&gateClosed != 0 {
		e.gate.Add(-1)
		return ErrStopped
	}
	if e.hookEnqueue != nil {
		e.hookEnqueue()
	}
	err := ErrExecutorFull
	select {
	case e.q <- j:
		err = nil
	default:
	}
	e.gate.Add(-1)
	return err
}

// dropQueued takes every job left in the queue and calls its drop. A worker that
// takes a job at the same moment runs it instead: each job is either run or
// dropped, never both.
func (e *executor) dropQueued() {
	for {
		select {
		case j := <-e.q:
			if j.drop != nil {
				j.drop()
			}
		default:
			return
		}
	}
}

func (e *executor) work() {
	for {
		select {
		case <-e.stopC:
			e.live.Add(-1)
			return
		case j := <-e.q:
			e.run(j)
			if e.retire() {
				return
			}
		}
	}
}

// retire reports whether this worker should end (and counts it gone): more than
// e.workers workers are not blocked, so a spare started for a wait that ended is left.
func (e *executor) retire() bool {
	for {
		n := e.live.Load()
		if n-e.blocked.Load() <= int64(e.workers) {
			return false
		}
		if e.live.CompareAndSwap(n, n-1) {
			return true
		}
	}
}

// blockingWait runs wait counted as blocked, starting a spare worker first if fewer
// than e.workers would be left to take jobs.
func (e *executor) blockingWait(wait func()) {
	b := e.blocked.Add(1)
	defer e.blocked.Add(-1)
	for {
		n := e.live.Load()
		if n-b >= int64(e.workers) || n >= int64(e.workers+e.spare) {
			break
		}
		if e.live.CompareAndSwap(n, n+1) {
			e.spares.Add(1)
			go e.work()
			break
		}
	}
	wait()
}

func (e *executor) run(j execJob) {
	e.busy.Add(1)
	defer e.busy.Add(-1)
	func() {
		defer func() {
			if r := recover(); r != nil {
				e.s.log.Error("loop: executor job panicked", "panic", r, "stack", string(debug.Stack()))
			}
		}()
		j.job()
	}()
	switch {
	case j.done == nil:
	case j.c != nil:
		c, done := j.c, j.done
		_ = j.l.post(task{func() {
			if c.flags&fClosed == 0 {
				done()
			}
		}, c})
	default:
		// ErrStopped: the loop is gone and so is whoever waited for done.
		_ = j.l.CallSoonThreadsafe(j.done)
	}
}

// RunInExecutor runs job on a pool goroutine, then done (if not nil) on this loop, even
// when job panicked (the panic is logged). job must not touch loop-owned state; done may.
// It returns ErrExecutorFull when every worker is busy and Config.PoolQueue jobs are
// already queued (an HTTP server answers 503), ErrStopped after stop; a job still
// queued when the server stops is not run, nor is its done. A job that waits
// for a slow peer wraps the wait in BlockingWait, so it does not hold a worker others
// need. Safe for concurrent use.
func (l *Loop) RunInExecutor(job func(), done func()) error {
	return l.runInExecutor(execJob{job: job, done: done, l: l})
}

// RunInExecutor is Loop.RunInExecutor for work done on c's behalf: done runs on c's loop
// only if c is still open then (a job whose connection closed meanwhile has nobody to
// answer; its result is dropped), and a panic in done aborts c. The job itself runs
// either way: it cannot be recalled from a worker. It returns ErrClosed if c is already
// closed. Safe for concurrent use.
func (c *Conn) RunInExecutor(job func(), done func()) error {
	if c.hclosed.Load() {
		return ErrClosed
	}
	return c.loop.runInExecutor(execJob{job: job, done: done, l: c.loop, c: c})
}

func (l *Loop) runInExecutor(j execJob) error {
	if l.stopped.Load() || l.stopping.Load() {
		return ErrStopped
	}
	return l.srv.exec.enqueue(j)
}

// BlockingWait runs wait, which blocks until a slow peer lets the caller go on (a pool
// handler waiting for a client to read what it streamed), without starving the other
// jobs: while wait runs, the executor may start a spare worker in the caller's stead
// (at most Config.PoolSpare at once), which retires after the wait ended. Call it
// from an executor job, around the blocking call only, never on a loop. Elsewhere it
// works but may start a spare nobody needed. Safe for concurrent use.
func (l *Loop) BlockingWait(wait func()) { l.srv.exec.blockingWait(wait) }

// ExecutorBusy is the number of executor jobs running now. Safe for concurrent use.
func (s *Server) ExecutorBusy() int { return int(s.exec.busy.Load()) }

// ExecutorStats are the executor's counters.
type ExecutorStats struct {
	Busy    int   // jobs running
	Blocked int   // goroutines inside BlockingWait
	Workers int   // worker goroutines (Config.PoolWorkers, plus spares)
	Spares  int64 // spare workers started since the server started
	Queued  int   // jobs waiting for a worker
}

// ExecutorStats returns a snapshot of the executor's counters. Safe for concurrent use.
func (s *Server) ExecutorStats() ExecutorStats {
	e := &s.exec
	return ExecutorStats{
		Busy:    int(e.busy.Load()),
		Blocked: int(e.blocked.Load()),
		Workers: int(e.live.Load()),
		Spares:  e.spares.Load(),
		Queued:  len(e.q),
	}
}
