package main

import (
	"strings"
	"testing"
	"time"

	"github.com/eddy-go/eddy/bench/peers/internal/wsclient"
)

func TestParseFields(t *testing.T) {
	cases := []struct {
		in   string
		want map[string]string
		bad  bool
	}{
		{in: `held=10 failed=0 first_error=""`, want: map[string]string{"held": "10", "failed": "0", "first_error": ""}},
		{in: `echoes=5 seconds=1.000 first_error="dial tcp: refused, twice"`, want: map[string]string{"echoes": "5", "seconds": "1.000", "first_error": "dial tcp: refused, twice"}},
		{in: `rounds=3 last=120`, want: map[string]string{"rounds": "3", "last": "120"}},
		{in: `oops`, bad: true},
		{in: `first_error="unterminated`, bad: true},
	}
	for _, c := range cases {
		got, err := parseFields(c.in)
		if c.bad {
			if err == nil {
				t.Errorf("%q: parsed %v, want an error", c.in, got)
			}
			continue
		}
		if err != nil || len(got) != len(c.want) {
			t.Errorf("%q: got %v, %v; want %v", c.in, got, err, c.want)
			continue
		}
		for k, v := range c.want {
			if got[k] != v {
				t.Errorf("%q: %s = %q, want %q", c.in, k, got[k], v)
			}
		}
	}
}

func TestSummarizeWS(t *testing.T) {
	s := summarizeWS([]wsMeasured{
		{echoes: 1000, seconds: 1, cpuPerEcho: 10e-6, p99: 300},
		{echoes: 3000, seconds: 1, cpuPerEcho: 8e-6, p99: 100},
		{echoes: 2000, seconds: 1, cpuPerEcho: 12e-6, p99: 200, errors: "1 connections failed"},
	})
	if s.rate != 2000 || s.cpu != 10e-6 || s.best != 8e-6 || s.p99 != 200 {
		t.Errorf("got rate %v cpu %v best %v p99 %v", s.rate, s.cpu, s.best, s.p99)
	}
	if s.spread < 0.399 || s.spread > 0.401 || s.errors != "1 connections failed" {
		t.Errorf("got spread %v errors %q", s.spread, s.errors)
	}
}

// TestWSReport renders a report from made-up figures and checks the tables and the verdicts.
func TestWSReport(t *testing.T) {
	o := &options{serverCPU: "0", loadCPU: "1", duration: 2 * time.Second, runs: 1, ws: wsOptions{conns: 1000, rate: 20, idle: 100, bcast: 100}}
	r := newReport(o, time.Now())
	r.wsServers = []*server{{name: "eddy"}, {name: "gorilla"}, {name: "gws"}}
	r.addWSRun("ws32", "eddy", wsMeasured{echoes: 100, seconds: 1, cpuPerEcho: 5e-6, serverBusy: 0.5, clientCPU: 0.99})
	r.addWSRun("ws32", "gorilla", wsMeasured{echoes: 100, seconds: 1, cpuPerEcho: 12e-6})
	r.addWSRun("ws32", "gws", wsMeasured{echoes: 100, seconds: 1, cpuPerEcho: 10e-6})
	r.wsIdle["eddy"] = idleResult{held: 100, before: 0, after: 100 * 2048}
	r.wsIdle["gws"] = idleResult{held: 100, before: 0, after: 100 * 9 * 1024}
	r.wsBcast["eddy"] = bcastResult{receivers: 100, rounds: 3, last: 1e6}
	r.wsBcast["gorilla"] = bcastResult{receivers: 100, rounds: 3, last: 2e6}
	r.wsProbe["eddy"] = []wsclient.ProbeResult{{Case: "a", Pass: true}, {Case: "b", Pass: true}}
	r.wsProbe["gws"] = []wsclient.ProbeResult{{Case: "a", Pass: true}, {Case: "b", Pass: false, Got: "echoed"}}
	var b strings.Builder
	r.wsMarkdown(&b)
	md := b.String()
	for _, want := range []string{
		"| eddy | 100 | 5.00 | 5.00 | 0.50x | – | – | – | – | – | 0% | 50% | 99% | none |",
		"| gorilla | 100 | 12.00 | 12.00 | 1.20x | 12.4 |",
		"Best peer by CPU per echo: gws.",
		"| eddy | 100 | 0.0 MiB | 0.2 MiB | 2.00 | – | none |",
		"| gorilla | 100 | 3 | 2.00 ms |",
		"| b | pass | **FAIL** |",
		"| **failed** | 0 | 1 |",
		"- gws, b: echoed",
		"| CPU per echo, ws32, ≤ 0.9x the best peer (gws) | 5.00 µs, 0.50x | met |",
		"| ≤ 1.2 KiB per idle WebSocket | 2.00 KiB | missed |",
		"| broadcast faster than every peer (best gorilla, 2.00 ms) | 1.00 ms | met |",
		"| passes every conformance case | 0 of 2 failed | met |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q:\n%s", want, md)
		}
	}
}

