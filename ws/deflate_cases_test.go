package ws

import (
	"math/rand/v2"
	"strings"
)

// deflateCase is one row of the permessage-deflate table (Autobahn 12 and
// 13: every negotiation option, messages of several sizes and kinds), which
// feeds the round-trip tests in both directions, the split-feeding test,
// the fuzz seeds and the benchmarks.
type deflateCase struct {
	name   string
	params DeflateParams
	msgs   []string
}

// deflateMessages are sent in every case: repeated text (so context
// takeover matters), empty, incompressible bytes, and sizes around the
// windows.
var deflateMessages = func() []string {
	r := rand.New(rand.NewPCG(1, 2)) // fixed seed: the table is the same every run
	random := make([]byte, 70000)
	for i := range random {
		random[i] = byte(r.Uint32())
	}
	chat := `{"type":"message","room":"general","text":"Hello, world!"}`
	return []string{
		chat,
		chat,
		"",
		strings.Repeat("a", 1),
		strings.Repeat("Hello, "+kosme+"! ", 30),
		string(random[:300]),
		strings.Repeat(chat, 200),  // 12 KiB
		strings.Repeat(chat, 1200), // 69 KiB, past every window
		string(random),
		chat,
	}
}()

var deflateCases = func() []deflateCase {
	var cs []deflateCase
	for _, p := range []struct {
		name string
		p    DeflateParams
	}{
		{"13.1 defaults", DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}},
		{"13.2 no context takeover", DeflateParams{ServerNoContextTakeover: true, ClientNoContextTakeover: true, ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}},
		{"13.3 window 8", DeflateParams{ServerMaxWindowBits: 8, ClientMaxWindowBits: 8}},
		{"13.3 window 9", DeflateParams{ServerMaxWindowBits: 9, ClientMaxWindowBits: 9}},
		{"13.4 window 15", DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}},
		{"13.5 no takeover window 9", DeflateParams{true, true, 9, 9}},
		{"13.6 no takeover window 15", DeflateParams{true, true, 15, 15}},
		{"13.7 server no takeover only", DeflateParams{ServerNoContextTakeover: true, ServerMaxWindowBits: 12, ClientMaxWindowBits: 15}},
		{"13.7 client no takeover only", DeflateParams{ClientNoContextTakeover: true, ServerMaxWindowBits: 15, ClientMaxWindowBits: 10}},
	} {
		cs = append(cs, deflateCase{name: p.name, params: p.p, msgs: deflateMessages})
	}
	return cs
}()
