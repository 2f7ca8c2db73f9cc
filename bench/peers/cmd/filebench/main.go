// Command filebench compares static file serving: eddy's App.Static
// (bench/server -files), nginx (one worker, sendfile on, open_file_cache
// on) and net/http's FileServer (cmd/nethttp -files), for a 4 KiB and a
// 1 MiB file over keep-alive connections. The servers are started once
// and stay up, each pinned to one core (GOMAXPROCS=1 for the Go servers;
// only the one under load does work), wrk runs pinned to another, and the
// server's CPU time per request comes from /proc/PID/stat (nginx runs
// without a master process, so its one process does all the work). Run k
// measures every server in turn, in an order rotated by k, so that a
// disturbance on a shared machine lands on every server alike; figures
// are medians over the runs.
//
//	cd bench/peers && go run ./cmd/filebench -lock /tmp/bench.lock
//
// (about 3.6 minutes with the defaults: 3 runs of 6 servers, 2 files,
// 1 s warm-up and 5 s each; -lock takes the machine's benchmark lock for
// each measurement only, letting other measurements in between.)
//
// It prints a Markdown table: requests/s, server CPU µs per request,
// eddy's CPU per request (default options) as a ratio of each other
// server's, and the CPU per request of both CPUs (server and wrk, wherever
// the kernel did the work); then the goals (at most nginx's CPU for
// 4 KiB, 1.5x nginx's for 1 MiB, 0.5x net/http's for both) and where the
// floors stand against net/http. eddy-cached is eddy keeping files up to
// 1 MiB in memory (StaticOptions.CacheFileSize); floor and floor-go are
// the least a server can do (floor.go); -bin adds prebuilt eddy builds
// for a same-run A/B.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type options struct {
	root, serverCPU, loadCPU, lock string
	bins                           map[string]string // -bin: more eddy servers, prebuilt
	duration, warmup               time.Duration
	conns, runs                    int
	servers                        []string
}

// files are the files served, by name and size.
var files = []struct {
	name string
	size int
}{
	{"4k.bin", 4 << 10},
	{"1m.bin", 1 << 20},
}

func main() {
	var o options
	var servers string
	flag.StringVar(&o.root, "root", "", "repository root (default: found by walking up from the working directory)")
	flag.StringVar(&o.serverCPU, "server-cpu", "0", "taskset CPU list for the server")
	flag.StringVar(&o.loadCPU, "load-cpu", "1", "taskset CPU list for wrk")
	flag.DurationVar(&o.duration, "d", 5*time.Second, "wrk duration per measurement (whole seconds)")
	flag.DurationVar(&o.warmup, "warmup", time.Second, "wrk warm-up before each measurement (whole seconds)")
	flag.IntVar(&o.conns, "c", 16, "wrk connections")
	flag.IntVar(&o.runs, "runs", 3, "runs (each measures every server once per file; medians are reported)")
	flag.StringVar(&o.lock, "lock", "", "file to flock(2) around each measurement (a machine-wide benchmark lock), none by default")
	flag.StringVar(&servers, "servers", "nginx,eddy,eddy-cached,nethttp,floor,floor-go", "servers to compare (eddy-cached: eddy keeping 1 MiB files in memory; nginx-nopush: nginx with tcp_nopush on; floor: the least a server can do, in C; floor-more: floor sending the head with MSG_MORE; floor-go: floor in Go)")
	floorAddr := flag.String("serve-floor", "", "run as the floor-go server on this address (filebench starts it so), serving -serve-dir")
	floorDir := flag.String("serve-dir", "", "with -serve-floor: the directory served at /files/")
	o.bins = map[string]string{}
	flag.Func("bin", "NAME=PATH: also measure the prebuilt bench/server binary PATH as server NAME, with eddy's options (an A/B of two builds in the same run); repeatable", func(v string) error {
		name, path, ok := strings.Cut(v, "=")
		if !ok || name == "" || path == "" {
			return errors.New("want NAME=PATH")
		}
		o.bins[name] = path
		return nil
	})
	flag.Parse()
	for _, name := range slices.Sorted(maps.Keys(o.bins)) {
		servers += "," + name
	}
	if *floorAddr != "" {
		// It serves until killed: it returns only an error.
		fmt.Fprintln(os.Stderr, "filebench: floor-go:", serveFloor(*floorAddr, *floorDir))
		os.Exit(1)
	}
	for s := range strings.SplitSeq(servers, ",") {
		o.servers = append(o.servers, strings.TrimSpace(s))
	}
	if err := run(&o); err != nil {
		fmt.Fprintln(os.Stderr, "filebench:", err)
		os.Exit(1)
	}
}

