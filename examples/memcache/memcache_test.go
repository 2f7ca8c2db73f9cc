package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/eddy-go/eddy/loop"
)

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

func startOurs(t *testing.T, cfg loop.Config, o options) *loop.Server {
	t.Helper()
	cfg.Addr = "127.0.0.1:0"
	if cfg.Loops == 0 {
		cfg.Loops = 2
	}
	srv, err := newServer(cfg, o)
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

// startMemcached starts a real memcached on a free loopback port and returns its address.
func startMemcached(t *testing.T) string {
	t.Helper()
	bin := tool(t, "memcached")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_, port, _ := net.SplitHostPort(addr)
	ln.Close()
	args := []string{"-l", "127.0.0.1", "-p", port, "-U", "0", "-t", "1"}
	if os.Geteuid() == 0 {
		args = append(args, "-u", "nobody")
	}
	cmd := exec.Command(bin, args...)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			return addr
		}
		if time.Now().After(deadline) {
			t.Fatalf("memcached did not start on %s: %v", addr, err)
		}
		time.Sleep(10 * time.Millisecond) // polling interval while memcached starts
	}
}

// endMarker is sent after every exchange: its reply ends what the exchange's replies were.
const (
	endMarker = "set __end__ 0 0 16\r\nZZ-END-MARKER-ZZ\r\nget __end__\r\n"
	endReply  = "STORED\r\nVALUE __end__ 0 16\r\nZZ-END-MARKER-ZZ\r\nEND\r\n"
)

// exchange sends req to addr in pieces of piece bytes (0: at once), then the end marker,
// and returns every reply before the marker's. A req that ends in "quit" is sent alone
// (bytes after it would meet a closed socket, and the reset could cut the replies), and
// read to EOF.
func exchange(t *testing.T, addr string, req []byte, piece int) string {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	werr := make(chan error, 1)
	go func() {
		all := append([]byte(nil), req...)
		if !bytes.HasSuffix(req, []byte("quit\r\n")) {
			all = append(all, endMarker...)
		}
		if piece <= 0 {
			piece = len(all)
		}
		for off := 0; off < len(all); off += piece {
			if _, err := c.Write(all[off:min(off+piece, len(all))]); err != nil {
				werr <- err
				return
			}
		}
		werr <- nil
	}()
	var got []byte
	buf := make([]byte, 64<<10)
	for !bytes.HasSuffix(got, []byte(endReply)) {
		n, err := c.Read(buf)
		got = append(got, buf[:n]...)
		if err == io.EOF {
			return string(got) // quit: the connection closed before the marker
		}
		if err != nil {
			t.Fatalf("read after %q: %v", got, err)
		}
	}
	<-werr
	return string(got[:len(got)-len(endReply)])
}

// mcCase is one exchange of the differential test; next, if set, builds a second
// exchange from the first's replies (a cas with the unique gets returned).
type mcCase struct {
	name string
	req  string
	next func(reply string) string
}

func storage(cmd, key, flags, exp string, val string, extra ...string) string {
	line := cmd + " " + key + " " + flags + " " + exp + " " + strconv.Itoa(len(val))
	for _, e := range extra {
		line += " " + e
	}
	return line + "\r\n" + val + "\r\n"
}

