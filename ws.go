package eddy

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/eddy-go/eddy/ws"
)

// WebSocket adds a GET route at pattern that upgrades the connection to a
// WebSocket (RFC 6455) served by h (aiohttp's WebSocketResponse); see
// Group.WebSocket.
func (a *App) WebSocket(pattern string, h WSHandler, opts ...RouteOption) *Route {
	return a.root.WebSocket(pattern, h, opts...)
}

// WebSocket adds a GET route at pattern that upgrades to a WebSocket served
// by h: a WSCallbacks (callbacks on the loop, the fastest) or a WSFunc (a
// goroutine of its own, for code that blocks). Configure it with a
// WSConfig among opts (the defaults otherwise); Name and With apply as to
// any route. The route's middleware runs before the upgrade, so it may
// refuse it (authentication) with an ordinary answer.
//
// The handshake is validated from the already-parsed request: a request
// that is not a WebSocket upgrade gets 426 (with "Upgrade: websocket"), a
// version other than 13 gets 426 with "Sec-WebSocket-Version: 13", a bad
// key 400, an origin WSConfig.CheckOrigin refuses 403. An accepted one is
// answered 101, the connection's last HTTP response; bytes the client sent
// with or right after the handshake are parsed as frames. The route always
// runs on the loop (the upgrade is a loop operation), whatever the
// placement settings say.
func (g *Group) WebSocket(pattern string, h WSHandler, opts ...RouteOption) *Route {
	if h == nil {
		panic("eddy: nil WebSocket handler for " + pattern)
	}
	wr := &wsRoute{cfg: WSConfig{}}
	switch h := h.(type) {
	case WSCallbacks:
		wr.cb = h
	case *WSCallbacks:
		if h == nil {
			panic("eddy: nil WebSocket handler for " + pattern)
		}
		wr.cb = *h
	case WSFunc:
		if h == nil {
			panic("eddy: nil WebSocket handler for " + pattern)
		}
		wr.fn = h
	}
	var rest []RouteOption
	for _, o := range opts {
		switch o := o.(type) {
		case WSConfig:
			wr.cfg = o
		case *WSConfig:
			if o != nil {
				wr.cfg = *o
			}
		default:
			rest = append(rest, o)
		}
	}
	wr.cfg = wr.cfg.withDefaults()
	wr.opts = ws.ServerOptions{Protocols: wr.cfg.Protocols, CheckOrigin: wr.cfg.CheckOrigin, Deflate: wr.cfg.Deflate}
	rest = append(rest, OnLoop)
	return g.Handle("GET", pattern, wr.upgrade, rest...)
}

// WSHandler serves the WebSockets of a route: WSCallbacks or WSFunc.
type WSHandler interface{ wsHandler() }

// WSCallbacks serves a WebSocket with callbacks that run on the
// connection's event loop, the fastest style: they must not block (no
// disk, DNS, sleep, database calls or heavy CPU). Every field may be nil.
//
// OnOpen runs once the 101 is sent, before any message. OnMessage runs for
// each message: text and binary, and also ping and pong when
// WSConfig.NoAutoPing is set, and the peer's close when WSConfig.NoAutoClose
// is set. m.Data is loop memory, valid until OnMessage returns; copy it to
// keep it; once sent back with Send it must not be modified (it may be
// written from there). OnClose runs once, last, when the connection is gone, with the
// close code (the peer's, ours if the peer never answered, 1006 when the
// connection was lost without a close frame) and the reason.
//
// A panic in a callback is logged with its stack and the WebSocket is
// closed with 1011.
type WSCallbacks struct {
	OnOpen    func(ws *WebSocket)
	OnMessage func(ws *WebSocket, m WSMessage)
	OnClose   func(ws *WebSocket, code int, reason string)
}

func (WSCallbacks) wsHandler() {}

