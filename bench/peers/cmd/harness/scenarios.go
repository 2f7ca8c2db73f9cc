package main

import (
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// latencyLua ends every wrk script: it prints wrk's latency percentiles (p50, p99, p99.9
// and max, in microseconds) on one line the harness parses; wrk's --latency shows no
// 99.9th. They are wrk's figures, corrected for coordinated omission as wrk --latency
// prints them. Pipelined loads do not use wrk: it records one latency per batch but
// corrects with an interval per response, which buries the real samples (and its
// percentile answered 0); fixedload measures them instead.
const latencyLua = `
done = function(summary, latency, requests)
   io.write(string.format("LATENCY %d %d %d %d\n",
      latency:percentile(50), latency:percentile(99), latency:percentile(99.9), latency.max))
end
`

// echoBody is the size of the body each echo request sends.
const echoBody = 128

// scenario is one wrk load shape.
type scenario struct {
	name  string
	title string
	path  string
	depth int // requests per write; 0 = one at a time (keep-alive)
	body  int // POST body bytes; 0 = GET
}

var scenarios = []scenario{
	{name: "plaintext", title: "Keep-alive plaintext (GET /plaintext)", path: "/plaintext"},
	{name: "pipelined", title: "Pipelined plaintext, depth 16 (GET /plaintext)", path: "/plaintext", depth: 16},
	{name: "json", title: "JSON (GET /json)", path: "/json"},
	{name: "echo", title: fmt.Sprintf("Echo (POST /echo, %d-byte body)", echoBody), path: "/echo", body: echoBody},
}

func scenarioNames() []string {
	names := []string{}
	for _, s := range scenarios {
		names = append(names, s.name)
	}
	return append(names, "idle")
}

func scenarioByName(name string) (scenario, bool) {
	if name == "idle" {
		return scenario{name: "idle"}, true
	}
	for _, s := range scenarios {
		if s.name == name {
			return s, true
		}
	}
	return scenario{}, false
}

// script is sc's wrk script (for scenarios without pipelining): the request shape, then
// the latency report.
func (sc scenario) script() string {
	if sc.body > 0 {
		return fmt.Sprintf("wrk.method = \"POST\"\nwrk.body = string.rep(\"x\", %d)\n"+
			"wrk.headers[\"Content-Type\"] = \"application/octet-stream\"\n", sc.body) + latencyLua
	}
	return latencyLua
}

// mode is how many cores the servers get.
type mode struct {
	name      string // "1" or "2", as -modes names it
	title     string
	procs     int    // GOMAXPROCS, and the loops of eddy and rawgnet
	serverCPU string // taskset CPU list of the servers
	loadCPU   string // taskset CPU list of wrk
}

// modeByName returns the mode called name: "1" is GOMAXPROCS=1 on the server CPU with wrk
// on the load CPU; "2" is GOMAXPROCS=2 (two loops) on both CPUs, shared with wrk.
func modeByName(o *options, name string) (mode, bool) {
	switch name {
	case "1":
		return mode{name: "1", title: "GOMAXPROCS=1, one loop", procs: 1, serverCPU: o.serverCPU, loadCPU: o.loadCPU}, true
	case "2":
		both := o.serverCPU + "," + o.loadCPU
		return mode{name: "2", title: "GOMAXPROCS=2, two loops", procs: 2, serverCPU: both, loadCPU: both}, true
	}
	return mode{}, false
}

// cell is one measured combination: a mode, a scenario and a connection count.
type cell struct {
	mode  mode
	sc    scenario
	conns int
}

func (c cell) key() string { return fmt.Sprintf("%s/%s/%d", c.mode.name, c.sc.name, c.conns) }

// loadArgs is the load generator's command line (after taskset) for c against addr:
// wrk, or fixedload for pipelined loads.
func (b *bencher) loadArgs(c cell, addr string, d time.Duration) []string {
	secs := strconv.Itoa(int(d/time.Second)) + "s"
	if c.sc.depth > 0 {
		return []string{"-c", c.mode.loadCPU, b.fixedload, "-addr", addr, "-c", strconv.Itoa(c.conns), "-d", secs,
			"-depth", strconv.Itoa(c.sc.depth), "-path", c.sc.path}
	}
	return []string{"-c", c.mode.loadCPU, "wrk", "-t1", "-c" + strconv.Itoa(c.conns), "-d" + secs,
		"-s", b.scripts[c.sc.name], "http://" + addr + c.sc.path}
}

// wrkResult is what the report needs from wrk's output.
type wrkResult struct {
	requests int64
	seconds  float64
	rps      float64
	lat      latency
	errors   string // socket errors and non-2xx counts, "" when none
}

// latency is what the scripts' done function prints, in microseconds.
type latency struct {
	p50, p99, p999, max float64
}

var (
	reTotal  = regexp.MustCompile(`(\d+) requests in ([\d.]+)(us|ms|s|m)`)
	reRPS    = regexp.MustCompile(`Requests/sec:\s+([\d.]+)`)
	reSocket = regexp.MustCompile(`Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)`)
	reNon2xx = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
	reLat    = regexp.MustCompile(`LATENCY ([\d.]+) ([\d.]+) ([\d.]+) ([\d.]+)`)
)

// runWrk runs the load generator (wrk or fixedload, which prints the same lines) through
// taskset with args.
func runWrk(args []string) (wrkResult, error) {
	out, err := exec.Command("taskset", args...).CombinedOutput()
	if err != nil {
		return wrkResult{}, fmt.Errorf("wrk: %v\n%s", err, out)
	}
	return parseWrk(string(out))
}

func parseWrk(out string) (wrkResult, error) {
	var r wrkResult
	m := reTotal.FindStringSubmatch(out)
	rps := reRPS.FindStringSubmatch(out)
	if m == nil || rps == nil {
		return r, fmt.Errorf("wrk: unexpected output:\n%s", out)
	}
	r.requests, _ = strconv.ParseInt(m[1], 10, 64)
	r.seconds, _ = strconv.ParseFloat(m[2], 64)
	r.seconds *= map[string]float64{"us": 1e-6, "ms": 1e-3, "s": 1, "m": 60}[m[3]]
	r.rps, _ = strconv.ParseFloat(rps[1], 64)
	if l := reLat.FindStringSubmatch(out); l != nil {
		for i, p := range []*float64{&r.lat.p50, &r.lat.p99, &r.lat.p999, &r.lat.max} {
			*p, _ = strconv.ParseFloat(l[i+1], 64)
		}
	}
	var errs []string
	if s := reSocket.FindStringSubmatch(out); s != nil {
		for i, kind := range []string{"connect", "read", "write", "timeout"} {
			if s[i+1] != "0" {
				errs = append(errs, kind+" "+s[i+1])
			}
		}
	}
	if s := reNon2xx.FindStringSubmatch(out); s != nil {
		errs = append(errs, "non-2xx "+s[1])
	}
	r.errors = strings.Join(errs, ", ")
	return r, nil
}

// bencher runs the scenarios and fills the report.
type bencher struct {
	o         *options
	rep       *report
	scripts   map[string]string // scenario name -> wrk script path
	fixedload string            // the pipelined load generator's binary
	wsload    string            // the built wsload binary
}

// check starts s once and records any contract violation as a note.
func (b *bencher) check(s *server, m mode) {
	p, err := start(b.o, s, m)
	if err != nil {
		b.rep.note("%s: contract not checked: %v", s.name, err)
		return
	}
	defer p.stop()
	for _, bad := range checkContract(p.addr) {
		b.rep.note("%s breaks the contract: %s", s.name, bad)
	}
}

// throughput runs every wrk scenario at every connection count b.o.runs times (rounds) per
// server, in each mode. In a mode all servers run at once (pinned alike, only the one under load
// busy), and the runs interleave: for each scenario every server is warmed up, then each
// run measures every server in turn, in an order rotated per run. A disturbance on the
// shared machine (other work, frequency changes) so lands on all servers alike instead
// of on whichever one happened to run then.
func (b *bencher) throughput(built []*server, m mode) error {
	var scs []scenario
	for _, s := range scenarios {
		if slices.Contains(b.o.scenarios, s.name) {
			scs = append(scs, s)
		}
	}
	if len(scs) == 0 {
		return nil
	}
	procs := make([]*proc, 0, len(built))
	defer func() {
		for _, p := range procs {
			p.stop()
		}
	}()
	for _, s := range built {
		p, err := start(b.o, s, m)
		if err != nil {
			return err
		}
		procs = append(procs, p)
		b.rep.serverCommand(m.name+"/"+s.name, s.command(b.o, m, "$ADDR"))
	}
	hz := clockTicks()
	for _, sc := range scs {
		for ci, conns := range b.o.conns {
			c := cell{mode: m, sc: sc, conns: conns}
			shown := b.loadArgs(c, "$ADDR", b.o.duration)
			for i, a := range shown {
				if a == b.scripts[sc.name] || a == b.fixedload {
					shown[i] = relPath(b.o.root, a)
				}
			}
			b.rep.loadCommand(c.key(), "taskset "+strings.Join(shown, " "))
			if err := b.cell(procs, c, ci == 0, hz); err != nil {
				return err
			}
		}
	}
	return nil
}

// cell measures c on every server, under the benchmark lock: the warm-up when warm (the
// scenario's first connection count), then b.o.runs rounds, each measuring every server
// in turn in an order rotated per round.
func (b *bencher) cell(procs []*proc, c cell, warm bool, hz float64) error {
	release, err := b.o.hold(c.key())
	if err != nil {
		return err
	}
	defer release()
	if b.o.warmup > 0 && warm {
		for _, p := range procs {
			fmt.Fprintf(os.Stderr, "harness: warm-up %s %s (mode %s)\n", p.s.name, c.sc.name, c.mode.name)
			if _, err := runWrk(b.loadArgs(c, p.addr, b.o.warmup)); err != nil {
				return fmt.Errorf("%s %s warm-up: %w", p.s.name, c.sc.name, err)
			}
		}
	}
	for run := range b.o.runs {
		for i := range procs {
			p := procs[(i+run)%len(procs)]
			fmt.Fprintf(os.Stderr, "harness: round %d/%d %s %s -c%d (mode %s)\n", run+1, b.o.runs, p.s.name, c.sc.name, c.conns, c.mode.name)
			r, err := b.measure(p, c, hz)
			if err != nil {
				return fmt.Errorf("%s %s -c%d: %w", p.s.name, c.sc.name, c.conns, err)
			}
			b.rep.addRun(c, p.s, r)
		}
	}
	return nil
}

// measure runs wrk once against p and takes the server's CPU time around it.
func (b *bencher) measure(p *proc, c cell, hz float64) (measured, error) {
	select {
	case <-p.done:
		return measured{}, fmt.Errorf("the server exited; see %s", p.log.Name())
	default:
	}
	before, err1 := cpuTicks(p.pid())
	w, err2 := runWrk(b.loadArgs(c, p.addr, b.o.duration))
	after, err3 := cpuTicks(p.pid())
	if err := firstErr(err1, err2, err3); err != nil {
		return measured{}, err
	}
	return measured{
		rps:       w.rps,
		requests:  w.requests,
		cpuPerReq: float64(after-before) / hz / float64(max(w.requests, 1)),
		lat:       w.lat,
		errors:    w.errors,
	}, nil
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
