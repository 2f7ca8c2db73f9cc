package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

var reReady = regexp.MustCompile(`^ready held=(\d+) failed=(\d+) first_error=(.*)$`)

// buildIdleClient builds the idleconns program into the results' bin directory.
func buildIdleClient(o *options, rep *report) error { return buildTool(o, rep, "idleconns") }

// buildTool builds bench/peers/cmd/name into the results' bin directory.
func buildTool(o *options, rep *report, name string) error {
	cmd := goBuild("-o", filepath.Join(o.results, "bin", name), "./cmd/"+name)
	cmd.Dir = filepath.Join(o.root, "bench", "peers")
	rep.build = append(rep.build, "(cd bench/peers && go build -o ../results/bin/"+name+" ./cmd/"+name+")")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build %s: %v\n%s", name, err, out)
	}
	return nil
}

// idle starts s afresh, reads its VmRSS, has the idleconns program open b.o.idleConns
// keep-alive connections (one request each) and hold them, then reads VmRSS again.
func (b *bencher) idle(s *server) error {
	client := filepath.Join(b.o.results, "bin", "idleconns")
	fmt.Fprintf(os.Stderr, "harness: idle %s (%d connections)\n", s.name, b.o.idleConns)
	one, _ := modeByName(b.o, "1")
	p, err := start(b.o, s, one)
	if err != nil {
		return err
	}
	defer p.stop()
	release, err := b.o.hold("idle " + s.name)
	if err != nil {
		return err
	}
	defer release()
	// A few requests so lazily built state (first-request buffers, pools) is in the baseline.
	for range 10 {
		if err := getOK(p.addr, "/plaintext"); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
	}
	settle()
	before, err := rssBytes(p.pid())
	if err != nil {
		return err
	}

	args := b.idleArgs(client, p.addr)
	cmd := exec.Command("taskset", args...)
	stdin, err := cmd.StdinPipe() // closing it tells idleconns to let go
	if err != nil {
		return err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() {
		stdin.Close()
		cmd.Wait()
	}()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		return fmt.Errorf("idleconns: %v", err)
	}
	m := reReady.FindStringSubmatch(line[:len(line)-1])
	if m == nil {
		return fmt.Errorf("idleconns: unexpected output %q", line)
	}
	held, _ := strconv.Atoi(m[1])
	failed, _ := strconv.Atoi(m[2])
	settle()
	after, err := rssBytes(p.pid())
	if err != nil {
		return err
	}
	r := idleResult{held: held, before: before, after: after}
	if failed > 0 {
		r.errors = fmt.Sprintf("%d failed, first: %s", failed, m[3])
	}
	b.rep.addIdle(s, r)
	b.rep.serverCommand("1/"+s.name, s.command(b.o, one, "$ADDR"))
	b.rep.loadCommand("idle", "taskset "+strings.Join(b.idleArgs(relPath(b.o.root, client), "$ADDR"), " "))
	return nil
}

func (b *bencher) idleArgs(client, addr string) []string {
	return []string{"-c", b.o.loadCPU, client, "-addr", addr, "-n", strconv.Itoa(b.o.idleConns)}
}

// settle gives the server a moment to finish reacting (GC, freeing read buffers) before its
// memory is read. A benchmark harness, not a test: there is no condition to wait on.
func settle() { time.Sleep(time.Second) }
