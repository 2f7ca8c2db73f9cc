package main

import (
	"fmt"
	"github.com/eddy-go/eddy/bench/peers/internal/wsclient"
	"maps"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"time"
)

// measured is one wrk run against one server.
type measured struct {
	rps       float64
	requests  int64
	cpuPerReq float64 // seconds of server CPU (user+system) per completed request
	lat       latency
	errors    string
}

// idleResult is one idle-memory measurement.
type idleResult struct {
	held          int
	before, after int64 // VmRSS in bytes
	errors        string
}

func (r idleResult) perConn() float64 { return float64(r.after-r.before) / float64(max(r.held, 1)) }

type report struct {
	o          *options
	started    time.Time
	loadStart  string // /proc/loadavg's 1-minute figure when the run started
	build      []string
	notes      []string
	runs       map[string]map[string][]measured // cell key -> server -> runs
	idle       map[string]idleResult
	serverCmds map[string]string
	loadCmds   map[string]string

	wsServers []*server                          // the WebSocket servers measured
	wsRuns    map[string]map[string][]wsMeasured // scenario -> server -> runs
	wsIdle    map[string]idleResult
	wsBcast   map[string]bcastResult
	wsProbe   map[string][]wsclient.ProbeResult
}

func newReport(o *options, started time.Time) *report {
	return &report{
		o: o, started: started, loadStart: loadAvg(),
		runs:       map[string]map[string][]measured{},
		idle:       map[string]idleResult{},
		serverCmds: map[string]string{},
		loadCmds:   map[string]string{},
		wsRuns:     map[string]map[string][]wsMeasured{},
		wsIdle:     map[string]idleResult{},
		wsBcast:    map[string]bcastResult{},
		wsProbe:    map[string][]wsclient.ProbeResult{},
	}
}

func (r *report) note(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	fmt.Fprintln(os.Stderr, "harness:", msg)
	r.notes = append(r.notes, msg)
}

func (r *report) addRun(c cell, s *server, m measured) {
	k := c.key()
	if r.runs[k] == nil {
		r.runs[k] = map[string][]measured{}
	}
	r.runs[k][s.name] = append(r.runs[k][s.name], m)
}

func (r *report) addIdle(s *server, res idleResult) { r.idle[s.name] = res }

func (r *report) serverCommand(server, cmd string) { r.serverCmds[server] = cmd }

func (r *report) loadCommand(scenario, cmd string) { r.loadCmds[scenario] = cmd }

// summary is the median of a server's runs in one cell.
type summary struct {
	rps, cpu float64
	best     float64 // lowest CPU per request of the runs: the least disturbed one
	spread   float64 // (max-min)/median of CPU per request over the runs
	lat      latency // medians of the runs' percentiles
	lo, hi   latency // the lowest and highest of each percentile over the runs
	errors   string
}

func summarize(ms []measured) summary {
	rps := make([]float64, len(ms))
	cpu := make([]float64, len(ms))
	var errs []string
	for i, m := range ms {
		rps[i], cpu[i] = m.rps, m.cpuPerReq
		if m.errors != "" {
			errs = append(errs, m.errors)
		}
	}
	s := summary{rps: median(rps), cpu: median(cpu), errors: strings.Join(errs, "; ")}
	if len(ms) > 0 {
		for _, field := range []func(*latency) *float64{
			func(l *latency) *float64 { return &l.p50 },
			func(l *latency) *float64 { return &l.p99 },
			func(l *latency) *float64 { return &l.p999 },
			func(l *latency) *float64 { return &l.max },
		} {
			v := make([]float64, len(ms))
			for j := range ms {
				v[j] = *field(&ms[j].lat)
			}
			*field(&s.lat), *field(&s.lo), *field(&s.hi) = median(v), slices.Min(v), slices.Max(v)
		}
	}
	if len(cpu) > 0 {
		s.best = slices.Min(cpu)
	}
	if s.cpu > 0 {
		s.spread = (slices.Max(cpu) - slices.Min(cpu)) / s.cpu
	}
	return s
}

func median(v []float64) float64 {
	v = slices.Clone(v)
	slices.Sort(v)
	n := len(v)
	if n == 0 {
		return 0
	}
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}

func ratio(a, b float64, okA, okB bool) string {
	if !okA || !okB || b == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2fx", a/b)
}

