package main

import (
	"fmt"
	"github.com/eddy-go/eddy/bench/peers/internal/wsclient"
	"math"
	"slices"
	"strings"
	"time"
)

// issueCPU and issueIdleKiB are the peers' figures issue 11 quotes (measured on another run
// with one core per server, median of 3), shown beside this run's for context.
var (
	issueCPU = map[string]map[string]float64{
		"ws32":  {"gorilla": 12.4, "gobwas": 18.1, "gws": 10.9, "nbio": 13.8, "coder": 12.9},
		"ws16k": {"gorilla": 38.6, "gws": 21.3, "nbio": 21.3},
	}
	issueIdleKiB = map[string]float64{"gorilla": 21.2, "gobwas": 7.8, "gws": 9.2, "nbio": 1.3, "coder": 23.1}
)

func (r *report) addWSRun(scenario, server string, m wsMeasured) {
	if r.wsRuns[scenario] == nil {
		r.wsRuns[scenario] = map[string][]wsMeasured{}
	}
	r.wsRuns[scenario][server] = append(r.wsRuns[scenario][server], m)
}

// wsSummary is the median of a server's runs in one WebSocket echo scenario.
type wsSummary struct {
	rate, cpu, best, spread float64
	p50, p99, p999, max     float64
	serverBusy, clientBusy  float64 // CPU time over wall time of the measured load
	errors                  string
}

func summarizeWS(ms []wsMeasured) wsSummary {
	var rate, cpu, p50, p99, p999, mx, sb, cb []float64
	var errs []string
	for _, m := range ms {
		rate = append(rate, float64(m.echoes)/math.Max(m.seconds, 1e-9))
		cpu = append(cpu, m.cpuPerEcho)
		sb, cb = append(sb, m.serverBusy), append(cb, m.clientCPU/math.Max(m.seconds, 1e-9))
		p50, p99, p999, mx = append(p50, float64(m.p50)), append(p99, float64(m.p99)), append(p999, float64(m.p999)), append(mx, float64(m.max))
		if m.errors != "" {
			errs = append(errs, m.errors)
		}
	}
	s := wsSummary{rate: median(rate), cpu: median(cpu), p50: median(p50), p99: median(p99), p999: median(p999), max: median(mx),
		serverBusy: median(sb), clientBusy: median(cb), errors: strings.Join(errs, "; ")}
	if len(cpu) > 0 {
		s.best = slices.Min(cpu)
		if s.cpu > 0 {
			s.spread = (slices.Max(cpu) - slices.Min(cpu)) / s.cpu
		}
	}
	return s
}

// bestPeer returns the peer (not eddy) with the lowest value of f, and whether there is one.
func bestPeer[T any](by map[string]T, f func(T) float64) (string, float64, bool) {
	name, best, ok := "", 0.0, false
	for n, v := range by {
		if n == "eddy" {
			continue
		}
		if x := f(v); !ok || x < best || (x == best && n < name) {
			name, best, ok = n, x, true
		}
	}
	return name, best, ok
}

func dur(ns float64) string {
	switch d := time.Duration(ns); {
	case d == 0:
		return "–"
	case d < time.Millisecond:
		return fmt.Sprintf("%.0f µs", ns/1e3)
	default:
		return fmt.Sprintf("%.2f ms", ns/1e6)
	}
}

func issueFig(v float64, ok bool) string {
	if !ok {
		return "–"
	}
	return fmt.Sprintf("%.1f", v)
}