// WSFunc serves a WebSocket from a goroutine of its own (started once the
// 101 is sent), for code that blocks: it receives with ws.Receive or
// ws.Messages and sends with the Send methods. When it returns, the
// WebSocket is closed: with 1000 for a nil error, 1011 for an error (which
// is logged) or a panic (logged with its stack). Messages wait for it in a
// bounded queue: while the queue is full the connection is not read
// (control frames too), and the heartbeat waits: the peer's pongs are
// behind the unread messages, so a healthy peer is not dropped for a
// handler that is busy; it starts again once the handler receives.
//
// It runs on its own goroutine, not in the worker pool: a WebSocket lives
// as long as its client, and would otherwise hold a pool worker as long.
type WSFunc func(ws *WebSocket) error

func (WSFunc) wsHandler() {}

// WSConfig configures a WebSocket route; pass it among the route's options
// (app.WebSocket("/ws", h, eddy.WSConfig{...})). A zero field means the
// default written beside it.
type WSConfig struct {
	// Protocols are the subprotocols served, in order of preference: the
	// first one the client also offers is chosen (ws.Protocol). None: no
	// Sec-WebSocket-Protocol is answered.
	Protocols []string
	// CheckOrigin decides whether a handshake carrying an Origin field is
	// accepted (origin is its value, host the request's Host; both valid
	// during the call only); false answers 403. nil accepts a handshake
	// without Origin and one whose Origin names the Host (same origin, the
	// browser's defence against cross-site WebSocket hijacking);
	// ws.AnyOrigin accepts every origin. It runs on the loop.
	CheckOrigin func(origin, host []byte) bool
	// Deflate offers permessage-deflate (RFC 7692) with these options;
	// nil leaves it off.
	Deflate *ws.DeflateOptions

	// MaxMessage is the largest message accepted (after decompression);
	// a larger one closes the connection with 1009. Default 4 MiB.
	MaxMessage int
	// MaxOutbound bounds the bytes sent and not yet taken by the client:
	// a Send that would pass it while earlier output is still queued cuts
	// the slow consumer off (close 1008) instead of growing memory; one
	// message is always accepted when nothing is queued. Sends never block
	// (they may come from the loop), so a goroutine that produces faster
	// than the connection drains is cut off the same way: pace a bulk
	// producer, or raise the limit. Default 1 MiB.
	MaxOutbound int
	// MaxQueue bounds the messages a WSFunc has not received yet; past it
	// the connection is not read until it catches up. Default 64.
	MaxQueue int

	// Heartbeat is the ping interval: a ping is sent after Heartbeat
	// without input, and a peer that sends nothing (no pong, no message)
	// within PongTimeout after it is dropped (close code 1006). It runs on
	// the loop's timer, whether or not the application reads, except
	// while a WSFunc's queue is full (MaxQueue): the connection is not
	// read then, the peer's pongs cannot be seen, and the heartbeat waits
	// until the WSFunc receives again. 0: off.
	Heartbeat time.Duration
	// PongTimeout is how long a ping waits for an answer. Default
	// Heartbeat/2.
	PongTimeout time.Duration
	// CloseTimeout bounds the closing handshake: after sending a close
	// frame, the connection is dropped if the peer's does not come in
	// time. It bounds the flush of what is queued when the connection
	// closes, too: a consumer cut off by MaxOutbound (close 1008) that has
	// not taken its queued output and close frame within CloseTimeout is
	// aborted. Default 5 s.
	CloseTimeout time.Duration
	// ReceiveTimeout makes Receive fail with ErrWSReceiveTimeout after this
	// long without a message. 0: no timeout (a Receive context still
	// applies).
	ReceiveTimeout time.Duration

	// NoAutoClose delivers the peer's close to the application (a WSClose
	// message to OnMessage; for a WSFunc, Receive's *WSCloseError) instead
	// of answering it at once; the application answers with Close
	// (CloseTimeout still bounds the wait).
	NoAutoClose bool
	// NoAutoPing delivers pings and pongs to the application as messages;
	// pings are then not answered automatically (use Pong).
	NoAutoPing bool
}

func (WSConfig) applyRoute(*Route) {}

const (
	defaultWSMaxMessage   = 4 << 20
	defaultWSMaxOutbound  = 1 << 20
	defaultWSMaxQueue     = 64
	defaultWSCloseTimeout = 5 * time.Second
)

