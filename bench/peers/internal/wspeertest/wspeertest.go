// Package wspeertest checks a WebSocket peer server of the benchmark from its tests: the
// contract (with and without permessage-deflate) and a conformance probe whose sanity cases
// every server must pass.
package wspeertest

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/eddy-go/eddy/bench/peers/internal/wsclient"
)

// mustPass are probe cases every WebSocket server passes; a failure means the server (or the
// probe) is broken, not that the library has a known conformance gap.
var mustPass = map[string]bool{
	"ping between fragments":       true,
	"close with code 1000 echoed":  true,
	"continuation without a start": true,
	"pmd: compressed echo":         true,
}

// Check runs the contract check against start(false), and against start(true) when the server
// supports permessage-deflate; start serves on 127.0.0.1:0 and returns the address. Every
// violation fails the test except those starting with one of known (the library's own
// defects, which the harness reports). It then probes start(deflate) and wants every case
// answered and the sanity cases passed.
func Check(t *testing.T, deflate bool, start func(deflate bool) string, known ...string) {
	t.Helper()
	modes := []bool{false}
	if deflate {
		modes = append(modes, true)
	}
	for _, d := range modes {
		addr := start(d)
		for _, bad := range wsclient.Check(addr, d, wsclient.ContractBroadcast) {
			if slices.ContainsFunc(known, func(k string) bool { return strings.HasPrefix(bad, k) }) {
				t.Logf("deflate=%v: known: %s", d, bad)
				continue
			}
			t.Errorf("deflate=%v: %s", d, bad)
		}
	}
	res := wsclient.Probe(start(deflate), 300*time.Millisecond)
	if len(res) != len(wsclient.ProbeCases()) {
		t.Fatalf("probe gave %d results for %d cases", len(res), len(wsclient.ProbeCases()))
	}
	for _, r := range res {
		if mustPass[r.Case] && !r.Pass {
			t.Errorf("probe %q: %s", r.Case, r.Got)
		}
		t.Logf("probe %-45s pass=%-5v %s", r.Case, r.Pass, r.Got)
	}
}
