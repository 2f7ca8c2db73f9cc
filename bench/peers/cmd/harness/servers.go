package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/eddy-go/eddy/bench/peers/internal/wsclient"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// server is one built benchmark server.
type server struct {
	name    string
	bin     string
	loops   bool   // takes -loops N (eddy, rawgnet): given the mode's GOMAXPROCS
	http    bool   // serves the HTTP contract
	ws      bool   // serves the WebSocket contract
	deflate string // the flag that turns permessage-deflate on, "" when the server has none
	bcast   wsclient.Broadcast
}

// args are the arguments after -addr ADDR in mode m.
func (s *server) args(m mode) []string {
	if s.loops {
		return []string{"-loops", strconv.Itoa(m.procs)}
	}
	return nil
}

// command is how the report shows the server being started in mode m.
func (s *server) command(o *options, m mode, addr string) string {
	return fmt.Sprintf("GOMAXPROCS=%d taskset -c %s %s -addr %s%s", m.procs, m.serverCPU, relPath(o.root, s.bin), addr, joinArgs(s.args(m)))
}

func joinArgs(args []string) string {
	if len(args) == 0 {
		return ""
	}
	return " " + strings.Join(args, " ")
}

// relPath shows p relative to dir when it is inside dir's parent, else as it is.
func relPath(dir, p string) string {
	if r, err := filepath.Rel(dir, p); err == nil && !strings.HasPrefix(r, "../..") {
		return r
	}
	return p
}

// buildServers builds every requested server; one that does not build is skipped with a note.
func buildServers(o *options, rep *report) []*server {
	var out []*server
	for _, name := range o.servers {
		s := &server{
			name: name, bin: filepath.Join(o.results, "bin", name), loops: name == "eddy" || name == "rawgnet",
			http: slices.Contains(httpServers, name), ws: slices.Contains(wsServers, name),
		}
		s.bcast = wsclient.ContractBroadcast
		switch name {
		case "eddy":
			// bench/server broadcasts in a room of its own: every message on /wsb goes to
			// every member (an eddy.Hub); its /ws only echoes.
			s.deflate, s.bcast = "-ws-deflate", wsclient.Broadcast{Path: "/wsb"}
		case "gorilla", "coder", "gobwas", "gws", "nbio":
			s.deflate = "-deflate"
		}
		var cmd *exec.Cmd
		if name == "eddy" {
			cmd = goBuild("-o", s.bin, "./bench/server")
			cmd.Dir = o.root
		} else {
			cmd = goBuild("-o", s.bin, "./cmd/"+name)
			cmd.Dir = filepath.Join(o.root, "bench", "peers")
		}
		shown := slices.Clone(cmd.Args[len(cmd.Args)-5:]) // go build -o BIN PKG
		shown[3] = relPath(cmd.Dir, s.bin)
		if cmd.Dir == o.root {
			rep.build = append(rep.build, strings.Join(shown, " "))
		} else {
			rep.build = append(rep.build, fmt.Sprintf("(cd %s && %s)", relPath(o.root, cmd.Dir), strings.Join(shown, " ")))
		}
		fmt.Fprintf(os.Stderr, "harness: building %s\n", name)
		if msg, err := cmd.CombinedOutput(); err != nil {
			rep.note("%s skipped: it does not build (%v):\n\n```\n%s```", name, err, firstLines(string(msg), 8))
			continue
		}
		out = append(out, s)
	}
	return out
}

// goBuild is "go build" with args, at the lowest CPU priority where nice exists: a build
// never needs the cores ahead of a measurement (another one, on a shared machine).
func goBuild(args ...string) *exec.Cmd {
	args = append([]string{"build"}, args...)
	if nice, err := exec.LookPath("nice"); err == nil {
		return exec.Command(nice, append([]string{"-n", "19", "go"}, args...)...)
	}
	return exec.Command("go", args...)
}

func firstLines(s string, n int) string {
	lines := strings.SplitAfter(s, "\n")
	if len(lines) > n {
		lines = append(lines[:n], "...\n")
	}
	return strings.Join(lines, "")
}

// proc is one running server process.
type proc struct {
	s    *server
	addr string
	cmd  *exec.Cmd
	log  *os.File
	done chan struct{}
}

// start runs s on a free loopback port, pinned and limited as mode m says, with extra
// arguments after its usual ones, and waits until it answers GET /plaintext (a server
// without HTTP: until it completes a WebSocket handshake).
func start(o *options, s *server, m mode, extra ...string) (*proc, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	logf, err := os.OpenFile(filepath.Join(o.results, s.name+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	args := append(append([]string{"-c", m.serverCPU, s.bin, "-addr", addr}, s.args(m)...), extra...)
	cmd := exec.Command("taskset", args...) // taskset execs the server: same PID
	cmd.Env = append(os.Environ(), "GOMAXPROCS="+strconv.Itoa(m.procs))
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, err
	}
	p := &proc{s: s, addr: addr, cmd: cmd, log: logf, done: make(chan struct{})}
	go func() {
		cmd.Wait()
		close(p.done)
	}()
	ready, what := func() error { return getOK(addr, "/plaintext") }, "GET /plaintext"
	if !s.http {
		ready, what = func() error { return wsReady(addr) }, "a WebSocket handshake"
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		if err := ready(); err == nil {
			return p, nil
		} else if time.Now().After(deadline) {
			p.stop()
			return nil, fmt.Errorf("%s did not answer %s on %s within 15s (%v); see %s", s.name, what, addr, err, logf.Name())
		}
		select {
		case <-p.done:
			p.stop()
			return nil, fmt.Errorf("%s exited at start; see %s", s.name, logf.Name())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// stop ends the process: SIGTERM, then SIGKILL after 5 s.
func (p *proc) stop() {
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
	}
	p.log.Close()
}

func (p *proc) pid() int { return p.cmd.Process.Pid }

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// getOK makes one GET on a fresh connection and wants a 200.
func getOK(addr, path string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	resp, err := httpGet(ctx, addr, path)
	if err != nil {
		return err
	}
	if resp.status != 200 {
		return fmt.Errorf("status %d", resp.status)
	}
	return nil
}

// cpuTicks returns utime+stime of pid (all threads), in clock ticks.
func cpuTicks(pid int) (uint64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may hold spaces; fields after it are split by single spaces.
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return 0, errors.New("harness: malformed /proc/PID/stat")
	}
	f := strings.Fields(string(data[i+1:]))
	if len(f) < 13 {
		return 0, errors.New("harness: short /proc/PID/stat")
	}
	// f[0] is field 3 (state); utime and stime are fields 14 and 15.
	utime, err1 := strconv.ParseUint(f[11], 10, 64)
	stime, err2 := strconv.ParseUint(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	return utime + stime, nil
}

// clockTicks is USER_HZ, the unit of /proc/PID/stat times.
func clockTicks() float64 {
	out, err := exec.Command("getconf", "CLK_TCK").Output()
	if err == nil {
		if v, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64); err == nil && v > 0 {
			return v
		}
	}
	return 100
}

// rssBytes returns VmRSS of pid.
func rssBytes(pid int) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb * 1024, err
		}
	}
	return 0, errors.New("harness: no VmRSS in /proc/PID/status")
}

func lookPath(name string) (string, error) { return exec.LookPath(name) }
