// Command harness compares eddy's bench/server with peer servers (net/http, fasthttp and a raw
// gnet responder) on one machine: each server runs with GOMAXPROCS=1 pinned to core 0 while
// wrk drives it pinned to core 1 (and again with GOMAXPROCS=2 and two loops on both cores),
// at several connection counts; the server's CPU time per request comes from
// /proc/PID/stat and the latency percentiles (p50, p99, p99.9, max) from wrk. It also
// measures resident memory per idle keep-alive connection.
//
// With -ws it compares eddy's WebSocket server with WebSocket peers (gorilla/websocket,
// coder/websocket, gobwas/ws, lxzan/gws, lesismal/nbio) the same way (GOMAXPROCS=1, pinned),
// driven by the wsload client: echo throughput and server CPU per echo, paced round trips,
// memory per idle WebSocket, time to deliver a broadcast, and a conformance probe.
//
// Run it from anywhere inside the repository:
//
//	go run ./bench/peers/cmd/harness            # not from the root: it is another module
//	cd bench/peers && go run ./cmd/harness -quick
//	cd bench/peers && go run ./cmd/harness -quick -ws
//
// See bench/README.md for the scenarios, the flags and how to read the tables.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type options struct {
	root      string
	results   string
	servers   []string
	scenarios []string
	modes     []string
	duration  time.Duration
	warmup    time.Duration
	conns     []int
	idleConns int
	runs      int
	serverCPU string
	loadCPU   string
	quick     bool
	lock      string        // a file to flock(2) around each measured cell, "" = none
	lockWait  time.Duration // spent waiting for the lock so far
	ws        wsOptions
}

// httpServers serve the HTTP contract; wsServers the WebSocket contract (eddy serves both).
var (
	httpServers = []string{"eddy", "fasthttp", "nethttp", "rawgnet"}
	wsServers   = []string{"eddy", "gorilla", "coder", "gobwas", "gws", "nbio"}
	allServers  = []string{"eddy", "fasthttp", "nethttp", "rawgnet", "gorilla", "coder", "gobwas", "gws", "nbio"}
	// quickHTTPServers are the HTTP servers of a -quick run.
	quickHTTPServers = []string{"eddy", "fasthttp", "rawgnet"}
)

