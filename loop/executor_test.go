package loop

import (
	"context"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"
)

// Jobs blocked in BlockingWait do not hold the executor: spare workers run the
// others, at most Config.PoolSpare of them, and retire once the waits end.
func TestExecutorBlockingWait(t *testing.T) {
	const workers, spare = 2, 2
	s := startServer(t, Config{Loops: 1, PoolWorkers: workers, PoolSpare: spare}, func() Protocol { return echoProto{} })
	l := s.Loops()[0]
	release := make(chan struct{})
	ran := make(chan int, 16)
	blocker := func(i int) func() {
		return func() {
			l.BlockingWait(func() { <-release })
			ran <- i
		}
	}
	run := func(job func()) {
		t.Helper()
		if err := l.RunInExecutor(job, nil); err != nil {
			t.Fatal(err)
		}
	}
	// Every worker blocks: an ordinary job still runs, on a spare.
	for i := range workers {
		run(blocker(i))
	}
	waitFor(t, 10*time.Second, "the workers blocked", func() bool { return s.ExecutorStats().Blocked == workers })
	run(func() { ran <- 100 })
	if got := recv(t, ran, "an ordinary job"); got != 100 {
		t.Fatalf("ran %d", got)
	}
	// The spares block too: with workers+spare blocked, no more spares.
	for i := range spare {
		run(blocker(workers + i))
	}
	waitFor(t, 10*time.Second, "the spares blocked", func() bool { return s.ExecutorStats().Blocked == workers+spare })
	run(func() { ran <- 200 })
	select {
	case got := <-ran:
		t.Fatalf("job %d ran with every worker and spare blocked", got)
	case <-time.After(50 * time.Millisecond): // checking that nothing happens
	}
	if st := s.ExecutorStats(); st.Workers != workers+spare || st.Queued != 1 {
		t.Fatalf("stats with every worker blocked: %+v", st)
	}
	close(release)
	got := map[int]bool{}
	for range workers + spare + 1 {
		got[recv(t, ran, "the rest")] = true
	}
	if !got[200] {
		t.Fatalf("the queued job did not run: %v", got)
	}
	waitFor(t, 10*time.Second, "the spares retired", func() bool { return s.ExecutorStats().Workers == workers })
	t.Logf("%+v", s.ExecutorStats())
}

// BlockingWait's spare accounting survives a panicking wait.
func TestExecutorBlockingWaitPanics(t *testing.T) {
	var logs logBuffer
	s := startServer(t, Config{Loops: 1, PoolWorkers: 1, Logger: logs.logger()}, func() Protocol { return echoProto{} })
	l := s.Loops()[0]
	done := make(chan struct{})
	if err := l.RunInExecutor(func() { l.BlockingWait(func() { panic("wait") }) }, func() { close(done) }); err != nil {
		t.Fatal(err)
	}
	recv(t, done, "done")
	waitFor(t, 10*time.Second, "nothing blocked", func() bool { return s.ExecutorStats().Blocked == 0 })
}

// Conn.RunInExecutor runs done only while its connection is open: the completion of a
// job whose connection closed meanwhile is skipped.
func TestConnRunInExecutorSkipsClosed(t *testing.T) {
	for _, tc := range []struct {
		name      string
		closeConn bool
	}{{"open", false}, {"closed", true}} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRecorder(nil)
			s := startServer(t, Config{Loops: 1}, func() Protocol { return r })
			c := dial(t, s)
			sc := recv(t, r.made, "ConnectionMade")
			release := make(chan struct{})
			jobDone := make(chan struct{})
			doneRan := make(chan struct{}, 1)
			onLoop(t, s.Loops()[0], func() {
				err := sc.RunInExecutor(func() { <-release; close(jobDone) }, func() { doneRan <- struct{}{} })
				if err != nil {
					t.Error(err)
				}
			})
			if tc.closeConn {
				c.Close()
				recv(t, r.lost, "ConnectionLost")
				onLoop(t, s.Loops()[0], func() {
					if err := sc.RunInExecutor(func() {}, nil); err != ErrClosed {
						t.Errorf("RunInExecutor on a closed conn: %v, want ErrClosed", err)
					}
				})
			}
			close(release)
			recv(t, jobDone, "the job")
			waitFor(t, 10*time.Second, "the job finished", func() bool { return s.ExecutorBusy() == 0 })
			onLoop(t, s.Loops()[0], func() {}) // the completion, if posted, ran before this
			select {
			case <-doneRan:
				if tc.closeConn {
					t.Fatal("done ran after its connection closed")
				}
			default:
				if !tc.closeConn {
					t.Fatal("done did not run for an open connection")
				}
			}
		})
	}
}