// result is one server and file.
type result struct {
	rps, cpuUS float64
	// allUS is the CPU per request of the server's and wrk's CPUs together
	// (user, system, irq and softirq time from /proc/stat, niced time left
	// out): the whole cost of an answer, wherever the kernel did the work
	// (on loopback much of the sending runs in whichever context processes
	// the acknowledgements, the client's or the server's).
	allUS  float64
	errors string
}

func run(o *options) error {
	if o.root == "" {
		root, err := findRoot()
		if err != nil {
			return err
		}
		o.root = root
	}
	for _, tool := range []string{"wrk", "taskset"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%s not found: %w", tool, err)
		}
	}
	work, err := os.MkdirTemp("", "filebench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	dir := filepath.Join(work, "files")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(dir, f.name), bytes.Repeat([]byte("x"), f.size), 0o644); err != nil {
			return err
		}
	}
	var up []*server
	for _, name := range o.servers {
		cmd, err := serverCommand(o, name, work, dir)
		if err != nil {
			fmt.Fprintf(os.Stderr, "filebench: %s skipped: %v\n", name, err)
			continue
		}
		srv, err := start(o, name, cmd)
		if err != nil {
			fmt.Fprintf(os.Stderr, "filebench: %s: %v\n", name, err)
			continue
		}
		defer srv.stop()
		up = append(up, srv)
	}
	samples := map[string]map[string][]result{}
	for k := range o.runs {
		for _, f := range files {
			for i := range up {
				srv := up[(i+k)%len(up)]
				r, err := measure(o, srv, f.name)
				if err != nil {
					return fmt.Errorf("%s %s: %w", srv.name, f.name, err)
				}
				if samples[srv.name] == nil {
					samples[srv.name] = map[string][]result{}
				}
				samples[srv.name][f.name] = append(samples[srv.name][f.name], r)
				fmt.Fprintf(os.Stderr, "filebench: run %d %s %s: %.0f req/s, %.1f µs CPU/req (both CPUs %.1f) %s\n", k+1, srv.name, f.name, r.rps, r.cpuUS, r.allUS, r.errors)
			}
		}
	}
	results := map[string]map[string]result{}
	for name, byFile := range samples {
		results[name] = map[string]result{}
		for f, rs := range byFile {
			results[name][f] = median(rs)
		}
	}
	report(o, results)
	return nil
}

// median returns the median requests/s and CPU per request of rs (each
// its own median), with every run's errors.
func median(rs []result) result {
	rps := make([]float64, len(rs))
	cpu := make([]float64, len(rs))
	all := make([]float64, len(rs))
	var errs []string
	for i, r := range rs {
		rps[i], cpu[i], all[i] = r.rps, r.cpuUS, r.allUS
		if r.errors != "" {
			errs = append(errs, r.errors)
		}
	}
	mid := func(v []float64) float64 {
		slices.Sort(v)
		if n := len(v); n%2 == 0 {
			return (v[n/2-1] + v[n/2]) / 2
		}
		return v[len(v)/2]
	}
	return result{rps: mid(rps), cpuUS: mid(cpu), allUS: mid(all), errors: strings.Join(errs, "; ")}
}

