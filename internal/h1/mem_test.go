package h1

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/eddy-go/eddy/loop"
)

// TestConnStateSize: the engine's own per-connection state stays small.
func TestConnStateSize(t *testing.T) {
	if s := unsafe.Sizeof(conn{}); s > 96 {
		t.Fatalf("conn is %d bytes, want <= 96 (a size class of the allocator)", s)
	}
}

// countingHandler is plainHandler with a count of served requests.
type countingHandler struct {
	plainHandler
	served atomic.Int64
}

func (h *countingHandler) Serve(x *Exchange) {
	h.served.Add(1)
	h.plainHandler.Serve(x)
}

// TestIdleKeepAliveMemory: 10,000 keep-alive connections that each made
// one request and now sit idle cost < 1 KiB of server heap each, the
// loop's and gnet's state included. The clients live in a child process so
// only the server is measured.
func TestIdleKeepAliveMemory(t *testing.T) {
	if arg := os.Getenv("H1_IDLE_CHILD"); arg != "" {
		idleClients(arg)
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
	h := &countingHandler{}
	srv, err := loop.New(loop.Config{Addr: "127.0.0.1:0", Loops: 2}, NewFactory(Config{}, h))
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer srv.Stop(t.Context())
	heap0 := heapNow()

	cmd := exec.Command(os.Args[0], "-test.run=^TestIdleKeepAliveMemory$", "-test.count=1")
	cmd.Env = append(os.Environ(), "H1_IDLE_CHILD="+srv.Addr().String()+" "+strconv.Itoa(n))
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
	waitFor(t, "10,000 requests served", 60*time.Second, func() bool {
		return srv.NumConns() == n && h.served.Load() == n
	})
	per := float64(heapNow()-heap0) / n
	t.Logf("idle keep-alive connection: %.0f B of server heap (%d conns)", per, n)
	if per >= 1024 {
		t.Fatalf("an idle keep-alive connection costs %.0f B, want < 1024", per)
	}
}

func heapNow() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// idleClients opens n sockets to addr, sends one request on each, reads
// its response, and holds them until stdin closes.
func idleClients(arg string) {
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
	req := []byte("GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n")
	buf := make([]byte, 4096)
	for i := range n {
		fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
		if err == nil {
			err = syscall.Connect(fd, &syscall.SockaddrInet4{Port: port, Addr: ip})
		}
		if err == nil {
			_, err = syscall.Write(fd, req)
		}
		if err == nil {
			_, err = syscall.Read(fd, buf)
		}
		if err != nil {
			fmt.Println("FAIL", i, err)
			return
		}
	}
	fmt.Println("READY")
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
}
