// Package idleconns is test support for memory tests: it holds many idle
// client connections to a server in a child process (the test binary run
// again), so the server's heap and fd limit carry only the server side.
//
// A test that uses it calls RunChild first and returns at once when it
// reports true (this process is the child), then Hold:
//
//	func TestIdleMemory(t *testing.T) {
//		if idleconns.RunChild() {
//			return
//		}
//		idleconns.RaiseFDLimit(t, n)
//		... start the server, heap0, _ := idleconns.Mem()
//		idleconns.Hold(t, "TestIdleMemory", addr, n, request)
//		... wait until the server has n connections, then measure
//	}
//
// It is imported only by _test files.
package idleconns

import (
	"bufio"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// env carries "addr n request" from Hold to the child.
const env = "EDDY_IDLECONNS_CHILD"

// RunChild reports whether this process is a child started by Hold. If it
// is, it opens the connections, sends the request on each (when there is
// one) and reads a reply, prints READY, and holds them until its standard
// input closes; the calling test must then return without doing anything.
func RunChild() bool {
	arg, ok := os.LookupEnv(env)
	if !ok {
		return false
	}
	var addr, req string
	var n int
	if _, err := fmt.Sscanf(arg, "%s %d %q", &addr, &n, &req); err != nil {
		fmt.Println("FAIL", env, err)
		return true
	}
	if err := holdConns(addr, n, req); err != nil {
		fmt.Println("FAIL", err)
		return true
	}
	fmt.Println("READY")
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
	return true
}

// Hold runs the test named test again as a child process that opens n
// connections to addr (an IPv4 "host:port"), writes request on each (nil:
// none) and reads its reply, and holds them until the test ends. It returns
// once every connection is open; if the child cannot open them all (fd
// limits), the test is skipped with the child's reason.
func Hold(t testing.TB, test, addr string, n int, request []byte) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+test+"$", "-test.count=1")
	cmd.Env = append(os.Environ(), env+"="+addr+" "+strconv.Itoa(n)+" "+strconv.Quote(string(request)))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stdin.Close(); _ = cmd.Wait() })
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		switch line := sc.Text(); {
		case strings.HasPrefix(line, "READY"):
			return
		case strings.HasPrefix(line, "FAIL"):
			t.Skipf("client could not open the connections: %s", line)
		}
	}
	t.Fatalf("client exited before it was ready: %v", sc.Err())
}

// RaiseFDLimit raises this process's RLIMIT_NOFILE so it can hold n
// connections plus some slack, or skips t when the hard limit is too low.
func RaiseFDLimit(t testing.TB, n int) {
	t.Helper()
	var lim syscall.Rlimit
	_ = syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim)
	if lim.Cur < uint64(n+500) {
		lim.Cur = min(lim.Max, uint64(n+1000))
		_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
	}
	if lim.Cur < uint64(n+500) {
		t.Skipf("RLIMIT_NOFILE hard limit %d is below %d", lim.Max, n+500)
	}
}

// Mem returns the live heap after two collections and the process's
// resident set size (0 where /proc is missing).
func Mem() (heap, rss uint64) {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	if b, err := os.ReadFile("/proc/self/statm"); err == nil {
		if f := strings.Fields(string(b)); len(f) > 1 {
			pages, _ := strconv.ParseUint(f[1], 10, 64)
			rss = pages * uint64(os.Getpagesize())
		}
	}
	return ms.HeapAlloc, rss
}

// holdConns opens n raw sockets (no Go runtime poller state, so the child
// stays small) and leaves them open. It works in batches: open and write
// to a batch, then read the batch's replies, so that a loaded machine pays
// one scheduling delay per batch rather than one per connection (one at a
// time, 10,000 connections took 40 s with the machine saturated). A batch
// stays well below the kernel's default accept backlog (4,096).
func holdConns(addr string, n int, req string) error {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil || !ap.Addr().Is4() {
		return fmt.Errorf("address %q: want IPv4 host:port", addr)
	}
	var lim syscall.Rlimit
	_ = syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim)
	lim.Cur = lim.Max
	_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
	sa := &syscall.SockaddrInet4{Port: int(ap.Port()), Addr: ap.Addr().As4()}
	const batch = 256
	buf := make([]byte, 4096)
	fds := make([]int, 0, batch)
	for start := 0; start < n; start += batch {
		fds = fds[:0]
		for i := start; i < min(n, start+batch); i++ {
			fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
			if err == nil {
				err = syscall.Connect(fd, sa)
			}
			if err == nil && req != "" {
				_, err = syscall.Write(fd, []byte(req))
			}
			if err != nil {
				return fmt.Errorf("connection %d: %v", i, err)
			}
			fds = append(fds, fd)
		}
		if req == "" {
			continue
		}
		for i, fd := range fds {
			if _, err := syscall.Read(fd, buf); err != nil {
				return fmt.Errorf("connection %d: %v", start+i, err)
			}
		}
	}
	return nil
}
