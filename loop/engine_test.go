package loop

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Trap 5: gnet's accept failing with EMFILE stops the whole engine and gnet.Run returns
// nil. Wait must report it as an error. The child process lowers its own fd limit, so
// the test's process is not affected.
func TestTrapEngineDeathReported(t *testing.T) {
	if os.Getenv("LOOP_EMFILE_CHILD") == "1" {
		emfileChild()
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestTrapEngineDeathReported$", "-test.count=1")
	cmd.Env = append(os.Environ(), "LOOP_EMFILE_CHILD=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	sc := bufio.NewScanner(out)
	var addr string
	for sc.Scan() {
		if a, ok := strings.CutPrefix(sc.Text(), "ADDR "); ok {
			addr = a
			break
		}
	}
	if addr == "" {
		t.Fatal("child did not start")
	}
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	result := make(chan string, 1)
	go func() {
		for sc.Scan() {
			if r, ok := strings.CutPrefix(sc.Text(), "WAIT "); ok {
				result <- r
				return
			}
		}
		result <- "child exited without a result"
	}()
	deadline := time.After(20 * time.Second)
	for {
		select {
		case r := <-result:
			if !strings.HasPrefix(r, "err ") || !strings.Contains(r, ErrEngineStopped.Error()) {
				t.Fatalf("Wait in child: %s; want an error wrapping ErrEngineStopped", r)
			}
			return
		case <-deadline:
			t.Fatal("engine did not stop after EMFILE")
		default:
		}
		if len(conns) < 200 {
			if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
				conns = append(conns, c)
				continue
			}
		}
		select {
		case r := <-result:
			result <- r
		case <-time.After(10 * time.Millisecond): // waiting for the child's report, not a sync
		}
	}
}

// exhaustFDs uses up the process's descriptors but free: it duplicates stdin until that
// fails (or 4097 copies are held), closes the last free copies and lowers RLIMIT_NOFILE
// to one past the highest, so only those free descriptors can be opened again.
func exhaustFDs(free int) {
	var fds []int
	for {
		fd, err := syscall.Dup(0)
		if err != nil {
			break
		}
		fds = append(fds, fd)
		if len(fds) > 4096 {
			break
		}
	}
	lim := uint64(fds[len(fds)-1] + 1)
	for _, fd := range fds[len(fds)-free:] {
		syscall.Close(fd)
	}
	_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &syscall.Rlimit{Cur: lim, Max: lim})
}

func emfileChild() {
	s, err := New(Config{Addr: "127.0.0.1:0", Loops: 1, ReusePort: true}, func() Protocol { return echoProto{} })
	if err == nil {
		err = s.Start()
	}
	if err != nil {
		fmt.Println("WAIT start failed:", err)
		return
	}
	exhaustFDs(8) // room for a few accepts only
	fmt.Println("ADDR", s.Addr().String())
	werr := s.Wait()
	if werr != nil {
		fmt.Println("WAIT err", werr)
	} else {
		fmt.Println("WAIT nil")
	}
}
