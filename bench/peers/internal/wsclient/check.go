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

// Check verifies that the server at addr keeps the WebSocket contract (package contract): the
// handshake, a text and a binary echo, a 1 MiB echo, and a broadcast reaching two clients.
// With deflate it offers permessage-deflate and wants it accepted. It returns one line per
// violation, none when the server keeps the contract.
func Check(addr string, deflate bool) []string {
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

	c2, err := Dial(addr, o)
	if err != nil {
		return append(bad, fmt.Sprintf("second connection: %v", err))
	}
	defer c2.Close()
	c2.NetConn().SetDeadline(time.Now().Add(10 * time.Second))
	e2 := NewEchoer(c2)
	// The second client must be registered before the broadcast: one echo round trip proves it.
	if err := e2.Send(OpText, []byte("x")); err != nil {
		return append(bad, fmt.Sprintf("broadcast: %v", err))
	}
	if _, _, err := e2.Receive(); err != nil {
		return append(bad, fmt.Sprintf("broadcast: %v", err))
	}
	if err := e.Send(OpText, []byte(contract.BroadcastPrefix+"to everyone")); err != nil {
		return append(bad, fmt.Sprintf("broadcast: %v", err))
	}
	for i, ec := range []*Echoer{e, e2} {
		op, p, err := ec.Receive()
		switch {
		case err != nil:
			bad = append(bad, fmt.Sprintf("broadcast to client %d: %v", i+1, err))
		case op != OpText || string(p) != "to everyone":
			bad = append(bad, fmt.Sprintf("broadcast to client %d: got op %d %.40q, want text %q", i+1, op, p, "to everyone"))
		}
	}

	// Last, as a server that drops empty messages leaves the connection waiting.
	c2.NetConn().SetDeadline(time.Now().Add(2 * time.Second))
	if err := e2.Send(OpText, nil); err != nil {
		return append(bad, fmt.Sprintf("empty text echo: %v", err))
	}
	if op, p, err := e2.Receive(); err != nil || op != OpText || len(p) != 0 {
		bad = append(bad, fmt.Sprintf("empty text echo: got op %d, %d bytes, %v", op, len(p), err))
	}
	return bad
}
