package wsclient

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/eddy-go/eddy/bench/peers/contract"
)

// ProbeResult is the outcome of one conformance case against one server.
type ProbeResult struct {
	Case string
	Pass bool
	Got  string // what the server did, in a few words
}

// probeCase is one Autobahn-style case: offer is the extension offer ("" for none); run gets
// the open connection, or the handshake's error when the server refused it.
type probeCase struct {
	name    string
	offer   string
	deflate bool // needs a server that accepts permessage-deflate
	run     func(c *Conn, dialErr error) (bool, string)
}

// DefaultProbeWait is how long a case waits for the server's reaction to what it sent.
const DefaultProbeWait = 2 * time.Second

// ProbeCases lists the conformance cases' names in order.
func ProbeCases() []string {
	names := make([]string, len(probeCases))
	for i, pc := range probeCases {
		names[i] = pc.name
	}
	return names
}

// Probe runs every conformance case against the WebSocket server at addr, each on a fresh
// connection, waiting up to wait (DefaultProbeWait when 0) for each reaction. Cases that need permessage-deflate are reported as passing with "n/a" when the
// server does not accept a plain permessage-deflate offer (started without -deflate, or a
// library without it).
func Probe(addr string, wait time.Duration) []ProbeResult {
	if wait <= 0 {
		wait = DefaultProbeWait
	}
	deflate := false
	if c, err := Dial(addr, Options{Path: contract.WSPath, Extensions: "permessage-deflate"}); err == nil {
		deflate = HasDeflate(c.Extensions)
		c.Close()
	}
	var out []ProbeResult
	for _, pc := range probeCases {
		if pc.deflate && !deflate {
			out = append(out, ProbeResult{Case: pc.name, Pass: true, Got: "n/a (no permessage-deflate)"})
			continue
		}
		c, err := Dial(addr, Options{Path: contract.WSPath, Extensions: pc.offer, Timeout: 5 * time.Second})
		if err == nil {
			c.NetConn().SetDeadline(time.Now().Add(10 * time.Second))
		}
		if c != nil {
			c.wait = wait
		}
		pass, got := pc.run(c, err)
		if c != nil {
			c.Close()
		}
		out = append(out, ProbeResult{Case: pc.name, Pass: pass, Got: got})
	}
	return out
}

// expectClose waits for the server to fail the connection with one of codes (any code when
// none are given): a close frame with such a code passes, and so does dropping the TCP
// connection without one (Autobahn's non-strict outcome, reported as "dropped"). An echoed
// message, another code or silence fail.
func expectClose(c *Conn, codes ...int) (bool, string) {
	c.NetConn().SetReadDeadline(time.Now().Add(c.wait))
	seen := ""
	for {
		f, err := c.ReadFrame()
		var ne net.Error
		switch {
		case errors.As(err, &ne) && ne.Timeout():
			return false, "no close in " + c.wait.String() + seen
		case err != nil:
			return true, "dropped without close frame"
		case f.Op == OpPong:
			seen = " (answered with a pong)"
		case f.Op == OpClose:
			ce := parseClose(f.Payload)
			if len(codes) == 0 || slices.Contains(codes, ce.Code) {
				return true, "close " + strconv.Itoa(ce.Code)
			}
			return false, fmt.Sprintf("close %d, want %s", ce.Code, joinInts(codes))
		case f.Op == OpText || f.Op == OpBinary || f.Op == OpContinuation:
			return false, "accepted it (echoed)"
		}
	}
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, " or ")
}

// sendThenClose sends frames (already built) and expects the connection failed with codes.
func sendThenClose(frames func(key [4]byte) []byte, codes ...int) func(*Conn, error) (bool, string) {
	return func(c *Conn, err error) (bool, string) {
		if err != nil {
			return false, "handshake: " + err.Error()
		}
		if err := c.WriteRaw(frames([4]byte{1, 2, 3, 4})); err != nil {
			return true, "dropped while sending"
		}
		return expectClose(c, codes...)
	}
}

func frame(fin bool, rsv, op byte, p []byte) func([4]byte) []byte {
	return func(k [4]byte) []byte { return AppendFrame(nil, fin, rsv, op, k, p) }
}

func frames(fs ...func([4]byte) []byte) func([4]byte) []byte {
	return func(k [4]byte) []byte {
		var out []byte
		for _, f := range fs {
			out = append(out, f(k)...)
		}
		return out
	}
}

// extParams returns the parameters of the permessage-deflate element of an answer, and
// whether there was one.
func extParams(answer string) (map[string]string, bool) {
	for ext := range strings.SplitSeq(answer, ",") {
		parts := strings.Split(ext, ";")
		if strings.TrimSpace(parts[0]) != "permessage-deflate" {
			continue
		}
		m := map[string]string{}
		for _, p := range parts[1:] {
			k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
			m[strings.TrimSpace(k)] = strings.Trim(strings.TrimSpace(v), `"`)
		}
		return m, true
	}
	return nil, false
}