// serverCommand builds (or configures) server name and returns the
// command that runs it on addr, which it gets through {{addr}}.
func serverCommand(o *options, name, work, dir string) ([]string, error) {
	if bin, ok := o.bins[name]; ok {
		return []string{bin, "-addr", "{{addr}}", "-loops", "1", "-files", dir}, nil
	}
	switch name {
	case "eddy", "eddy-cached":
		bin := filepath.Join(work, "eddy")
		if err := build(o.root, bin, "./bench/server"); err != nil {
			return nil, err
		}
		argv := []string{bin, "-addr", "{{addr}}", "-loops", "1", "-files", dir}
		if name == "eddy-cached" {
			// Every file in memory, as nginx's page cache plus
			// open_file_cache would have them.
			argv = append(argv, "-file-cache", strconv.Itoa(1<<20))
		}
		return argv, nil
	case "nethttp":
		bin := filepath.Join(work, "nethttp")
		if err := build(filepath.Join(o.root, "bench", "peers"), bin, "./cmd/nethttp"); err != nil {
			return nil, err
		}
		return []string{bin, "-addr", "{{addr}}", "-files", dir}, nil
	case "floor", "floor-more":
		return floorCommand(name, work, dir)
	case "floor-go":
		self, err := os.Executable()
		if err != nil {
			return nil, err
		}
		return []string{self, "-serve-floor", "{{addr}}", "-serve-dir", dir}, nil
	case "nginx", "nginx-nopush":
		bin, err := exec.LookPath("nginx")
		if err != nil {
			return nil, fmt.Errorf("nginx not found (Debian: apt-get install nginx): %w", err)
		}
		return []string{bin, "-e", "stderr", "-p", work, "-c", filepath.Join(work, name+".conf")}, nil
	}
	return nil, fmt.Errorf("unknown server %q", name)
}

// build builds pkg at the lowest priority (under nice when there is one),
// so that building does not disturb other measurements on the machine.
func build(dir, bin, pkg string) error {
	argv := []string{"go", "build", "-o", bin, pkg}
	if _, err := exec.LookPath("nice"); err == nil {
		argv = append([]string{"nice", "-n", "19"}, argv...)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %v\n%s", pkg, err, out)
	}
	return nil
}

// nginxConf is one worker with sendfile and open_file_cache, no master
// process (so /proc/PID/stat counts all the work), no access log.
//
// tcp_nopush is nginx's default, off, for "nginx": on
// loopback, corking the socket (TCP_CORK, what tcp_nopush does with
// sendfile) and uncorking it after the file moves the sending of the
// whole file into nginx's uncork call, which counted about 430 µs per
// 1 MiB answer against about 72 µs without (the same bytes, by the same
// sendfile). "nginx-nopush" keeps it on, to show that.
const nginxConf = `daemon off;
master_process off;
worker_processes 1;
pid {{work}}/{{name}}.pid;
events { worker_connections 4096; }
http {
	access_log off;
	sendfile on;
	tcp_nopush {{nopush}};
	open_file_cache max=1000 inactive=60s;
	open_file_cache_valid 60s;
	keepalive_requests 100000000;
	keepalive_timeout 75s;
	default_type application/octet-stream;
	client_body_temp_path {{work}}/tmp;
	proxy_temp_path {{work}}/tmp;
	fastcgi_temp_path {{work}}/tmp;
	uwsgi_temp_path {{work}}/tmp;
	scgi_temp_path {{work}}/tmp;
	server {
		listen {{addr}};
		location /files/ { alias {{dir}}/; }
	}
}
`

// server is a running server.
type server struct {
	name, addr string
	cmd        *exec.Cmd
	logf       *os.File
}

// start starts server name and waits until it serves the first file.
func start(o *options, name string, argv []string) (*server, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	work := filepath.Dir(argv[0])
	for i := range argv {
		argv[i] = strings.ReplaceAll(argv[i], "{{addr}}", addr)
	}
	if strings.HasPrefix(name, "nginx") {
		work = argv[4]
		nopush := "off"
		if name == "nginx-nopush" {
			nopush = "on"
		}
		conf := strings.NewReplacer("{{work}}", work, "{{addr}}", addr, "{{dir}}", filepath.Join(work, "files"),
			"{{name}}", name, "{{nopush}}", nopush).Replace(nginxConf)
		os.MkdirAll(filepath.Join(work, "tmp"), 0o755)
		if err := os.WriteFile(filepath.Join(work, name+".conf"), []byte(conf), 0o644); err != nil {
			return nil, err
		}
	}
	logf, err := os.Create(filepath.Join(work, name+".log"))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command("taskset", append([]string{"-c", o.serverCPU}, argv...)...) // same PID as the server
	cmd.Env = append(os.Environ(), "GOMAXPROCS=1")
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, err
	}
	srv := &server{name: name, addr: addr, cmd: cmd, logf: logf}
	if err := waitReady(addr, "/files/"+files[0].name); err != nil {
		srv.stop()
		log, _ := os.ReadFile(logf.Name())
		return nil, fmt.Errorf("not ready: %v\n%s", err, log)
	}
	return srv, nil
}

