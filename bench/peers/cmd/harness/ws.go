package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/eddy-go/eddy/bench/peers/contract"
	"github.com/eddy-go/eddy/bench/peers/internal/wsclient"
)

// wsOptions shape the WebSocket scenarios.
type wsOptions struct {
	conns  int     // echo and paced
	idle   int     // held in wsidle
	bcast  int     // receivers in wsbcast
	rounds int     // broadcasts per server
	rate   float64 // paced: messages per second per connection
}

var wsScenarioNames = []string{"ws32", "ws16k", "wspaced", "wsidle", "wsbcast", "wsprobe"}

// wsLoad is one wsload echo shape.
type wsLoad struct {
	name, title string
	size        int
	paced       bool
}

var wsLoads = []wsLoad{
	{name: "ws32", title: "WebSocket echo, 32-byte binary messages, closed loop", size: 32},
	{name: "ws16k", title: "WebSocket echo, 16 KiB binary messages, closed loop", size: 16 << 10},
	{name: "wspaced", title: "WebSocket echo, 32-byte binary messages, paced", size: 32, paced: true},
}

// wsMeasured is one wsload echo or paced run against one server.
type wsMeasured struct {
	echoes         int64
	seconds        float64
	cpuPerEcho     float64 // seconds of server CPU per echo
	serverBusy     float64 // server CPU time / wall time of the measured load
	clientCPU      float64 // wsload's CPU seconds over the measured load
	p50, p99, p999 int64   // round trips, nanoseconds
	max            int64
	errors         string
}

// bcastResult is one server's broadcast scenario.
type bcastResult struct {
	receivers int
	rounds    int
	last, p50 int64 // medians over the rounds, nanoseconds
	missing   int
	errors    string
}

// wsReady completes one WebSocket handshake on addr.
func wsReady(addr string) error {
	c, err := wsclient.Dial(addr, wsclient.Options{Path: contract.WSPath, Timeout: 2 * time.Second})
	if err != nil {
		return err
	}
	return c.Close()
}

// websocket runs the chosen WebSocket scenarios on the built WebSocket servers.
func (b *bencher) websocket(built []*server) error {
	b.wsload = filepath.Join(b.o.results, "bin", "wsload")
	cmd := goBuild("-o", b.wsload, "./cmd/wsload") // niced, as the servers' builds
	cmd.Dir = filepath.Join(b.o.root, "bench", "peers")
	b.rep.build = append(b.rep.build, "(cd bench/peers && go build -o ../results/bin/wsload ./cmd/wsload)")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build wsload: %v\n%s", err, out)
	}
	var ok []*server
	for _, s := range built {
		if b.wsCheck(s) {
			ok = append(ok, s)
		}
	}
	if len(ok) == 0 {
		b.rep.note("no WebSocket server passed the handshake; the WebSocket scenarios did not run")
		return nil
	}
	b.rep.wsServers = ok
	if err := b.wsThroughput(ok); err != nil {
		return err
	}
	for _, s := range ok {
		if slices.Contains(b.o.scenarios, "wsidle") {
			if err := b.wsIdle(s); err != nil {
				return err
			}
		}
		if slices.Contains(b.o.scenarios, "wsbcast") {
			if err := b.wsBcast(s); err != nil {
				return err
			}
		}
		if slices.Contains(b.o.scenarios, "wsprobe") {
			if err := b.wsProbe(s); err != nil {
				return err
			}
		}
	}
	return nil
}