func main() {
	var o options
	var servers, scenarios, conns, modes string
	quick := flag.Bool("quick", false, "bounded run (about 4 minutes): eddy, fasthttp and rawgnet, 3 interleaved rounds of 1 s per measurement, 10,000 idle connections (fewer let the process's fixed growth dominate the per-connection figure); with -ws every WebSocket server, 2 s per measurement, 1 run, 2,000 idle and broadcast WebSockets, 3 broadcasts (flags given explicitly win)")
	flag.StringVar(&o.root, "root", "", "repository root (default: found by walking up from the working directory)")
	flag.StringVar(&o.results, "results", "", "where to write binaries and reports (default <root>/bench/results)")
	flag.StringVar(&servers, "servers", "", "servers to compare (default: every server that serves a chosen scenario: "+strings.Join(allServers, ",")+")")
	flag.StringVar(&scenarios, "scenarios", "", "scenarios to run (default "+strings.Join(scenarioNames(), ",")+"; with -ws "+strings.Join(wsScenarioNames, ",")+")")
	wsFlag := flag.Bool("ws", false, "run the WebSocket scenarios instead of the HTTP ones (unless -scenarios names them)")
	flag.IntVar(&o.ws.conns, "ws-conns", 1000, "WebSockets in the echo and paced scenarios")
	flag.IntVar(&o.ws.idle, "ws-idle", 10000, "WebSockets held in the idle-memory scenario")
	flag.IntVar(&o.ws.bcast, "ws-bcast", 10000, "receivers of the broadcast scenario")
	flag.IntVar(&o.ws.rounds, "ws-rounds", 5, "broadcasts per server in the broadcast scenario (the report shows the median)")
	flag.Float64Var(&o.ws.rate, "ws-rate", 20, "messages per second per connection in the paced scenario")
	flag.StringVar(&modes, "modes", "1,2", "1: GOMAXPROCS=1 on -server-cpu, wrk on -load-cpu; 2: GOMAXPROCS=2 and two loops, servers and wrk on both CPUs")
	flag.DurationVar(&o.duration, "d", 5*time.Second, "wrk duration per measurement (whole seconds)")
	flag.DurationVar(&o.warmup, "warmup", 1*time.Second, "wrk warm-up per server before each scenario (whole seconds; 0 = none)")
	flag.StringVar(&conns, "c", "16,128,512", "wrk connection counts; every scenario runs at each")
	flag.IntVar(&o.idleConns, "idle", 10000, "connections held in the idle-memory scenario")
	flag.IntVar(&o.runs, "runs", 3, "runs of every throughput scenario; the report shows the median")
	flag.StringVar(&o.serverCPU, "server-cpu", "0", "taskset CPU list for the server")
	flag.StringVar(&o.loadCPU, "load-cpu", "1", "taskset CPU list for wrk and the idle-connection client")
	flag.StringVar(&o.lock, "lock", "", "hold flock(2) on this file while measuring each mode, scenario and connection count (warm-up and rounds), and each idle measurement; release it between them (e.g. /tmp/bench.lock on a shared machine)")
	flag.Parse()
	o.scenarios = splitList(scenarios)
	if len(o.scenarios) == 0 {
		o.scenarios = scenarioNames()
		if *wsFlag {
			o.scenarios = wsScenarioNames
		}
	}
	if *quick { // only where the flag was not given
		set := map[string]bool{}
		flag.Visit(func(f *flag.Flag) { set[f.Name] = true })
		// HTTP latency needs rounds (one 2 s run per cell was noise): three rounds of 1 s.
		// The WebSocket scenarios keep one run of 2 s.
		httpOnly := !o.hasWS()
		if !set["d"] {
			o.duration = 2 * time.Second
			if httpOnly {
				o.duration = time.Second
			}
		}
		if !set["runs"] {
			o.runs = 1
			if httpOnly {
				o.runs = 3
			}
		}
		if !set["ws-idle"] {
			o.ws.idle = 2000
		}
		if !set["ws-bcast"] {
			o.ws.bcast = 2000
		}
		if !set["ws-rounds"] {
			o.ws.rounds = 3
		}
	}
	o.quick = *quick
	o.servers = splitList(servers)
	if len(o.servers) == 0 {
		o.servers = o.defaultServers()
	}
	o.modes = splitList(modes)
	for _, c := range splitList(conns) {
		n, err := strconv.Atoi(c)
		if err != nil || n < 1 {
			fmt.Fprintf(os.Stderr, "harness: -c %q: want positive connection counts\n", conns)
			os.Exit(2)
		}
		o.conns = append(o.conns, n)
	}
	if err := run(&o); err != nil {
		fmt.Fprintln(os.Stderr, "harness:", err)
		os.Exit(1)
	}
}