func (r *report) markdown() string {
	var b strings.Builder
	o := r.o
	fmt.Fprintf(&b, "# eddy and peers: %s\n\n", r.started.Format("2006-01-02 15:04 UTC"))
	wait := ""
	if o.lock != "" {
		wait = fmt.Sprintf(", of which %s waiting for %s", o.lockWait.Round(time.Second), o.lock)
	}
	fmt.Fprintf(&b, "Source: %s. Run time: %s (builds included%s).\n\n", sourceVersion(o.root), time.Since(r.started).Round(time.Second), wait)
	fmt.Fprintf(&b, "Machine: %s, %d CPUs, Linux %s; %s; %s. Load average (1 min): %s at the start, %s at the end "+
		"(above ~1 on two CPUs, other work shared the cores and absolute figures are low; compare ratios).\n\n",
		cpuModel(), runtime.NumCPU(), kernel(), runtime.Version(), wrkVersion(), r.loadStart, loadAvg())
	if len(r.runs) > 0 || len(r.idle) > 0 {
		r.httpIntro(&b)
	}

	for _, mn := range o.modes {
		m, _ := modeByName(o, mn)
		for _, sc := range scenarios {
			if !slices.Contains(o.scenarios, sc.name) {
				continue
			}
			header := false
			for _, conns := range o.conns {
				byServer := r.runs[cell{mode: m, sc: sc, conns: conns}.key()]
				if byServer == nil {
					continue
				}
				if !header {
					fmt.Fprintf(&b, "## %s: %s\n\n", m.title, sc.title)
					b.WriteString("| conns | server | req/s | µs CPU/req | best µs | CPU vs rawgnet | CPU vs fasthttp | p50 | p99 | p99.9 | max | p99 vs rawgnet | max vs rawgnet | errors |\n")
					b.WriteString("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n")
					header = true
				}
				sums := map[string]summary{}
				for name, ms := range byServer {
					sums[name] = summarize(ms)
				}
				fh, okF := sums["fasthttp"]
				rg, okR := sums["rawgnet"]
				for _, name := range o.servers {
					s, ok := sums[name]
					if !ok {
						continue
					}
					fmt.Fprintf(&b, "| %d | %s | %.0f | %.2f | %.2f | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", conns, name, s.rps, s.cpu*1e6, s.best*1e6,
						ratio(s.cpu, rg.cpu, true, okR), ratio(s.cpu, fh.cpu, true, okF),
						usec(s.lat.p50), withRange(s.lat.p99, s.lo.p99, s.hi.p99, len(byServer[name])), usec(s.lat.p999),
						withRange(s.lat.max, s.lo.max, s.hi.max, len(byServer[name])),
						ratio(s.lat.p99, rg.lat.p99, true, okR), ratio(s.lat.max, rg.lat.max, true, okR), orNone(s.errors))
				}
			}
			if header {
				b.WriteString("\n")
			}
		}
	}

	if len(r.idle) > 0 {
		fh, okF := r.idle["fasthttp"]
		rg, okR := r.idle["rawgnet"]
		fmt.Fprintf(&b, "## Idle keep-alive connections (%d, one request each, then held)\n\n", o.idleConns)
		b.WriteString("| server | conns held | VmRSS before | VmRSS after | bytes/conn | vs fasthttp | vs rawgnet | errors |\n")
		b.WriteString("|---|---:|---:|---:|---:|---:|---:|---|\n")
		for _, name := range o.servers {
			res, ok := r.idle[name]
			if !ok {
				continue
			}
			fmt.Fprintf(&b, "| %s | %d | %s | %s | %.0f | %s | %s | %s |\n", name, res.held, mib(res.before), mib(res.after), res.perConn(),
				ratio(res.perConn(), fh.perConn(), true, okF), ratio(res.perConn(), rg.perConn(), true, okR), orNone(res.errors))
		}
		b.WriteString("\n")
	}

	r.goals(&b)
	r.wsMarkdown(&b)

	if len(r.notes) > 0 {
		b.WriteString("## Notes\n\n")
		for _, n := range r.notes {
			fmt.Fprintf(&b, "- %s\n", n)
		}
		b.WriteString("\n")
	}

	b.WriteString("## Commands\n\n`$ADDR` is a free 127.0.0.1 port picked for each server start. " +
		"The harness itself: `cd bench/peers && go run ./cmd/harness " + strings.Join(os.Args[1:], " ") + "`.\n\n```sh\n")
	b.WriteString("# build (from the repository root)\n")
	for _, c := range r.build {
		b.WriteString(c + "\n")
	}
	b.WriteString("# servers (mode/server; ws/server for the WebSocket scenarios)\n")
	for _, k := range slices.Sorted(maps.Keys(r.serverCmds)) {
		fmt.Fprintf(&b, "%s  # %s\n", r.serverCmds[k], k)
	}
	b.WriteString("# load (mode/scenario/connections; WebSocket: scenario, wsbcast/server)\n")
	for _, k := range slices.Sorted(maps.Keys(r.loadCmds)) {
		fmt.Fprintf(&b, "%s  # %s\n", r.loadCmds[k], k)
	}
	b.WriteString("```\n")
	return b.String()
}

