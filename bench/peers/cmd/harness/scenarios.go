package main

import (
	_ "embed"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

//go:embed pipeline.lua
var pipelineLua []byte

// scenario is one wrk load shape.
type scenario struct {
	name  string
	title string
	path  string
	depth int // requests per write; 0 = one at a time (keep-alive)
}

var scenarios = []scenario{
	{name: "plaintext", title: "Keep-alive plaintext (GET /plaintext)", path: "/plaintext"},
	{name: "pipelined", title: "Pipelined plaintext, depth 16 (GET /plaintext)", path: "/plaintext", depth: 16},
	{name: "json", title: "JSON (GET /json)", path: "/json"},
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

// wrkArgs is the load generator's command line for sc against addr.
func (b *bencher) wrkArgs(sc scenario, addr string, d time.Duration) []string {
	args := []string{"-c", b.o.loadCPU, "wrk", "-t1", "-c" + strconv.Itoa(b.o.connections), "-d" + strconv.Itoa(int(d/time.Second)) + "s"}
	if sc.depth > 0 {
		args = append(args, "-s", b.lua)
	}
	args = append(args, "http://"+addr+sc.path)
	if sc.depth > 0 {
		args = append(args, "--", strconv.Itoa(sc.depth))
	}
	return args
}

// wrkResult is what the report needs from wrk's output.
type wrkResult struct {
	requests int64
	seconds  float64
	rps      float64
	errors   string // socket errors and non-2xx counts, "" when none
}

var (
	reTotal  = regexp.MustCompile(`(\d+) requests in ([\d.]+)(us|ms|s|m)`)
	reRPS    = regexp.MustCompile(`Requests/sec:\s+([\d.]+)`)
	reSocket = regexp.MustCompile(`Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)`)
	reNon2xx = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
)

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
	o      *options
	rep    *report
	lua    string
	wsload string // the built wsload binary
}

// check starts s once and records any contract violation as a note.
func (b *bencher) check(s *server) {
	p, err := start(b.o, s)
	if err != nil {
		b.rep.note("%s: contract not checked: %v", s.name, err)
		return
	}
	defer p.stop()
	for _, bad := range checkContract(p.addr, s.echo) {
		b.rep.note("%s breaks the contract: %s", s.name, bad)
	}
}

// throughput runs every wrk scenario b.o.runs times per server. All servers run at once (each
// pinned to the server CPU, only the one under load busy), and the runs interleave: for each
// scenario, every server is warmed up, then each run measures every server in turn, in an
// order rotated per run. A disturbance on the shared machine (other work, frequency changes)
// so lands on all servers alike instead of on whichever one happened to run then.
func (b *bencher) throughput(built []*server) error {
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
		p, err := start(b.o, s)
		if err != nil {
			return err
		}
		procs = append(procs, p)
		b.rep.serverCommand(s.name, s.command(b.o, "$ADDR"))
	}
	hz := clockTicks()
	for _, sc := range scs {
		shown := b.wrkArgs(sc, "$ADDR", b.o.duration)
		if i := slices.Index(shown, b.lua); i >= 0 {
			shown[i] = relPath(b.o.root, b.lua)
		}
		b.rep.loadCommand(sc.name, "taskset "+strings.Join(shown, " "))
		if b.o.warmup > 0 {
			for _, p := range procs {
				fmt.Fprintf(os.Stderr, "harness: warm-up %s %s\n", p.s.name, sc.name)
				if _, err := runWrk(b.wrkArgs(sc, p.addr, b.o.warmup)); err != nil {
					return fmt.Errorf("%s %s warm-up: %w", p.s.name, sc.name, err)
				}
			}
		}
		for run := range b.o.runs {
			for i := range procs {
				p := procs[(i+run)%len(procs)]
				fmt.Fprintf(os.Stderr, "harness: run %d/%d %s %s\n", run+1, b.o.runs, p.s.name, sc.name)
				m, err := b.measure(p, sc, hz)
				if err != nil {
					return fmt.Errorf("%s %s: %w", p.s.name, sc.name, err)
				}
				b.rep.addRun(sc, p.s, m)
			}
		}
	}
	return nil
}

// measure runs wrk once against p and takes the server's CPU time around it.
func (b *bencher) measure(p *proc, sc scenario, hz float64) (measured, error) {
	select {
	case <-p.done:
		return measured{}, fmt.Errorf("the server exited; see %s", p.log.Name())
	default:
	}
	before, err1 := cpuTicks(p.pid())
	w, err2 := runWrk(b.wrkArgs(sc, p.addr, b.o.duration))
	after, err3 := cpuTicks(p.pid())
	if err := firstErr(err1, err2, err3); err != nil {
		return measured{}, err
	}
	return measured{
		rps:       w.rps,
		requests:  w.requests,
		cpuPerReq: float64(after-before) / hz / float64(max(w.requests, 1)),
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