// wsCheck starts s and checks the WebSocket contract, plainly and (where s has the flag) with
// permessage-deflate. A server whose GET /ws does not answer 101 (a bench/server built without
// its WebSocket routes) is left out with a note; other violations are noted and s is still
// measured.
func (b *bencher) wsCheck(s *server) bool {
	p, err := start(b.o, s, b.wsMode())
	if err != nil {
		b.rep.note("%s left out of the WebSocket scenarios: %v", s.name, err)
		return false
	}
	c, err := wsclient.Dial(p.addr, wsclient.Options{Path: contract.WSPath, Timeout: 5 * time.Second})
	if err != nil {
		p.stop()
		var se *wsclient.StatusError
		if errors.As(err, &se) {
			b.rep.note("%s left out of the WebSocket scenarios: GET %s answered %d, not 101 (no WebSocket server in this build)", s.name, contract.WSPath, se.Code)
		} else {
			b.rep.note("%s left out of the WebSocket scenarios: GET %s: %v", s.name, contract.WSPath, err)
		}
		return false
	}
	c.Close()
	for _, bad := range wsclient.Check(p.addr, false, s.bcast) {
		b.rep.note("%s breaks the WebSocket contract: %s", s.name, bad)
	}
	p.stop()
	if s.deflate == "" {
		return true
	}
	p, err = start(b.o, s, b.wsMode(), s.deflate)
	if err != nil {
		b.rep.note("%s %s: contract not checked: %v", s.name, s.deflate, err)
		return true
	}
	defer p.stop()
	for _, bad := range wsclient.Check(p.addr, true, s.bcast) {
		b.rep.note("%s %s breaks the WebSocket contract: %s", s.name, s.deflate, bad)
	}
	return true
}

// wsThroughput runs the echo and paced scenarios the way throughput runs wrk: every server up
// at once, pinned to the server CPU, the runs interleaved with the order rotated per run.
func (b *bencher) wsThroughput(servers []*server) error {
	var loads []wsLoad
	for _, l := range wsLoads {
		if slices.Contains(b.o.scenarios, l.name) {
			loads = append(loads, l)
		}
	}
	if len(loads) == 0 {
		return nil
	}
	procs := make([]*proc, 0, len(servers))
	defer func() {
		for _, p := range procs {
			p.stop()
		}
	}()
	for _, s := range servers {
		p, err := start(b.o, s, b.wsMode())
		if err != nil {
			return err
		}
		procs = append(procs, p)
		b.rep.serverCommand("ws/"+s.name, s.command(b.o, b.wsMode(), "$ADDR"))
	}
	hz := clockTicks()
	for _, l := range loads {
		b.rep.loadCommand(l.name, "taskset "+strings.Join(b.wsEchoArgs(l, relPath(b.o.root, b.wsload), "$ADDR"), " "))
		for run := range b.o.runs {
			for i := range procs {
				p := procs[(i+run)%len(procs)]
				fmt.Fprintf(os.Stderr, "harness: run %d/%d %s %s\n", run+1, b.o.runs, p.s.name, l.name)
				m, err := b.wsMeasure(p, l, hz)
				if err != nil {
					return fmt.Errorf("%s %s: %w", p.s.name, l.name, err)
				}
				b.rep.addWSRun(l.name, p.s.name, m)
			}
		}
	}
	return nil
}

func (b *bencher) wsEchoArgs(l wsLoad, client, addr string) []string {
	mode := "echo"
	if l.paced {
		mode = "paced"
	}
	args := []string{"-c", b.o.loadCPU, client, "-mode", mode, "-addr", addr, "-n", strconv.Itoa(b.o.ws.conns),
		"-size", strconv.Itoa(l.size), "-d", b.o.duration.String(), "-warmup", b.o.warmup.String(), "-wait"}
	if l.paced {
		args = append(args, "-rate", strconv.FormatFloat(b.o.ws.rate, 'f', -1, 64))
	}
	return args
}