func (r *report) wsMarkdown(b *strings.Builder) {
	if len(r.wsServers) == 0 {
		return
	}
	o := r.o
	var names []string
	for _, s := range r.wsServers {
		names = append(names, s.name)
	}
	fmt.Fprintf(b, "## WebSocket\n\nServers: %s; each with GOMAXPROCS=1 pinned to CPU %s, `wsload` pinned to CPU %s. "+
		"Echo scenarios: %d WebSockets, each sending a binary message and waiting for its echo (closed loop), or sending %g a second "+
		"(paced; round trips counted from the scheduled send time); %d s per run after a %d s warm-up on the same connections, runs: %d; "+
		"all servers run at once (idle but for the one under load) and the runs interleave (server order rotated per run). Figures are medians over the runs; "+
		"*best* is the lowest CPU per echo of the runs; spread = (max-min)/median of CPU per echo. µs CPU/echo = server utime+stime over exactly the measured load / echoes. "+
		"*issue* is the peer's figure quoted in issue 11 (another run, for context). "+
		"Round trips include wsload's own scheduling on its one core. *busy* is CPU time over wall time of the measured load: "+
		"a server below ~100%% while wsload is near 100%% was waiting for the client, and its echoes/s says more about wsload than about it "+
		"(its CPU per echo still holds).\n\n",
		strings.Join(names, ", "), o.serverCPU, o.loadCPU, o.ws.conns, o.ws.rate, int(o.duration/time.Second), int(o.warmup/time.Second), o.runs)

	for _, l := range wsLoads {
		byServer := r.wsRuns[l.name]
		if byServer == nil {
			continue
		}
		sums := map[string]wsSummary{}
		for n, ms := range byServer {
			sums[n] = summarizeWS(ms)
		}
		bp, bcpu, okB := bestPeer(sums, func(s wsSummary) float64 { return s.cpu })
		title := l.title
		if l.paced {
			title += fmt.Sprintf(", %g a second per connection", o.ws.rate)
		}
		fmt.Fprintf(b, "### %s (`%s`)\n\n", title, l.name)
		b.WriteString("| server | echoes/s | µs CPU/echo | best µs | vs best peer | issue µs | p50 | p99 | p99.9 | max | spread | server busy | wsload busy | errors |\n")
		b.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n")
		for _, n := range names {
			s, ok := sums[n]
			if !ok {
				continue
			}
			iv, iok := issueCPU[l.name][n]
			fmt.Fprintf(b, "| %s | %.0f | %.2f | %.2f | %s | %s | %s | %s | %s | %s | %.0f%% | %.0f%% | %.0f%% | %s |\n", n, s.rate, s.cpu*1e6, s.best*1e6,
				ratio(s.cpu, bcpu, true, okB), issueFig(iv, iok), dur(s.p50), dur(s.p99), dur(s.p999), dur(s.max), s.spread*100,
				s.serverBusy*100, s.clientBusy*100, orNone(s.errors))
		}
		if okB {
			fmt.Fprintf(b, "\nBest peer by CPU per echo: %s.\n", bp)
		}
		b.WriteString("\n")
	}

	if len(r.wsIdle) > 0 {
		fmt.Fprintf(b, "### Idle WebSockets (`wsidle`: %d opened, one echo each, then held)\n\n", o.ws.idle)
		b.WriteString("| server | held | VmRSS before | VmRSS after | KiB/WebSocket | issue KiB | errors |\n|---|---:|---:|---:|---:|---:|---|\n")
		for _, n := range names {
			res, ok := r.wsIdle[n]
			if !ok {
				continue
			}
			iv, iok := issueIdleKiB[n]
			fmt.Fprintf(b, "| %s | %d | %s | %s | %.2f | %s | %s |\n", n, res.held, mib(res.before), mib(res.after), res.perConn()/1024, issueFig(iv, iok), orNone(res.errors))
		}
		b.WriteString("\n")
	}

	if len(r.wsBcast) > 0 {
		fmt.Fprintf(b, "### Broadcast (`wsbcast`: %d receivers; one more client sends `broadcast:<payload>`, or `<payload>` to a room)\n\n", o.ws.bcast)
		b.WriteString("Time from the request to the last and to the median receiver getting the message, median over the rounds " +
			"(after unmeasured rounds that reach every receiver). Each peer sends with its library's straightforward loop over the connections; " +
			"eddy's bench/server broadcasts every message of its /wsb room through an eddy.Hub. wsload reads all receivers from one epoll loop " +
			"on its core, so one read per receiver is part of the time.\n\n")
		b.WriteString("| server | receivers | rounds | to the last | to the median | missing | errors |\n|---|---:|---:|---:|---:|---:|---|\n")
		for _, n := range names {
			res, ok := r.wsBcast[n]
			if !ok {
				continue
			}
			fmt.Fprintf(b, "| %s | %d | %d | %s | %s | %d | %s |\n", n, res.receivers, res.rounds, dur(float64(res.last)), dur(float64(res.p50)), res.missing, orNone(res.errors))
		}
		b.WriteString("\n")
	}

	r.wsProbeMarkdown(b, names)
	r.wsGoals(b)
}