func splitList(s string) []string {
	var out []string
	for f := range strings.SplitSeq(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// defaultServers is every server that serves at least one chosen scenario (of the HTTP
// servers, with -quick, only eddy, fasthttp and rawgnet).
func (o *options) defaultServers() []string {
	http := httpServers
	if o.quick {
		http = quickHTTPServers
	}
	var out []string
	for _, s := range allServers {
		if (o.hasHTTP() && slices.Contains(http, s)) || (o.hasWS() && slices.Contains(wsServers, s)) {
			out = append(out, s)
		}
	}
	return out
}

// hasHTTP reports whether an HTTP scenario was chosen; hasWS, a WebSocket one.
func (o *options) hasHTTP() bool {
	return slices.ContainsFunc(o.scenarios, func(s string) bool { return !slices.Contains(wsScenarioNames, s) })
}

func (o *options) hasWS() bool {
	return slices.ContainsFunc(o.scenarios, func(s string) bool { return slices.Contains(wsScenarioNames, s) })
}

func (o *options) validate() error {
	for _, s := range o.servers {
		if !slices.Contains(allServers, s) {
			return fmt.Errorf("unknown server %q (have %s)", s, strings.Join(allServers, ", "))
		}
	}
	for _, s := range o.scenarios {
		if _, ok := scenarioByName(s); !ok && !slices.Contains(wsScenarioNames, s) {
			return fmt.Errorf("unknown scenario %q (have %s, %s)", s, strings.Join(scenarioNames(), ", "), strings.Join(wsScenarioNames, ", "))
		}
	}
	if o.duration < time.Second || o.duration%time.Second != 0 {
		return fmt.Errorf("-d %v: wrk takes whole seconds, at least 1s", o.duration)
	}
	if o.warmup < 0 || o.warmup%time.Second != 0 {
		return fmt.Errorf("-warmup %v: wrk takes whole seconds", o.warmup)
	}
	for _, m := range o.modes {
		if _, ok := modeByName(o, m); !ok {
			return fmt.Errorf("unknown mode %q (have 1, 2)", m)
		}
	}
	if len(o.conns) == 0 || o.idleConns < 1 || o.runs < 1 {
		return errors.New("-c needs a connection count; -idle and -runs must be at least 1")
	}
	if o.ws.conns < 1 || o.ws.idle < 1 || o.ws.bcast < 1 || o.ws.rounds < 1 || o.ws.rate <= 0 {
		return errors.New("-ws-conns, -ws-idle, -ws-bcast, -ws-rounds and -ws-rate must be positive")
	}
	return nil
}

func run(o *options) error {
	if err := o.validate(); err != nil {
		return err
	}
	if o.root == "" {
		root, err := findRoot()
		if err != nil {
			return err
		}
		o.root = root
	}
	if o.results == "" {
		o.results = filepath.Join(o.root, "bench", "results")
	}
	tools := []string{"taskset"}
	if o.hasHTTP() {
		tools = append(tools, "wrk")
	}
	for _, tool := range tools {
		if _, err := lookPath(tool); err != nil {
			return fmt.Errorf("%s not found (Debian: apt-get install %s): %w", tool, map[string]string{"wrk": "wrk", "taskset": "util-linux"}[tool], err)
		}
	}
	if err := raiseFileLimit(uint64(max(o.idleConns, o.ws.idle, o.ws.bcast)) + 1024); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(o.results, "bin"), 0o755); err != nil {
		return err
	}
	started := time.Now().UTC()
	rep := newReport(o, started)

	built := buildServers(o, rep)
	if len(built) == 0 {
		return errors.New("no server built")
	}
	bench := &bencher{o: o, rep: rep, scripts: map[string]string{}, fixedload: filepath.Join(o.results, "bin", "fixedload")}
	if slices.Contains(o.scenarios, "pipelined") {
		if err := buildTool(o, rep, "fixedload"); err != nil {
			return err
		}
	}
	for _, sc := range scenarios {
		if sc.depth > 0 {
			continue // fixedload
		}
		path := filepath.Join(o.results, sc.name+".lua")
		if err := os.WriteFile(path, []byte(sc.script()), 0o644); err != nil {
			return err
		}
		bench.scripts[sc.name] = path
	}
	var httpBuilt, wsBuilt []*server
	for _, s := range built {
		if s.http && o.hasHTTP() {
			httpBuilt = append(httpBuilt, s)
		}
		if s.ws && o.hasWS() {
			wsBuilt = append(wsBuilt, s)
		}
	}
	built = httpBuilt
	one, _ := modeByName(o, "1")
	for _, s := range built {
		bench.check(s, one)
	}
	for _, name := range o.modes {
		m, _ := modeByName(o, name)
		if err := bench.throughput(built, m); err != nil {
			return err
		}
	}
	if slices.Contains(o.scenarios, "idle") {
		if err := buildIdleClient(o, rep); err != nil {
			return err
		}
		for _, s := range built {
			if err := bench.idle(s); err != nil {
				return err
			}
		}
	}
	if len(wsBuilt) > 0 {
		if err := bench.websocket(wsBuilt); err != nil {
			return err
		}
	}

	md := rep.markdown()
	name := filepath.Join(o.results, started.Format("20060102-150405")+".md")
	if err := os.WriteFile(name, []byte(md), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(o.results, "latest.md"), []byte(md), 0o644); err != nil {
		return err
	}
	fmt.Print(md)
	fmt.Fprintf(os.Stderr, "harness: wrote %s and latest.md\n", name)
	return nil
}

// findRoot walks up from the working directory to the main module's go.mod.
func findRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && strings.HasPrefix(string(data), "module github.com/eddy-go/eddy\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("repository root not found above the working directory; pass -root")
		}
		dir = parent
	}
}

// raiseFileLimit lets this process and the programs it starts hold need descriptors. Setting
// the limit explicitly also stops the Go runtime from restoring the old soft limit in children.
func raiseFileLimit(need uint64) error {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return err
	}
	lim.Cur = max(lim.Cur, need)
	lim.Max = max(lim.Max, need)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return fmt.Errorf("raise open-file limit to %d (run as root, or ulimit -Hn %d first): %w", need, need, err)
	}
	return nil
}