// wsMeasure runs wsload once against p: it opens the connections and warms up, then the server's
// CPU time is taken around exactly the measured load (wsload waits for the go-ahead on its
// standard input and holds its connections open after its result until that input closes).
func (b *bencher) wsMeasure(p *proc, l wsLoad, hz float64) (wsMeasured, error) {
	select {
	case <-p.done:
		return wsMeasured{}, fmt.Errorf("the server exited; see %s", p.log.Name())
	default:
	}
	ctx, cancel := context.WithTimeout(context.Background(), b.o.duration+b.o.warmup+3*time.Minute)
	defer cancel()
	w, err := startClient(ctx, b.wsEchoArgs(l, b.wsload, p.addr))
	if err != nil {
		return wsMeasured{}, err
	}
	defer w.close()
	ready, err := w.line("ready")
	if err != nil {
		return wsMeasured{}, err
	}
	if ready["failed"] != "0" {
		return wsMeasured{}, fmt.Errorf("wsload opened %s connections, %s failed, first: %s", ready["held"], ready["failed"], ready["first_error"])
	}
	before, err1 := cpuTicks(p.pid())
	_, err2 := io.WriteString(w.stdin, "go\n")
	res, err3 := w.line("result")
	after, err4 := cpuTicks(p.pid())
	if err := firstErr(err1, err2, err3, err4); err != nil {
		return wsMeasured{}, err
	}
	m := wsMeasured{seconds: atof(res["seconds"]), clientCPU: atof(res["client_cpu"])}
	m.echoes, _ = strconv.ParseInt(res["echoes"], 10, 64)
	m.p50, m.p99, m.p999, m.max = atoi(res["p50"]), atoi(res["p99"]), atoi(res["p999"]), atoi(res["max"])
	m.cpuPerEcho = float64(after-before) / hz / float64(max(m.echoes, 1))
	m.serverBusy = float64(after-before) / hz / math.Max(m.seconds, 1e-9)
	if res["errors"] != "0" {
		m.errors = fmt.Sprintf("%s connections failed, first: %s", res["errors"], res["first_error"])
	}
	return m, nil
}

// wsIdle starts s afresh, reads its VmRSS after a few WebSockets came and went, has wsload open
// b.o.ws.idle WebSockets (one echo each) and hold them, and reads VmRSS again.
func (b *bencher) wsIdle(s *server) error {
	fmt.Fprintf(os.Stderr, "harness: wsidle %s (%d WebSockets)\n", s.name, b.o.ws.idle)
	p, err := start(b.o, s, b.wsMode())
	if err != nil {
		return err
	}
	defer p.stop()
	// A few WebSockets first, so lazily built state (buffers, pools) is in the baseline.
	for range 10 {
		c, err := wsclient.Dial(p.addr, wsclient.Options{Path: contract.WSPath})
		if err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		e := wsclient.NewEchoer(c)
		e.Send(wsclient.OpText, []byte("warm"))
		_, _, err = e.Receive()
		c.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
	}
	settle()
	before, err := rssBytes(p.pid())
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	args := b.wsIdleArgs(b.wsload, p.addr)
	w, err := startClient(ctx, args)
	if err != nil {
		return err
	}
	defer w.close()
	ready, err := w.line("ready")
	if err != nil {
		return err
	}
	settle()
	after, err := rssBytes(p.pid())
	if err != nil {
		return err
	}
	r := idleResult{held: int(atoi(ready["held"])), before: before, after: after}
	if ready["failed"] != "0" {
		r.errors = fmt.Sprintf("%s failed, first: %s", ready["failed"], ready["first_error"])
	}
	b.rep.wsIdle[s.name] = r
	b.rep.serverCommand("ws/"+s.name, s.command(b.o, b.wsMode(), "$ADDR"))
	b.rep.loadCommand("wsidle", "taskset "+strings.Join(b.wsIdleArgs(relPath(b.o.root, b.wsload), "$ADDR"), " "))
	return nil
}

func (b *bencher) wsIdleArgs(client, addr string) []string {
	return []string{"-c", b.o.loadCPU, client, "-mode", "idle", "-addr", addr, "-n", strconv.Itoa(b.o.ws.idle)}
}

