package wsclient

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"strings"
	"time"

	"github.com/eddy-go/eddy/bench/peers/contract"
)

// DeflateOffer is the permessage-deflate offer the contract check and the load client make.
const DeflateOffer = "permessage-deflate; client_max_window_bits"

// Echoer sends messages and reads their echoes, compressing and inflating when
// permessage-deflate was negotiated.
type Echoer struct {
	C       *Conn
	Deflate bool // negotiated
	inf     Inflater
}

// NewEchoer wraps c, with compression on when the server accepted permessage-deflate.
func NewEchoer(c *Conn) *Echoer {
	return &Echoer{C: c, Deflate: HasDeflate(c.Extensions)}
}

// HasDeflate reports whether a Sec-WebSocket-Extensions answer accepts permessage-deflate.
func HasDeflate(answer string) bool {
	for ext := range strings.SplitSeq(answer, ",") {
		name, _, _ := strings.Cut(ext, ";")
		if strings.TrimSpace(name) == "permessage-deflate" {
			return true
		}
	}
	return false
}

// Send writes one message, compressed when negotiated.
func (e *Echoer) Send(op byte, p []byte) error {
	if e.Deflate {
		return e.C.WriteFrame(true, RSV1, op, Compress(p))
	}
	return e.C.WriteFrame(true, 0, op, p)
}

// Receive reads one message, inflated when compressed. The payload is valid until the next
// read; copy it to keep it.
func (e *Echoer) Receive() (byte, []byte, error) {
	op, rsv, p, err := e.C.ReadMessage()
	if err != nil {
		return 0, nil, err
	}
	if rsv&RSV1 != 0 {
		if !e.Deflate {
			return 0, nil, fmt.Errorf("wsclient: compressed message without permessage-deflate")
		}
		p, err = e.inf.Inflate(p, MaxPayload)
	}
	return op, p, err
}

// Broadcast says how a server broadcasts: the contract's way (Path "/ws", Prefix
// "broadcast:": a message with the prefix sends the rest to every client), or a room (Prefix
// "": every message on Path goes to every client there).
type Broadcast struct {
	Path, Prefix string
}

// ContractBroadcast is the contract's broadcast (package contract).
var ContractBroadcast = Broadcast{Path: contract.WSPath, Prefix: contract.BroadcastPrefix}

// Check verifies that the server at addr keeps the WebSocket contract (package contract): the
// handshake, a text and a binary echo, a 1 MiB echo, an empty echo, and a broadcast (as bc
// says) reaching two clients. With deflate it offers permessage-deflate and wants it accepted.
// It returns one line per violation, none when the server keeps the contract.
func Check(addr string, deflate bool, bc Broadcast) []string {
	var bad []string
	o := Options{Path: contract.WSPath, Timeout: 10 * time.Second}
	if deflate {
		o.Extensions = DeflateOffer
	}
	c, err := Dial(addr, o)
	if err != nil {
		return []string{fmt.Sprintf("GET %s upgrade: %v", contract.WSPath, err)}
	}
	defer c.Close()
	c.NetConn().SetDeadline(time.Now().Add(30 * time.Second))
	e := NewEchoer(c)
	if deflate && !e.Deflate {
		bad = append(bad, fmt.Sprintf("permessage-deflate offered, not accepted (answer %q)", c.Extensions))
	}
	big := make([]byte, 1<<20)
	rand.Read(big)
	bin := make([]byte, 256)
	for i := range bin {
		bin[i] = byte(i)
	}
	for _, m := range []struct {
		name string
		op   byte
		p    []byte
	}{
		{"text echo", OpText, []byte("Hello, WebSocket! ¡Olé!")},
		{"binary echo", OpBinary, bin},
		{"1 MiB binary echo", OpBinary, big},
	} {
		if err := e.Send(m.op, m.p); err != nil {
			return append(bad, fmt.Sprintf("%s: send: %v", m.name, err))
		}
		op, p, err := e.Receive()
		switch {
		case err != nil:
			return append(bad, fmt.Sprintf("%s: %v", m.name, err))
		case op != m.op:
			bad = append(bad, fmt.Sprintf("%s: op code %d, want %d", m.name, op, m.op))
		case !bytes.Equal(p, m.p):
			bad = append(bad, fmt.Sprintf("%s: %d bytes differ from the %d sent", m.name, len(p), len(m.p)))
		}
	}
	// A server that drops empty messages leaves the connection waiting: a short deadline, and
	// this connection is not read again.
	c.NetConn().SetDeadline(time.Now().Add(2 * time.Second))
	if err := e.Send(OpText, nil); err != nil {
		bad = append(bad, fmt.Sprintf("empty text echo: %v", err))
	} else if op, p, err := e.Receive(); err != nil || op != OpText || len(p) != 0 {
		bad = append(bad, fmt.Sprintf("empty text echo: got op %d, %d bytes, %v", op, len(p), err))
	}
	return append(bad, checkBroadcast(addr, o, bc)...)
}

// checkBroadcast opens two clients on bc.Path and wants a broadcast from the first to reach
// both.
func checkBroadcast(addr string, o Options, bc Broadcast) []string {
	o.Path = bc.Path
	var es []*Echoer
	for range 2 {
		c, err := Dial(addr, o)
		if err != nil {
			return []string{fmt.Sprintf("broadcast: GET %s upgrade: %v", bc.Path, err)}
		}
		defer c.Close()
		c.NetConn().SetDeadline(time.Now().Add(10 * time.Second))
		es = append(es, NewEchoer(c))
	}
	// Both clients must be registered before the broadcast. One message from the second proves
	// it: its echo (the contract's way) or its copy to both (a room).
	if err := es[1].Send(OpText, []byte("x")); err != nil {
		return []string{fmt.Sprintf("broadcast: %v", err)}
	}
	proof := es[1:]
	if bc.Prefix == "" {
		proof = es
	}
	for _, ec := range proof {
		if _, _, err := ec.Receive(); err != nil {
			return []string{fmt.Sprintf("broadcast: before it: %v", err)}
		}
	}
	if err := es[0].Send(OpText, []byte(bc.Prefix+"to everyone")); err != nil {
		return []string{fmt.Sprintf("broadcast: %v", err)}
	}
	var bad []string
	for i, ec := range es {
		op, p, err := ec.Receive()
		switch {
		case err != nil:
			bad = append(bad, fmt.Sprintf("broadcast to client %d: %v", i+1, err))
		case op != OpText || string(p) != "to everyone":
			bad = append(bad, fmt.Sprintf("broadcast to client %d: got op %d %.40q, want text %q", i+1, op, p, "to everyone"))
		}
	}
	return bad
}