// httpIntro says how the HTTP scenarios ran.
func (r *report) httpIntro(b *strings.Builder) {
	o := r.o
	fmt.Fprintf(b, "Mode 1: every server runs with GOMAXPROCS=1 (eddy and rawgnet with one loop) pinned to CPU %s; wrk is pinned to CPU %s. "+
		"Mode 2: GOMAXPROCS=2 (eddy and rawgnet with two loops), servers and wrk on CPUs %s,%s (the load generator shares the cores). "+
		"Load: `wrk -t1 -cN`, N in %v, %d s per run after a %d s warm-up per server and scenario, rounds: %d; all servers of a mode run at once "+
		"(idle but for the one under load) and the rounds interleave (each round measures every server in turn, the order rotated per round), so a disturbance hits all servers alike. "+
		"Figures are medians over the rounds (of req/s, CPU and each latency percentile); in brackets after p99 and max, the lowest and highest round; *best* is the lowest CPU per request of the rounds. "+
		"CPU per request = server utime+stime (from /proc/PID/stat, all threads) over the run / requests completed. "+
		"Latency is wrk's, from a request's write to its response (pipelined: from the batch's write); p99.9 and max are the noisiest figures on a shared machine. "+
		"Ratios are eddy's figure over rawgnet's from the same run (lower is better).\n\n",
		o.serverCPU, o.loadCPU, o.serverCPU, o.loadCPU, o.conns, int(o.duration/time.Second), int(o.warmup/time.Second), o.runs)
}

// goals compares eddy with the targets of issue 14, every ratio to rawgnet's figure from
// the same run: p99 at most 1.25x, max at most 3x, CPU per request at most 1.1x (1.2x
// pipelined).
func (r *report) goals(b *strings.Builder) {
	o := r.o
	var rows []string
	met, total := 0, 0
	for _, mn := range o.modes {
		m, _ := modeByName(o, mn)
		for _, sc := range scenarios {
			for _, conns := range o.conns {
				byServer := r.runs[cell{mode: m, sc: sc, conns: conns}.key()]
				if byServer == nil || byServer["eddy"] == nil || byServer["rawgnet"] == nil {
					continue
				}
				es, gs := byServer["eddy"], byServer["rawgnet"]
				e, g := summarize(es), summarize(gs)
				cpuGoal := 1.10
				if sc.depth > 0 {
					cpuGoal = 1.20
				}
				row := fmt.Sprintf("| %s | %s | %d", m.title, sc.name, conns)
				for _, q := range []struct {
					got, goal float64
					of        func(measured) float64
				}{
					{e.lat.p99 / g.lat.p99, 1.25, func(m measured) float64 { return m.lat.p99 }},
					{e.lat.max / g.lat.max, 3, func(m measured) float64 { return m.lat.max }},
					{e.cpu / g.cpu, cpuGoal, func(m measured) float64 { return m.cpuPerReq }},
				} {
					ok := q.got <= q.goal
					total++
					if ok {
						met++
					}
					row += fmt.Sprintf(" | %.2fx%s (≤ %.2fx: %s)", q.got, roundRatios(es, gs, q.of), q.goal, map[bool]string{true: "met", false: "missed"}[ok])
				}
				row += fmt.Sprintf(" | %.2fx%s", g.rps/e.rps, roundRatios(gs, es, func(m measured) float64 { return m.rps }))
				rows = append(rows, row+" |")
			}
		}
	}
	idle, okIdle := r.idle["eddy"]
	if len(rows) == 0 && !okIdle {
		return
	}
	b.WriteString("## eddy against the goals (issue 14)\n\n")
	if len(rows) > 0 {
		fmt.Fprintf(b, "Each ratio is eddy's median over the rounds to rawgnet's median from the same run; "+
			"in brackets, when there were several rounds, the ratios within each round (eddy and rawgnet measured "+
			"back to back), lowest to highest: their spread is the noise the verdict stands on. %d of %d met.\n\n", met, total)
		b.WriteString("The last column is rawgnet's req/s over eddy's: in a saturated closed loop (every connection " +
			"waits for its response before it sends again) the mean latency is connections / req/s, so a p99 ratio " +
			"near this one is the server's cost per request, not a stall; a p99 or max ratio well above it is.\n\n")
		b.WriteString("| mode | scenario | conns | p99 | max | CPU/req | rawgnet/eddy req/s |\n|---|---|---:|---|---|---|---|\n")
		for _, row := range rows {
			b.WriteString(row + "\n")
		}
		b.WriteString("\n")
	}
	if okIdle {
		ok := idle.perConn() <= 1024
		fmt.Fprintf(b, "Idle memory: %.0f bytes per connection (≤ 1024: %s).\n\n", idle.perConn(), verdict(ok, ok))
	}
}

