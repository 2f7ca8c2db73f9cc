package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/eddy-go/eddy/loop"
)

func startResp(t *testing.T) *loop.Server {
	t.Helper()
	srv, err := newServer(loop.Config{Addr: "127.0.0.1:0", Loops: 2})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Drain(ctx); err != nil {
			t.Errorf("drain: %v", err)
		}
	})
	return srv
}

// tool returns the path of an external program, skipping the test without it (failing
// under CI=true).
func tool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is required in CI: %v", name, err)
		}
		t.Skipf("%s not installed", name)
	}
	return p
}

func TestRedisCLI(t *testing.T) {
	cli := tool(t, "redis-cli")
	srv := startResp(t)
	_, port, _ := net.SplitHostPort(srv.Addr().String())
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"PING"}, "PONG"},
		{[]string{"ping", "hello"}, "hello"},
		{[]string{"ECHO", "a b"}, "a b"},
		{[]string{"GET", "missing"}, ""},
		{[]string{"SET", "k", "v1"}, "OK"},
		{[]string{"GET", "k"}, "v1"},
		{[]string{"SET", "k", "v2", "EX", "100"}, "OK"},
		{[]string{"GET", "k"}, "v2"},
		{[]string{"SET", "gone", "x", "PX", "1"}, "OK"},
		{[]string{"SET", "k", "v", "EX", "0"}, "ERR invalid expire time in 'set' command"},
		{[]string{"SET", "k", "v", "EX", "ten"}, "ERR value is not an integer or out of range"},
		{[]string{"SET", "k", "v", "KEEP"}, "ERR syntax error"},
		{[]string{"EXISTS", "k", "nope", "k"}, "2"},
		{[]string{"INCR", "n"}, "1"},
		{[]string{"INCR", "n"}, "2"},
		{[]string{"INCR", "k"}, "ERR value is not an integer or out of range"},
		{[]string{"MSET", "a", "1", "b", "2"}, "OK"},
		{[]string{"MGET", "a", "nope", "b"}, "1\n\n2"},
		{[]string{"DEL", "a", "b", "nope"}, "2"},
		{[]string{"EXISTS", "a"}, "0"},
		{[]string{"GET"}, "ERR wrong number of arguments for 'get' command"},
		{[]string{"MSET", "a"}, "ERR wrong number of arguments for 'mset' command"},
		{[]string{"NOSUCH", "x"}, "ERR unknown command 'NOSUCH', with args beginning with: 'x'"},
	}
	for _, tc := range cases {
		out, err := exec.Command(cli, append([]string{"-h", "127.0.0.1", "-p", port}, tc.args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("redis-cli %v: %v: %s", tc.args, err, out)
		}
		if got := strings.TrimSpace(string(out)); got != tc.want {
			t.Errorf("redis-cli %v = %q, want %q", tc.args, got, tc.want)
		}
	}
	// The PX 1 key expires.
	deadline := time.Now().Add(5 * time.Second)
	for {
		out, _ := exec.Command(cli, "-h", "127.0.0.1", "-p", port, "EXISTS", "gone").Output()
		if strings.TrimSpace(string(out)) == "0" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("SET PX 1 key did not expire")
		}
		time.Sleep(5 * time.Millisecond) // polling interval
	}
}

// Protocol errors are answered like Redis, then the connection closes.
func TestProtocolErrors(t *testing.T) {
	srv := startResp(t)
	cases := []struct{ in, want string }{
		{"*x\r\n", "-ERR Protocol error: invalid multibulk length\r\n"},
		{"*2\r\n$3\r\nGET\r\n:1\r\n", "-ERR Protocol error: expected '$', got ':'\r\n"},
		{"*1\r\n$-5\r\n", "-ERR Protocol error: invalid bulk length\r\n"},
		{"*1\r\n$3\r\nPINGX\r\n", "-ERR Protocol error: invalid bulk length\r\n"},
		{"*99999999\r\n", "-ERR Protocol error: invalid multibulk length\r\n"},
		{"PING\r\n*1\r\n$4\r\nPING\r\n*x\r\n", "+PONG\r\n+PONG\r\n-ERR Protocol error: invalid multibulk length\r\n"},
	}
	for _, tc := range cases {
		c, err := net.Dial("tcp", srv.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := c.Write([]byte(tc.in)); err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(c) // the server closes after a protocol error
		c.Close()
		if err != nil || string(got) != tc.want {
			t.Errorf("%q: got %q (%v), want %q then close", tc.in, got, err, tc.want)
		}
	}
}

// Pipelined commands split at every byte boundary give the same replies.
func TestPipelineSplit(t *testing.T) {
	srv := startResp(t)
	in := "*3\r\n$3\r\nSET\r\n$1\r\np\r\n$5\r\nhello\r\nPING\r\n*2\r\n$3\r\nGET\r\n$1\r\np\r\n*2\r\n$4\r\nINCR\r\n$1\r\nq\r\n"
	want := "+OK\r\n+PONG\r\n$5\r\nhello\r\n:"
	for cut := 1; cut < len(in); cut += 7 {
		c, err := net.Dial("tcp", srv.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
		c.(*net.TCPConn).SetNoDelay(true)
		if _, err := c.Write([]byte(in[:cut])); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Write([]byte(in[cut:])); err != nil {
			t.Fatal(err)
		}
		r := bufio.NewReader(c)
		got := make([]byte, len(want))
		if _, err := io.ReadFull(r, got); err != nil || string(got) != want {
			t.Fatalf("cut %d: got %q (%v)", cut, got, err)
		}
		c.Close()
	}
}

// redis-benchmark, bounded, pipelined: every test completes with no error.
func TestRedisBenchmark(t *testing.T) {
	bench := tool(t, "redis-benchmark")
	srv := startResp(t)
	_, port, _ := net.SplitHostPort(srv.Addr().String())
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bench, "-h", "127.0.0.1", "-p", port,
		"-n", "20000", "-t", "ping,set,get", "-P", "16", "-q").CombinedOutput()
	if err != nil {
		t.Fatalf("redis-benchmark: %v\n%s", err, out)
	}
	text := string(out)
	t.Logf("redis-benchmark:\n%s", text)
	for _, bad := range []string{"ERR", "rror", "WARNING"} {
		if strings.Contains(text, bad) {
			t.Fatalf("redis-benchmark reported %q:\n%s", bad, text)
		}
	}
	for _, test := range []string{"PING_INLINE", "PING_MBULK", "SET", "GET"} {
		found := false
		for _, line := range strings.Split(text, "\n") {
			if i := strings.LastIndex(line, test+": "); i >= 0 && strings.Contains(line[i:], "requests per second") {
				found = true
			}
		}
		if !found {
			t.Fatalf("no result for %s:\n%s", test, text)
		}
	}
}