func (c WSConfig) withDefaults() WSConfig {
	if c.MaxMessage <= 0 {
		c.MaxMessage = defaultWSMaxMessage
	}
	if c.MaxOutbound <= 0 {
		c.MaxOutbound = defaultWSMaxOutbound
	}
	if c.MaxQueue <= 0 {
		c.MaxQueue = defaultWSMaxQueue
	}
	if c.Heartbeat > 0 && c.PongTimeout <= 0 {
		c.PongTimeout = c.Heartbeat / 2
	}
	if c.CloseTimeout <= 0 {
		c.CloseTimeout = defaultWSCloseTimeout
	}
	return c
}

// WSMessageType is the kind of a WebSocket message; the values are the
// frame op codes of RFC 6455.
type WSMessageType uint8

// Message types.
const (
	WSText   WSMessageType = 1
	WSBinary WSMessageType = 2
	WSClose  WSMessageType = 8 // only with WSConfig.NoAutoClose
	WSPing   WSMessageType = 9 // only with WSConfig.NoAutoPing
	WSPong   WSMessageType = 10
)

// String returns "text", "binary", "close", "ping" or "pong".
func (t WSMessageType) String() string {
	switch t {
	case WSText:
		return "text"
	case WSBinary:
		return "binary"
	case WSClose:
		return "close"
	case WSPing:
		return "ping"
	case WSPong:
		return "pong"
	}
	return "WSMessageType(?)"
}

// WSMessage is one received message. In WSCallbacks.OnMessage, Data is
// loop memory, valid until OnMessage returns; copy it to keep it. From
// Receive and Messages, Data is owned by the caller. A WSClose message's
// Data is the close frame's payload (code and reason; see WSCloseError).
type WSMessage struct {
	Type WSMessageType
	Data []byte
}

// Text returns Data as a string (a copy).
func (m WSMessage) Text() string { return string(m.Data) }

// JSON decodes Data into v.
func (m WSMessage) JSON(v any) error {
	if err := json.Unmarshal(m.Data, v); err != nil {
		return fmt.Errorf("eddy: WebSocket JSON message: %w", err)
	}
	return nil
}

// Errors of a WebSocket.
var (
	// ErrWSClosed is returned by the send methods once the WebSocket is
	// closing or closed, and wrapped by Receive's error after the close.
	ErrWSClosed = errors.New("eddy: WebSocket closed")
	// ErrWSSlowConsumer is returned by the send method that found the
	// client too far behind (WSConfig.MaxOutbound): the WebSocket is being
	// closed with 1008.
	ErrWSSlowConsumer = errors.New("eddy: WebSocket client too slow: closing it (1008)")
	// ErrWSReceiveTimeout is returned by Receive after
	// WSConfig.ReceiveTimeout without a message; the WebSocket stays open.
	ErrWSReceiveTimeout = errors.New("eddy: WebSocket receive timeout")
	// ErrWSControlTooLong is returned by Ping, Pong and Close for a
	// payload (a close reason) that does not fit a control frame (125
	// bytes; 123 for a close reason).
	ErrWSControlTooLong = errors.New("eddy: WebSocket control payload longer than 125 bytes")
	// ErrWSCloseCode is returned by Close for a code that may not be
	// sent in a close frame.
	ErrWSCloseCode = errors.New("eddy: invalid WebSocket close code")
)

// WSCloseError is Receive's error once the peer closed (or the WebSocket
// was closed locally, or lost: Code 1006): it wraps ErrWSClosed.
type WSCloseError struct {
	Code   int
	Reason string
}

// Error returns "eddy: WebSocket closed (<code>): <reason>".
func (e *WSCloseError) Error() string {
	s := "eddy: WebSocket closed (" + strconv.Itoa(e.Code) + ")"
	if e.Reason != "" {
		s += ": " + e.Reason
	}
	return s
}

// Unwrap returns ErrWSClosed.
func (e *WSCloseError) Unwrap() error { return ErrWSClosed }