// withRange shows a median latency and, over several runs, the lowest and highest.
func withRange(med, lo, hi float64, runs int) string {
	if runs < 2 {
		return usec(med)
	}
	return fmt.Sprintf("%s (%s–%s)", usec(med), usecBare(lo), usecBare(hi))
}

// usecBare is usec without the space, for ranges.
func usecBare(us float64) string { return strings.ReplaceAll(usec(us), " ", "") }

// roundRatios lists, for several rounds, eddy's figure over rawgnet's within each round
// (runs[i] of both servers is round i), sorted: " [0.91, 1.10, 1.32]".
func roundRatios(eddy, raw []measured, of func(measured) float64) string {
	n := min(len(eddy), len(raw))
	if n < 2 {
		return ""
	}
	v := make([]float64, 0, n)
	for i := range n {
		if d := of(raw[i]); d > 0 {
			v = append(v, of(eddy[i])/d)
		}
	}
	slices.Sort(v)
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = fmt.Sprintf("%.2f", x)
	}
	return " [" + strings.Join(parts, ", ") + "]"
}

// usec shows a latency in microseconds as µs or ms.
func usec(us float64) string {
	if us >= 1000 {
		return fmt.Sprintf("%.2f ms", us/1000)
	}
	return fmt.Sprintf("%.0f µs", us)
}

// verdict says whether a goal was met by the median and by the best run.
func verdict(median, best bool) string {
	switch {
	case median && best:
		return "met"
	case best:
		return "met by the best run only"
	case median:
		return "met by the median only"
	}
	return "missed"
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

func cpuModel() string {
	data, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}

// sourceVersion names the commit the servers were built from, and whether the work tree had
// uncommitted Go changes then (the build uses the work tree).
func sourceVersion(root string) string {
	out, err := exec.Command("git", "-C", root, "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "not a git checkout"
	}
	v := "commit " + strings.TrimSpace(string(out))
	dirty, err := exec.Command("git", "-C", root, "status", "--porcelain", "--", "*.go", "go.mod", "go.sum").Output()
	if err == nil && len(strings.TrimSpace(string(dirty))) > 0 {
		v += " plus uncommitted changes in the work tree"
	}
	return v
}

func loadAvg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	if f := strings.Fields(string(data)); len(f) > 0 {
		return f[0]
	}
	return "unknown"
}

func kernel() string {
	data, err := os.ReadFile("/proc/sys/kernel/osrelease")
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(data))
}

func wrkVersion() string {
	out, _ := exec.Command("wrk", "-v").CombinedOutput() // wrk -v exits non-zero after printing
	line, _, _ := strings.Cut(string(out), "\n")
	if f := strings.Fields(line); len(f) >= 2 {
		return f[0] + " " + f[1]
	}
	return "wrk"
}
