package loop

import (
	"runtime/debug"
	"sync"
	"sync/atomic"
)

// executor is asyncio's run_in_executor: a fixed pool of goroutines with a bounded
// queue. A job that finds every worker busy and the queue full is refused
// (ErrExecutorFull) rather than queued without bound.
type executor struct {
	s       *Server
	workers int
	q       chan execJob
	stopC   chan struct{}
	once    sync.Once
	busy    atomic.Int64
}

type execJob struct {
	job, done func()
	l         *Loop
}

func (e *executor) init(s *Server, workers, queue int) {
	e.s = s
	e.workers = workers
	e.q = make(chan execJob, queue)
	e.stopC = make(chan struct{})
}

func (e *executor) start() {
	for range e.workers {
		go e.work()
	}
}

func (e *executor) stop() { e.once.Do(func() { close(e.stopC) }) }

func (e *executor) work() {
	for {
		select {
		case <-e.stopC:
			return
		case j := <-e.q:
			e.run(j)
		}
	}
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
	if j.done != nil {
		// ErrStopped: the loop is gone and so is whoever waited for done.
		_ = j.l.CallSoonThreadsafe(j.done)
	}
}

// RunInExecutor runs job on a pool goroutine, then done (if not nil) on this loop, even
// when job panicked (the panic is logged). job must not touch loop-owned state; done may.
// It returns ErrExecutorFull when every worker is busy and Config.ExecutorQueue jobs are
// already queued (an HTTP server answers 503), ErrStopped after stop. Safe for
// concurrent use.
func (l *Loop) RunInExecutor(job func(), done func()) error {
	e := &l.srv.exec
	if l.stopped.Load() || l.stopping.Load() {
		return ErrStopped
	}
	select {
	case e.q <- execJob{job: job, done: done, l: l}:
		return nil
	default:
		return ErrExecutorFull
	}
}

// ExecutorBusy is the number of executor jobs running now. Safe for concurrent use.
func (s *Server) ExecutorBusy() int { return int(s.exec.busy.Load()) }
