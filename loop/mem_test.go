//go:build !race

package loop

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// An idle connection must cost less than 1 KiB of heap in total: our Conn, gnet's conn
// and its buffers, addresses, the echo protocol. The client sockets live in a child
// process so the server's fd limit only has to cover the server side.
func TestIdleConnMemory(t *testing.T) {
	if os.Getenv("LOOP_IDLE_CHILD") != "" {
		idleChild(os.Getenv("LOOP_IDLE_CHILD"))
		return
	}
	if testing.Short() {
		t.Skip("opens 10,000 connections")
	}
	const n = 10000
	var lim syscall.Rlimit
	_ = syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim)
	if lim.Cur < n+500 {
		lim.Cur = min(lim.Max, n+1000)
		_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
	}
	if lim.Cur < n+500 {
		t.Skipf("RLIMIT_NOFILE hard limit %d is below %d", lim.Max, n+500)
	}
	// LOOP_IDLE_HEAPPROFILE=file records every allocation (MemProfileRate 1) and writes
	// the heap profile with the connections held: go tool pprof -sample_index=inuse_space.
	profile := os.Getenv("LOOP_IDLE_HEAPPROFILE")
	if profile != "" {
		defer func(r int) { runtime.MemProfileRate = r }(runtime.MemProfileRate)
		runtime.MemProfileRate = 1
	}
	s := startServer(t, Config{}, func() Protocol { return echoProto{} })
	heap0, rss0 := memNow()

	cmd := exec.Command(os.Args[0], "-test.run=^TestIdleConnMemory$", "-test.count=1")
	cmd.Env = append(os.Environ(), "LOOP_IDLE_CHILD="+s.Addr().String()+" "+strconv.Itoa(n))
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { stdin.Close(); _ = cmd.Wait() }()
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "READY") {
			break
		}
		if strings.HasPrefix(sc.Text(), "FAIL") {
			t.Skipf("client could not open the connections: %s", sc.Text())
		}
	}
	waitFor(t, 60*time.Second, "10,000 connections", func() bool { return s.NumConns() == n })
	heap1, rss1 := memNow()
	perHeap := float64(heap1-heap0) / n
	perRSS := float64(rss1-rss0) / n
	t.Logf("idle conn: %.0f B heap, %.0f B RSS (%d conns)", perHeap, perRSS, n)
	if profile != "" {
		f, err := os.Create(profile)
		if err != nil {
			t.Fatal(err)
		}
		if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	if perHeap >= 1024 {
		t.Fatalf("idle connection costs %.0f B of heap, want < 1024", perHeap)
	}
}

func memNow() (heap, rss uint64) {
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

// idleChild opens n raw sockets to addr and holds them until stdin closes.
func idleChild(arg string) {
	var addr string
	var n int
	fmt.Sscan(arg, &addr, &n)
	var lim syscall.Rlimit
	_ = syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim)
	lim.Cur = lim.Max
	_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
	host, portS, _ := strings.Cut(addr, ":")
	port, _ := strconv.Atoi(portS)
	var ip [4]byte
	for i, p := range strings.Split(host, ".") {
		v, _ := strconv.Atoi(p)
		ip[i] = byte(v)
	}
	for i := range n {
		fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
		if err == nil {
			err = syscall.Connect(fd, &syscall.SockaddrInet4{Port: port, Addr: ip})
		}
		if err != nil {
			fmt.Println("FAIL", i, err)
			return
		}
	}
	fmt.Println("READY")
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
}