// TestOptionsServerSets: the default servers are those that serve a chosen scenario; -quick
// narrows the HTTP ones to eddy, fasthttp and rawgnet and keeps every WebSocket server.
func TestOptionsServerSets(t *testing.T) {
	cases := []struct {
		scenarios []string
		quick     bool
		want      string
	}{
		{[]string{"plaintext", "idle"}, false, "eddy,fasthttp,nethttp,rawgnet"},
		{wsScenarioNames, false, "eddy,gorilla,coder,gobwas,gws,nbio"},
		{[]string{"json", "wsidle"}, false, strings.Join(allServers, ",")},
		{scenarioNames(), true, "eddy,fasthttp,rawgnet"},
		{wsScenarioNames, true, "eddy,gorilla,coder,gobwas,gws,nbio"},
		{[]string{"echo", "ws32"}, true, "eddy,fasthttp,rawgnet,gorilla,coder,gobwas,gws,nbio"},
	}
	for _, c := range cases {
		o := &options{scenarios: c.scenarios, quick: c.quick}
		if got := strings.Join(o.defaultServers(), ","); got != c.want {
			t.Errorf("%v (quick %v): servers %s, want %s", c.scenarios, c.quick, got, c.want)
		}
	}
}

// TestReportIntroOnlyForHTTP: a WebSocket-only report leaves out the paragraph on how the
// HTTP modes ran; one with an HTTP run has it, and its section titled by mode and scenario.
func TestReportIntroOnlyForHTTP(t *testing.T) {
	o := &options{serverCPU: "0", loadCPU: "1", duration: 2 * time.Second, runs: 1, conns: []int{16},
		modes: []string{"1"}, scenarios: []string{"plaintext", "ws32"}, servers: []string{"eddy"},
		ws: wsOptions{conns: 1000, rate: 20, idle: 100, bcast: 100}}
	r := newReport(o, time.Now())
	r.wsServers = []*server{{name: "eddy"}}
	r.addWSRun("ws32", "eddy", wsMeasured{echoes: 100, seconds: 1, cpuPerEcho: 5e-6})
	if md := r.markdown(); strings.Contains(md, "Mode 1:") || !strings.Contains(md, "(`ws32`)") {
		t.Errorf("WebSocket-only report: want no HTTP intro and the ws32 table:\n%s", md)
	}
	m, _ := modeByName(o, "1")
	sc, _ := scenarioByName("plaintext")
	r.addRun(cell{mode: m, sc: sc, conns: 16}, &server{name: "eddy"}, measured{rps: 1000, requests: 2000, cpuPerReq: 5e-6})
	md := r.markdown()
	for _, want := range []string{"Mode 1:", "## GOMAXPROCS=1, one loop: Keep-alive plaintext", "(`ws32`)"} {
		if !strings.Contains(md, want) {
			t.Errorf("report with an HTTP run lacks %q:\n%s", want, md)
		}
	}
}