// echoCompressed sends two equal compressed messages and checks both echoes. With fresh, each
// echo is inflated without the earlier messages' window (the server promised no context
// takeover).
func echoCompressed(c *Conn, fresh bool) (bool, string) {
	msg := bytes.Repeat([]byte("permessage-deflate probe "), 40)
	var inf Inflater
	for i := range 2 {
		if err := c.WriteFrame(true, RSV1, OpText, Compress(msg)); err != nil {
			return false, "send: " + err.Error()
		}
		c.NetConn().SetReadDeadline(time.Now().Add(c.wait))
		op, rsv, p, err := c.ReadMessage()
		if err != nil {
			return false, fmt.Sprintf("echo %d: %v", i+1, err)
		}
		if rsv&RSV1 != 0 {
			if fresh {
				inf = Inflater{}
			}
			if p, err = inf.Inflate(p, MaxPayload); err != nil {
				return false, fmt.Sprintf("echo %d does not inflate: %v", i+1, err)
			}
		}
		if op != OpText || !bytes.Equal(p, msg) {
			return false, fmt.Sprintf("echo %d differs", i+1)
		}
	}
	return true, ""
}

var badUTF8 = []byte("\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80hello")

var probeCases = []probeCase{
	{name: "ping answered with pong", run: func(c *Conn, err error) (bool, string) {
		if err != nil {
			return false, "handshake: " + err.Error()
		}
		c.WriteFrame(true, 0, OpPing, []byte("probe"))
		c.NetConn().SetReadDeadline(time.Now().Add(c.wait))
		f, err := c.ReadFrame()
		if err != nil || f.Op != OpPong || string(f.Payload) != "probe" {
			return false, fmt.Sprintf("got op %d %q, %v", f.Op, f.Payload, err)
		}
		return true, "pong"
	}},
	{name: "ping between fragments", run: func(c *Conn, err error) (bool, string) {
		if err != nil {
			return false, "handshake: " + err.Error()
		}
		c.WriteRaw(frames(frame(false, 0, OpText, []byte("frag")), frame(true, 0, OpPing, []byte("p")),
			frame(true, 0, OpContinuation, []byte("mented")))([4]byte{9, 8, 7, 6}))
		c.NetConn().SetReadDeadline(time.Now().Add(c.wait))
		f, err := c.ReadFrame()
		if err != nil || f.Op != OpPong {
			return false, fmt.Sprintf("first frame op %d, %v; want a pong", f.Op, err)
		}
		op, _, p, err := c.ReadMessage()
		if err != nil || op != OpText || string(p) != "fragmented" {
			return false, fmt.Sprintf("echo op %d %q, %v", op, p, err)
		}
		return true, "pong, then the joined echo"
	}},
	{name: "bad UTF-8 in text", run: sendThenClose(frame(true, 0, OpText, badUTF8), 1007)},
	{name: "bad UTF-8 across fragments", run: sendThenClose(frames(frame(false, 0, OpText, badUTF8[:12]),
		frame(true, 0, OpContinuation, badUTF8[12:])), 1007)},
	{name: "bad UTF-8 fails fast (strict)", run: sendThenClose(
		frame(false, 0, OpText, []byte("\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xf4\x90\x80\x80")), 1007)},
	{name: "fragmented ping", run: sendThenClose(frame(false, 0, OpPing, []byte("x")), 1002)},
	{name: "ping payload of 126 bytes", run: sendThenClose(frame(true, 0, OpPing, make([]byte, 126)), 1002)},
	{name: "continuation without a start", run: sendThenClose(frame(true, 0, OpContinuation, []byte("x")), 1002)},
	{name: "text inside a fragmented message", run: sendThenClose(frames(frame(false, 0, OpText, []byte("a")),
		frame(true, 0, OpText, []byte("b"))), 1002)},
	{name: "RSV1 without an extension", run: sendThenClose(frame(true, RSV1, OpText, []byte("x")), 1002)},
	{name: "RSV2 and RSV3", run: sendThenClose(frame(true, 0x30, OpBinary, []byte("x")), 1002)},
	{name: "reserved data op code 3", run: sendThenClose(frame(true, 0, 3, nil), 1002)},
	{name: "reserved control op code 11", run: sendThenClose(frame(true, 0, 11, nil), 1002)},
	{name: "close with 1-byte payload", run: sendThenClose(frame(true, 0, OpClose, []byte{3}), 1002)},
	{name: "close with code 1000 echoed", run: sendThenClose(frame(true, 0, OpClose, ClosePayload(1000, "bye")), 1000)},
	{name: "close with code 1005 (reserved)", run: sendThenClose(frame(true, 0, OpClose, ClosePayload(1005, "")), 1002)},
	{name: "close with code 999", run: sendThenClose(frame(true, 0, OpClose, ClosePayload(999, "")), 1002)},
	{name: "close with code 1016 (unassigned)", run: sendThenClose(frame(true, 0, OpClose, ClosePayload(1016, "")), 1002)},
	{name: "close with code 1004 (reserved)", run: sendThenClose(frame(true, 0, OpClose, ClosePayload(1004, "")), 1002)},
	{name: "close reason bad UTF-8", run: sendThenClose(frame(true, 0, OpClose, ClosePayload(1000, "\xff\xfe")), 1007, 1002)},

	{name: "pmd: compressed echo", offer: "permessage-deflate", deflate: true, run: func(c *Conn, err error) (bool, string) {
		if err != nil {
			return false, "handshake: " + err.Error()
		}
		if !HasDeflate(c.Extensions) {
			return false, "declined"
		}
		if ok, got := echoCompressed(c, false); !ok {
			return false, got
		}
		return true, "two echoes"
	}},
	{name: "pmd: client_max_window_bits", offer: "permessage-deflate; client_max_window_bits", deflate: true, run: func(c *Conn, err error) (bool, string) {
		if err != nil {
			return false, "handshake: " + err.Error()
		}
		m, ok := extParams(c.Extensions)
		if !ok {
			return true, "declined"
		}
		if v, ok := m["client_max_window_bits"]; ok {
			if n, err := strconv.Atoi(v); err != nil || n < 8 || n > 15 {
				return false, fmt.Sprintf("answered client_max_window_bits=%q", v)
			}
		}
		if ok, got := echoCompressed(c, false); !ok {
			return false, got
		}
		return true, "accepted: " + c.Extensions
	}},
	{name: "pmd: server_max_window_bits=10", offer: "permessage-deflate; server_max_window_bits=10", deflate: true, run: func(c *Conn, err error) (bool, string) {
		if err != nil {
			return false, "handshake: " + err.Error()
		}
		m, ok := extParams(c.Extensions)
		if !ok {
			return true, "declined"
		}
		v, ok := m["server_max_window_bits"]
		if n, err := strconv.Atoi(v); !ok || err != nil || n < 8 || n > 10 {
			return false, fmt.Sprintf("accepted without honouring it: %q", c.Extensions)
		}
		if ok, got := echoCompressed(c, false); !ok {
			return false, got
		}
		return true, "accepted: " + c.Extensions
	}},
	{name: "pmd: no context takeover", offer: "permessage-deflate; server_no_context_takeover; client_no_context_takeover", deflate: true, run: func(c *Conn, err error) (bool, string) {
		if err != nil {
			return false, "handshake: " + err.Error()
		}
		m, ok := extParams(c.Extensions)
		if !ok {
			return true, "declined"
		}
		if _, ok := m["server_no_context_takeover"]; !ok {
			return false, fmt.Sprintf("accepted without server_no_context_takeover: %q", c.Extensions)
		}
		if ok, got := echoCompressed(c, true); !ok {
			return false, got
		}
		return true, "accepted: " + c.Extensions
	}},
	{name: "pmd: invalid server_max_window_bits=7 declined", offer: "permessage-deflate; server_max_window_bits=7", deflate: true, run: declineOffer},
	{name: "pmd: unknown parameter declined", offer: "permessage-deflate; x-unknown=1", deflate: true, run: declineOffer},
	{name: "pmd: second offer taken after an invalid one", offer: "permessage-deflate; server_max_window_bits=7, permessage-deflate", deflate: true, run: func(c *Conn, err error) (bool, string) {
		if err != nil {
			return false, "handshake: " + err.Error()
		}
		m, ok := extParams(c.Extensions)
		if !ok {
			return false, "declined both"
		}
		if v, ok := m["server_max_window_bits"]; ok && v == "7" {
			return false, fmt.Sprintf("accepted the invalid offer: %q", c.Extensions)
		}
		if ok, got := echoCompressed(c, false); !ok {
			return false, got
		}
		return true, "accepted: " + c.Extensions
	}},
	{name: "pmd: compressed ping", offer: "permessage-deflate", deflate: true, run: sendThenClose(frame(true, RSV1, OpPing, Compress([]byte("x"))), 1002)},
	{name: "pmd: corrupt compressed data", offer: "permessage-deflate", deflate: true, run: sendThenClose(frame(true, RSV1, OpText, []byte{0xff, 0xff, 0xff, 0xff}))},
}

// declineOffer passes when the server declines an invalid permessage-deflate offer or refuses
// the handshake, and fails when it accepts it.
func declineOffer(c *Conn, err error) (bool, string) {
	var se *StatusError
	if errors.As(err, &se) {
		return true, fmt.Sprintf("refused the handshake (%d)", se.Code)
	}
	if err != nil {
		return false, "handshake: " + err.Error()
	}
	if HasDeflate(c.Extensions) {
		return false, fmt.Sprintf("accepted: %q", c.Extensions)
	}
	return true, "declined"
}