// stop ends the server (SIGTERM, then SIGKILL after 5 s).
func (s *server) stop() {
	s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		s.cmd.Process.Kill()
		<-done
	}
	s.logf.Close()
}

// measure warms srv up with file, then runs wrk on it and reads the
// server's CPU time around the run, holding the benchmark lock if one
// was given.
func measure(o *options, srv *server, file string) (result, error) {
	if o.lock != "" {
		lf, err := os.OpenFile(o.lock, os.O_RDWR|os.O_CREATE, 0o666)
		if err != nil {
			return result{}, err
		}
		defer lf.Close()
		if err := syscall.Flock(int(lf.Fd()), syscall.LOCK_EX); err != nil {
			return result{}, err
		}
		defer syscall.Flock(int(lf.Fd()), syscall.LOCK_UN)
	}
	url := "http://" + srv.addr + "/files/" + file
	if o.warmup > 0 {
		if _, err := wrk(o, url, o.warmup); err != nil {
			return result{}, err
		}
	}
	pid := srv.cmd.Process.Pid
	cpus := append(cpuList(o.serverCPU), cpuList(o.loadCPU)...)
	allBefore, err := busyTicks(cpus)
	if err != nil {
		return result{}, err
	}
	before, err := cpuTicks(pid)
	if err != nil {
		return result{}, err
	}
	r, err := wrk(o, url, o.duration)
	if err != nil {
		return result{}, err
	}
	after, err := cpuTicks(pid)
	if err != nil {
		return result{}, err
	}
	allAfter, err := busyTicks(cpus)
	if err != nil {
		return result{}, err
	}
	if r.requests > 0 {
		r.cpuUS = float64(after-before) / clockTicks() * 1e6 / float64(r.requests)
		r.allUS = float64(allAfter-allBefore) / clockTicks() * 1e6 / float64(r.requests)
	}
	return r.result, nil
}

type wrkRun struct {
	result
	requests int64
}

var (
	reTotal  = regexp.MustCompile(`(\d+) requests in`)
	reRPS    = regexp.MustCompile(`Requests/sec:\s+([\d.]+)`)
	reSocket = regexp.MustCompile(`Socket errors: [^\n]*`)
	reNon2xx = regexp.MustCompile(`Non-2xx or 3xx responses: \d+`)
)

func wrk(o *options, url string, d time.Duration) (wrkRun, error) {
	args := []string{"-c", o.loadCPU, "wrk", "-t1", "-c" + strconv.Itoa(o.conns), "-d" + strconv.Itoa(int(d/time.Second)) + "s", url}
	out, err := exec.Command("taskset", args...).CombinedOutput()
	if err != nil {
		return wrkRun{}, fmt.Errorf("wrk: %v\n%s", err, out)
	}
	var r wrkRun
	if m := reTotal.FindSubmatch(out); m != nil {
		r.requests, _ = strconv.ParseInt(string(m[1]), 10, 64)
	}
	if m := reRPS.FindSubmatch(out); m != nil {
		r.rps, _ = strconv.ParseFloat(string(m[1]), 64)
	}
	var errs []string
	for _, re := range []*regexp.Regexp{reSocket, reNon2xx} {
		if m := re.Find(out); m != nil {
			errs = append(errs, string(m))
		}
	}
	r.errors = strings.Join(errs, "; ")
	return r, nil
}