var mcCases = []mcCase{
	{name: "set get gets", req: "flush_all\r\n" + storage("set", "a", "5", "0", "abc") + "get a\r\ngets a\r\nget missing\r\n"},
	{name: "multi get", req: storage("set", "k1", "1", "0", "one") + storage("set", "k2", "4294967295", "0", "two") +
		"get k1 nope k2 k1\r\ngets k2 k1\r\nget  k1   k2 \r\n"},
	{name: "add replace", req: storage("add", "a", "0", "0", "x") + storage("add", "new", "2", "0", "n") +
		storage("replace", "a", "3", "0", "rep") + storage("replace", "nope", "0", "0", "x") + "gets a new nope\r\n"},
	{name: "append prepend", req: storage("set", "ap", "7", "0", "mid") + storage("append", "ap", "1", "0", "-end") +
		storage("prepend", "ap", "2", "0", "start-") + storage("append", "nope", "0", "0", "x") +
		storage("prepend", "nope", "0", "0", "x") + "gets ap\r\n"},
	{name: "cas", req: storage("set", "c", "0", "0", "v1") + "gets c\r\n" + storage("cas", "c", "0", "0", "x", "1") +
		storage("cas", "nope", "0", "0", "x", "1"),
		next: func(reply string) string {
			i := strings.Index(reply, "VALUE c 0 2 ")
			id := reply[i+len("VALUE c 0 2 "):]
			id = id[:strings.Index(id, "\r\n")]
			return storage("cas", "c", "9", "0", "v2", id) + storage("cas", "c", "9", "0", "v3", id) + "gets c\r\n" +
				storage("cas", "c", "1", "0", "v4", id, "noreply") + "get c\r\n"
		}},
	{name: "incr decr", req: storage("set", "n", "3", "0", "100") + "incr n 5\r\ndecr n 6\r\ndecr n 95\r\nget n\r\n" +
		"incr n 1000\r\nget n\r\ndecr n 99999\r\nget n\r\n" + storage("set", "big", "0", "0", "18446744073709551615") +
		"incr big 2\r\nget big\r\nincr nope 1\r\n" + storage("set", "s", "0", "0", "abc") + "incr s 1\r\n" +
		"incr n abc\r\nincr n -1\r\nincr n 18446744073709551616\r\n" + storage("set", "e", "0", "0", "") + "incr e 3\r\nget e\r\n" +
		storage("set", "sp", "0", "0", " 12 ") + "incr sp 1\r\nget sp\r\n" + storage("set", "tr", "0", "0", "12x") + "incr tr 1\r\n"},
	{name: "touch", req: storage("set", "t", "0", "0", "v") + "touch t 100\r\ntouch nope 10\r\ntouch t abc\r\ntouch t -1\r\nget t\r\n"},
	{name: "delete", req: storage("set", "d", "0", "0", "v") + "delete d\r\ndelete d\r\n" + storage("set", "d", "0", "0", "v") +
		"delete d 0\r\ndelete d 5\r\ndelete d 0 noreply\r\ndelete d x noreply\r\ndelete d 1 2 3\r\n"},
	{name: "noreply", req: storage("set", "nr", "0", "0", "v", "noreply") + storage("add", "nr", "0", "0", "v", "noreply") +
		storage("replace", "nr", "1", "0", "w", "noreply") + storage("append", "nr", "0", "0", "x", "noreply") +
		storage("prepend", "nr", "0", "0", "y", "noreply") + "incr nr 1 noreply\r\ntouch nr 10 noreply\r\n" +
		"verbosity 1 noreply\r\nget nr\r\ndelete nr noreply\r\nget nr\r\n" + storage("set", "nr", "x", "0", "v", "noreply") +
		"set nr 0 0 1 noreply\r\nabc\r\n"},
	{name: "expired", req: storage("set", "x", "0", "-1", "v") + "get x\r\n" + storage("set", "y", "0", "1000", "v") + "get y\r\n"},
	{name: "flush", req: storage("set", "f", "0", "0", "v") + "flush_all\r\nget f\r\n" + storage("set", "f", "0", "0", "v") +
		"flush_all noreply\r\nget f\r\nflush_all abc\r\nflush_all 0\r\nverbosity 1\r\nverbosity\r\n"},
	{name: "errors", req: "bogus\r\n\r\nget\r\nset a 0 0\r\nset a x 0 1\r\nv\r\nset a 0 0 -1\r\n" +
		storage("set", strings.Repeat("k", 251), "0", "0", "v") +
		"set a 0 0 3\r\nabcd\r\nget a\r\nset a 0 0 3\r\nab\r\n\r\nincr\r\nGET a\r\n"},
	// Deliberate difference: a get naming a key over 250 bytes answers the error after
	// the replies to the commands before it; memcached drops those replies. Alone, the
	// two agree.
	{name: "get long key", req: "get " + strings.Repeat("k", 251) + "\r\n"},
	{name: "too large", req: storage("set", "tl", "0", "0", "v") + storage("set", "tl", "0", "0", strings.Repeat("L", 2<<20)) +
		"get tl\r\n" + storage("add", "tl2", "0", "0", strings.Repeat("L", 1<<20)) + "get tl2\r\n"},
	{name: "1 MB values", req: storage("set", "big1", "1", "0", string(pattern(1000000, 1))) +
		storage("set", "big2", "2", "0", string(pattern(999000, 2))) + "get big1 big2\r\n" +
		storage("append", "big2", "0", "0", string(pattern(1000, 3))) + "get big2\r\n"},
	{name: "pipeline", req: pipeline(200)},
	{name: "quit", req: storage("set", "q", "0", "0", "v") + "get q\r\nquit\r\n"},
}