// wsBcast starts s afresh and has wsload time b.o.ws.rounds broadcasts to b.o.ws.bcast receivers.
func (b *bencher) wsBcast(s *server) error {
	fmt.Fprintf(os.Stderr, "harness: wsbcast %s (%d receivers)\n", s.name, b.o.ws.bcast)
	p, err := start(b.o, s, b.wsMode())
	if err != nil {
		return err
	}
	defer p.stop()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute+time.Duration(b.o.ws.rounds)*30*time.Second)
	defer cancel()
	w, err := startClient(ctx, b.wsBcastArgs(s, b.wsload, p.addr))
	if err != nil {
		return err
	}
	defer w.close()
	conn, err := w.line("connected")
	if err != nil {
		return err
	}
	res, err := w.line("result")
	if err != nil {
		return err
	}
	r := bcastResult{receivers: int(atoi(conn["held"])), rounds: int(atoi(res["rounds"])), last: atoi(res["last"]), p50: atoi(res["p50"]), missing: int(atoi(res["missing"]))}
	if conn["failed"] != "0" {
		r.errors = fmt.Sprintf("%s failed to connect, first: %s", conn["failed"], conn["first_error"])
	}
	b.rep.wsBcast[s.name] = r
	b.rep.loadCommand("wsbcast/"+s.name, "taskset "+strings.Join(b.wsBcastArgs(s, relPath(b.o.root, b.wsload), "$ADDR"), " "))
	return nil
}

func (b *bencher) wsBcastArgs(s *server, client, addr string) []string {
	return []string{"-c", b.o.loadCPU, client, "-mode", "bcast", "-addr", addr, "-path", s.bcast.Path, "-prefix=" + s.bcast.Prefix,
		"-n", strconv.Itoa(b.o.ws.bcast), "-rounds", strconv.Itoa(b.o.ws.rounds)}
}

// wsProbe starts s with permessage-deflate on where it has it, and runs the conformance probe.
func (b *bencher) wsProbe(s *server) error {
	fmt.Fprintf(os.Stderr, "harness: wsprobe %s\n", s.name)
	var extra []string
	if s.deflate != "" {
		extra = []string{s.deflate}
	}
	p, err := start(b.o, s, b.wsMode(), extra...)
	if err != nil {
		return err
	}
	defer p.stop()
	b.rep.wsProbe[s.name] = wsclient.Probe(p.addr, 0)
	b.rep.loadCommand("wsprobe", "(cd bench/peers && go run ./cmd/wsload -mode probe -addr $ADDR)")
	return nil
}

// wsClient is a running wsload.
type wsClient struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	out   *bufio.Reader
}

func startClient(ctx context.Context, args []string) (*wsClient, error) {
	cmd := exec.CommandContext(ctx, "taskset", args...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return &wsClient{cmd: cmd, stdin: stdin, out: bufio.NewReader(stdout)}, nil
}

// line reads output lines until one starting with word and returns its key=value fields.
func (c *wsClient) line(word string) (map[string]string, error) {
	for {
		l, err := c.out.ReadString('\n')
		if err != nil {
			return nil, fmt.Errorf("wsload ended before its %q line: %v", word, err)
		}
		if f, ok := strings.CutPrefix(strings.TrimSuffix(l, "\n"), word+" "); ok {
			return parseFields(f)
		}
	}
}

// close lets the client go (closing its standard input) and waits for it.
func (c *wsClient) close() {
	c.stdin.Close()
	c.cmd.Wait()
}

// parseFields splits `a=1 b=2 first_error="quoted, may hold spaces"`; a quoted value must be
// the last field.
func parseFields(s string) (map[string]string, error) {
	m := map[string]string{}
	for s != "" {
		k, rest, ok := strings.Cut(s, "=")
		if !ok {
			return nil, fmt.Errorf("wsload: malformed fields %q", s)
		}
		if strings.HasPrefix(rest, `"`) {
			v, err := strconv.Unquote(rest)
			if err != nil {
				return nil, fmt.Errorf("wsload: malformed quoted field %s=%s", k, rest)
			}
			m[k] = v
			break
		}
		v, after, _ := strings.Cut(rest, " ")
		m[k], s = v, after
	}
	return m, nil
}

func atoi(s string) int64 {
	v, _ := strconv.ParseInt(s, 10, 64)
	return v
}

func atof(s string) float64 {
	v, _ := strconv.ParseFloat(s, 64)
	return v
}

// wsMode is how every WebSocket scenario runs its servers: mode 1, GOMAXPROCS=1 (eddy with
// one loop) pinned to the server CPU, the load generator on the load CPU.
func (b *bencher) wsMode() mode {
	m, _ := modeByName(b.o, "1")
	return m
}