// A job still queued when the server stops is never run; its drop releases what it
// holds (a file warm job's file), exactly once, and a job a worker took runs instead.
func TestExecutorStopDropsQueued(t *testing.T) {
	s := startServer(t, Config{Loops: 1, PoolWorkers: 1, PoolSpare: -1}, func() Protocol { return echoProto{} })
	l := s.Loops()[0]
	release := make(chan struct{})
	started := make(chan struct{})
	if err := l.RunInExecutor(func() { close(started); <-release }, nil); err != nil {
		t.Fatal(err)
	}
	recv(t, started, "the blocking job")
	var ran, dropped atomic.Int32
	if err := l.runInExecutor(execJob{job: func() { ran.Add(1) }, l: l, drop: func() { dropped.Add(1) }}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	close(release)
	if r, d := ran.Load(), dropped.Load(); r+d != 1 || d != 1 {
		t.Fatalf("queued job at stop: ran %d, dropped %d; want dropped once", r, d)
	}
}

// A warm job dropped at stop closes its file when the connection's close left it to
// the job, and leaves it to the segment otherwise.
func TestFileWarmFinish(t *testing.T) {
	for _, tc := range []struct {
		name      string
		dropped   bool // the connection closed first: dropFiles left the file to the job
		wantClose int32
	}{
		{"segment still queued", false, 0},
		{"segment dropped", true, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &countingFile{}
			w := &fileWarm{c: &Conn{}, f: f}
			if tc.dropped && !w.state.CompareAndSwap(warmRunning, warmDropped) {
				t.Fatal("state")
			}
			w.finish()
			if got := f.closes.Load(); got != tc.wantClose {
				t.Fatalf("closes %d, want %d", got, tc.wantClose)
			}
		})
	}
}

// countingFile is a File that counts its Close calls.
type countingFile struct{ closes atomic.Int32 }

func (f *countingFile) Fd() uintptr  { return ^uintptr(0) }
func (f *countingFile) Close() error { f.closes.Add(1); return nil }

// A File whose Close panics does not take the process down: closeFile logs it.
func TestCloseFilePanics(t *testing.T) {
	l := &Loop{srv: &Server{log: slog.New(slog.NewTextHandler(io.Discard, nil))}}
	l.closeFile(panickyFile{})
}

// panickyFile is a File whose Close panics.
type panickyFile struct{}

func (panickyFile) Fd() uintptr  { return ^uintptr(0) }
func (panickyFile) Close() error { panic("close") }

// A job queued off the loop (by another job, say) exactly while the server stops is
// run or dropped, never left in the queue: here stop runs to its end, or as far as it
// goes, between runInExecutor's check and its send.
func TestExecutorStopRacesEnqueue(t *testing.T) {
	s := startServer(t, Config{Loops: 1, PoolWorkers: 1, PoolSpare: -1}, func() Protocol { return echoProto{} })
	l := s.Loops()[0]
	stopDone := make(chan struct{})
	stopWaits := make(chan struct{})
	s.exec.hookStopWait = func() { close(stopWaits) }
	s.exec.hookEnqueue = func() {
		s.exec.hookEnqueue = nil
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := s.Stop(ctx); err != nil {
				t.Error(err)
			}
			close(stopDone)
		}()
		select {
		case <-stopDone: // stop did not wait for the send: the window is open
		case <-stopWaits: // stop waits for the send to end before it drops the queue
		}
	}
	var ran, dropped atomic.Int32
	err := l.runInExecutor(execJob{job: func() { ran.Add(1) }, l: l, drop: func() { dropped.Add(1) }})
	recv(t, stopDone, "the stop")
	if err != nil && err != ErrStopped {
		t.Fatalf("runInExecutor: %v", err)
	}
	want := int32(1)
	if err != nil {
		want = 0 // refused: neither run nor dropped
	}
	// A worker that took the job before it saw the stop may still be running it.
	waitFor(t, 5*time.Second, "the job run or dropped", func() bool { return ran.Load()+dropped.Load() >= want })
	if r, d := ran.Load(), dropped.Load(); r+d != want {
		t.Fatalf("job queued during stop (err %v): ran %d, dropped %d; want run or dropped %d time", err, r, d, want)
	}
	if q := s.ExecutorStats().Queued; q != 0 {
		t.Fatalf("%d jobs left queued after stop", q)
	}
}