func pattern(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = 'a' + (seed+byte(i%251))%26
	}
	return b
}

func pipeline(n int) string {
	var b strings.Builder
	for i := range n {
		k := "p" + strconv.Itoa(i%37)
		switch i % 4 {
		case 0:
			b.WriteString(storage("set", k, strconv.Itoa(i), "0", strings.Repeat("v", i)))
		case 1:
			b.WriteString("get " + k + " p1 p2\r\n")
		case 2:
			b.WriteString(storage("append", k, "0", "0", "+", "noreply") + "gets " + k + "\r\n")
		case 3:
			b.WriteString("delete p" + strconv.Itoa((i+5)%37) + "\r\nincr " + k + " 1\r\n")
		}
	}
	return b.String()
}

// Every command, cut in pieces and pipelined, gets the same bytes from our server as
// from a real memcached (started fresh for the test, so the cas uniques agree too).
func TestDifferentialMemcached(t *testing.T) {
	mc := startMemcached(t)
	ours := startOurs(t, loop.Config{}, options{}).Addr().String()
	for _, piece := range []int{0, 1, 7, 16 << 10} {
		for _, tc := range mcCases {
			if piece > 0 && piece < 7 && len(tc.req) > 4096 {
				continue // byte-at-a-time is for the short exchanges
			}
			t.Run(fmt.Sprintf("%s/piece=%d", tc.name, piece), func(t *testing.T) {
				want := exchange(t, mc, []byte(tc.req), piece)
				got := exchange(t, ours, []byte(tc.req), piece)
				compare(t, got, want)
				if tc.next != nil {
					want2 := exchange(t, mc, []byte(tc.next(want)), piece)
					got2 := exchange(t, ours, []byte(tc.next(got)), piece)
					compare(t, got2, want2)
				}
			})
		}
	}
}

func compare(t *testing.T, got, want string) {
	t.Helper()
	if got == want {
		return
	}
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	from := max(0, i-200)
	t.Fatalf("replies differ at byte %d of %d (memcached %d):\nours:      %q\nmemcached: %q", i, len(got), len(want),
		got[from:min(len(got), i+200)], want[from:min(len(want), i+200)])
}

// Random pipelines of commands cut at random points agree with memcached.
func TestDifferentialRandomPipelines(t *testing.T) {
	mc := startMemcached(t)
	ours := startOurs(t, loop.Config{}, options{}).Addr().String()
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, seed))
	cmds := []func(k string) string{
		func(k string) string { return storage("set", k, "1", "0", strings.Repeat("s", rng.IntN(40000))) },
		func(k string) string { return "get " + k + " k0 k1\r\n" },
		func(k string) string { return storage("add", k, "0", "0", "a") },
		func(k string) string { return storage("append", k, "0", "0", "app") },
		func(k string) string { return "incr " + k + " 3\r\n" },
		func(k string) string { return "delete " + k + "\r\n" },
		func(k string) string { return "touch " + k + " 0\r\n" },
		func(k string) string { return storage("prepend", k, "0", "0", "pre", "noreply") },
	}
	for round := range 20 {
		var b strings.Builder
		for range 1 + rng.IntN(60) {
			b.WriteString(cmds[rng.IntN(len(cmds))]("k" + strconv.Itoa(rng.IntN(5))))
		}
		piece := 1 + rng.IntN(3000)
		want := exchange(t, mc, []byte(b.String()), piece)
		got := exchange(t, ours, []byte(b.String()), piece)
		if got != want {
			t.Logf("round %d, piece %d", round, piece)
			compare(t, got, want)
		}
	}
}

// memccapable (libmemcached-tools) passes every text-protocol test.
func TestMemccapable(t *testing.T) {
	bin := tool(t, "memccapable")
	srv := startOurs(t, loop.Config{}, options{})
	_, port, _ := net.SplitHostPort(srv.Addr().String())
	out, err := exec.Command(bin, "-a", "-t", "10", "-h", "127.0.0.1", "-p", port).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "All tests passed") {
		t.Fatalf("memccapable: %v\n%s", err, out)
	}
	if n := strings.Count(string(out), "[pass]"); n != 27 {
		t.Fatalf("memccapable passed %d tests, want 27\n%s", n, out)
	}
}