func (r *report) wsProbeMarkdown(b *strings.Builder, names []string) {
	if len(r.wsProbe) == 0 {
		return
	}
	var cols []string
	for _, n := range names {
		if _, ok := r.wsProbe[n]; ok {
			cols = append(cols, n)
		}
	}
	b.WriteString("### Conformance probe (`wsprobe`)\n\n" +
		"Autobahn-style cases sent by `wsload -mode probe`, each on a fresh connection, to every server started with its permessage-deflate flag " +
		"(`pmd:` cases are n/a for a server without permessage-deflate). A case that expects the connection failed passes on the expected " +
		"close code or on a dropped connection without a close frame; it fails on an echo, another code, or no close within 2 s. " +
		"*strict* asks for the close while the bad message is still incomplete.\n\n")
	b.WriteString("| case | " + strings.Join(cols, " | ") + " |\n|---|" + strings.Repeat("---|", len(cols)) + "\n")
	failed := map[string]int{}
	var details []string
	for i, name := range probeCaseNames(r.wsProbe) {
		row := "| " + name
		for _, n := range cols {
			res := r.wsProbe[n]
			cell := "–"
			if i < len(res) {
				switch {
				case !res[i].Pass:
					cell = "**FAIL**"
					failed[n]++
					details = append(details, fmt.Sprintf("- %s, %s: %s", n, name, res[i].Got))
				case strings.HasPrefix(res[i].Got, "n/a"):
					cell = "n/a"
				default:
					cell = "pass"
				}
			}
			row += " | " + cell
		}
		b.WriteString(row + " |\n")
	}
	row := "| **failed**"
	for _, n := range cols {
		row += fmt.Sprintf(" | %d", failed[n])
	}
	b.WriteString(row + " |\n\n")
	if len(details) > 0 {
		b.WriteString("What the failing servers did:\n\n" + strings.Join(details, "\n") + "\n\n")
	}
}

// probeCaseNames is the case order of any server's results (all servers run the same cases).
func probeCaseNames(by map[string][]wsclient.ProbeResult) []string {
	for _, res := range by {
		names := make([]string, len(res))
		for i, r := range res {
			names[i] = r.Case
		}
		return names
	}
	return nil
}

// wsGoals compares eddy with the WebSocket goals of issue 11.
func (r *report) wsGoals(b *strings.Builder) {
	var rows []string
	for _, name := range []string{"ws32", "ws16k"} {
		by := r.wsRuns[name]
		if by == nil || by["eddy"] == nil {
			continue
		}
		sums := map[string]wsSummary{}
		for n, ms := range by {
			sums[n] = summarizeWS(ms)
		}
		bp, bcpu, ok := bestPeer(sums, func(s wsSummary) float64 { return s.cpu })
		if !ok {
			continue
		}
		q := sums["eddy"].cpu / bcpu
		rows = append(rows, fmt.Sprintf("| CPU per echo, %s, ≤ 0.9x the best peer (%s) | %.2f µs, %.2fx | %s |", name, bp, sums["eddy"].cpu*1e6, q, verdict(q <= 0.9, q <= 0.9)))
	}
	if by := r.wsRuns["wspaced"]; by != nil && by["eddy"] != nil {
		sums := map[string]wsSummary{}
		for n, ms := range by {
			sums[n] = summarizeWS(ms)
		}
		if bp, bp99, ok := bestPeer(sums, func(s wsSummary) float64 { return s.p99 }); ok {
			e := sums["eddy"].p99
			rows = append(rows, fmt.Sprintf("| paced p99 ≤ the best peer's (%s, %s) | %s | %s |", bp, dur(bp99), dur(e), verdict(e <= bp99, e <= bp99)))
		}
	}
	if e, ok := r.wsIdle["eddy"]; ok {
		kib := e.perConn() / 1024
		rows = append(rows, fmt.Sprintf("| ≤ 1.2 KiB per idle WebSocket | %.2f KiB | %s |", kib, verdict(kib <= 1.2, kib <= 1.2)))
	}
	if e, ok := r.wsBcast["eddy"]; ok {
		if bp, last, ok := bestPeer(r.wsBcast, func(v bcastResult) float64 { return float64(v.last) }); ok {
			fast := float64(e.last) < last && e.missing == 0
			rows = append(rows, fmt.Sprintf("| broadcast faster than every peer (best %s, %s) | %s | %s |", bp, dur(last), dur(float64(e.last)), verdict(fast, fast)))
		}
	}
	if res, ok := r.wsProbe["eddy"]; ok {
		n := 0
		for _, x := range res {
			if !x.Pass {
				n++
			}
		}
		rows = append(rows, fmt.Sprintf("| passes every conformance case | %d of %d failed | %s |", n, len(res), verdict(n == 0, n == 0)))
	}
	if len(rows) == 0 {
		return
	}
	b.WriteString("### eddy against the WebSocket goals (issue 11)\n\n| goal | measured | verdict |\n|---|---|---|\n")
	b.WriteString(strings.Join(rows, "\n") + "\n\n")
}