func report(o *options, res map[string]map[string]result) {
	fmt.Printf("### Static files: server CPU per request (keep-alive, %d connections, medians of %d runs of %v, server on CPU %s, wrk on CPU %s)\n\n",
		o.conns, o.runs, o.duration, o.serverCPU, o.loadCPU)
	fmt.Println("| file | server | requests/s | CPU µs/request | eddy / this | both CPUs µs/request | errors |")
	fmt.Println("|---|---|---:|---:|---:|---:|---|")
	for _, f := range files {
		e, haveE := res["eddy"][f.name]
		for _, name := range o.servers {
			r, ok := res[name][f.name]
			if !ok {
				continue
			}
			ratio := ""
			if haveE && !strings.HasPrefix(name, "eddy") && r.cpuUS > 0 {
				ratio = fmt.Sprintf("%.2f", e.cpuUS/r.cpuUS)
			}
			fmt.Printf("| %s | %s | %.0f | %.1f | %s | %.1f | %s |\n", f.name, name, r.rps, r.cpuUS, ratio, r.allUS, r.errors)
		}
	}
	// The goals: eddy's CPU per request against nginx's and net/http's.
	goals := []struct {
		file, peer string
		max        float64
	}{
		{"4k.bin", "nginx", 1}, {"1m.bin", "nginx", 1.5},
		{"4k.bin", "nethttp", 0.5}, {"1m.bin", "nethttp", 0.5},
	}
	fmt.Println()
	fmt.Println("| goal | eddy / peer | met |")
	fmt.Println("|---|---:|---|")
	for _, g := range goals {
		e, p := res["eddy"][g.file], res[g.peer][g.file]
		if e.cpuUS == 0 || p.cpuUS == 0 {
			continue
		}
		ratio := e.cpuUS / p.cpuUS
		met := "yes"
		if ratio > g.max {
			met = "no"
		}
		fmt.Printf("| %s: eddy CPU/req <= %.1fx %s's | %.2f | %s |\n", g.file, g.max, g.peer, ratio, met)
	}
	// The floors against net/http: a floor above 0.5x means the goal is
	// below what any server can do on this machine.
	for _, f := range files {
		for _, name := range []string{"floor", "floor-more", "floor-go"} {
			fl, p := res[name][f.name], res["nethttp"][f.name]
			if fl.cpuUS == 0 || p.cpuUS == 0 {
				continue
			}
			below := "no"
			if fl.cpuUS/p.cpuUS > 0.5 {
				below = "yes: the 0.5x goal is below this floor"
			}
			fmt.Printf("| %s: %s CPU/req / net/http's | %.2f | %s |\n", f.name, name, fl.cpuUS/p.cpuUS, below)
		}
	}
}

func waitReady(addr, path string) error {
	deadline := time.Now().Add(15 * time.Second)
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		resp, err := client.Get("http://" + addr + path)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
			err = fmt.Errorf("status %d", resp.StatusCode)
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// cpuTicks returns utime+stime of pid (all threads), in clock ticks.
func cpuTicks(pid int) (uint64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return 0, errors.New("malformed /proc/PID/stat")
	}
	f := strings.Fields(string(data[i+1:]))
	if len(f) < 13 {
		return 0, errors.New("short /proc/PID/stat")
	}
	u, err1 := strconv.ParseUint(f[11], 10, 64)
	s, err2 := strconv.ParseUint(f[12], 10, 64)
	return u + s, errors.Join(err1, err2)
}

// cpuList parses a taskset CPU list ("0", "1,3", "0-2").
func cpuList(list string) []int {
	var out []int
	for part := range strings.SplitSeq(list, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		if err != nil {
			continue
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil {
				continue
			}
		}
		for i := a; i <= b; i++ {
			out = append(out, i)
		}
	}
	return out
}

// busyTicks returns the user, system, irq and softirq time of cpus from
// /proc/stat, in clock ticks; niced time (other work kept out of the way
// with nice) is left out.
func busyTicks(cpus []int) (uint64, error) {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, err
	}
	var sum uint64
	for line := range strings.SplitSeq(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 8 || !strings.HasPrefix(f[0], "cpu") || f[0] == "cpu" {
			continue
		}
		id, err := strconv.Atoi(f[0][3:])
		if err != nil || !slices.Contains(cpus, id) {
			continue
		}
		for _, k := range []int{1, 3, 6, 7} { // user, system, irq, softirq
			v, err := strconv.ParseUint(f[k], 10, 64)
			if err != nil {
				return 0, err
			}
			sum += v
		}
	}
	return sum, nil
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
