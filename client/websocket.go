package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/eddy-go/eddy/loop"
	"github.com/eddy-go/eddy/ws"
)

// WSOptions configure a WebSocket dial (aiohttp's ws_connect arguments). A
// zero field means the default written beside it.
type WSOptions struct {
	// Protocols are the subprotocols offered, in order of preference;
	// Protocol returns the one the server chose.
	Protocols []string
	// Header holds extra fields for the handshake request, added to the
	// session's default headers (Origin, Authorization ...).
	Header http.Header
	// Deflate offers permessage-deflate (RFC 7692) with these options; nil
	// offers nothing. What the server accepts is used for both directions.
	Deflate *ws.DeflateOptions

	// MaxMessage is the largest message accepted (after decompression); a
	// larger one closes the WebSocket with 1009. Default 4 MiB.
	MaxMessage int
	// MaxOutbound bounds the bytes sent and not yet taken by the network: a
	// send that would pass it while earlier output is still queued fails
	// with ErrWSSlowNetwork and closes the WebSocket (1008) instead of
	// growing memory; one message is always accepted when nothing is
	// queued. Sends never block, so a goroutine that produces faster than
	// the network drains is cut off the same way: pace a bulk producer, or
	// raise the limit. Default 1 MiB.
	MaxOutbound int
	// MaxQueue bounds the received messages not yet taken by Receive; past
	// it the connection is not read until the application catches up (the
	// heartbeat goes on). Default 64.
	MaxQueue int

	// Heartbeat is the ping interval: a ping is sent after Heartbeat
	// without input, and a server that sends nothing (no pong, no message)
	// within PongTimeout after it is dropped (close code 1006, the error
	// ErrWSPongTimeout). It runs on the loop's timer, whether or not the
	// application reads. 0: off.
	Heartbeat time.Duration
	// PongTimeout is how long a ping waits for an answer. Default
	// Heartbeat/2.
	PongTimeout time.Duration
	// CloseTimeout bounds the closing handshake: after our close frame, the
	// connection is dropped if the server's does not come in time. Default
	// 5 s.
	CloseTimeout time.Duration
	// WriteTimeout bounds, on a wss:// WebSocket, each write of our output
	// to the TLS connection (at most 32 KiB): a server that takes none of
	// it for this long ends the WebSocket (code 1006, the error
	// ErrWSWriteStall unless it was closing already) and frees the two
	// goroutines that copy its bytes. Default 30 s. A ws:// WebSocket's
	// output is bounded by its loop server's write timeout instead
	// (loop.Config.WriteTimeout, also 30 s by default).
	WriteTimeout time.Duration

	// NoAutoClose delivers the server's close to the application as a
	// message (Type ws.OpClose, Data the close payload) instead of answering
	// it at once; the application answers with Close (CloseTimeout still
	// bounds the wait).
	NoAutoClose bool
	// NoAutoPing delivers pings and pongs to the application as messages;
	// pings are then not answered automatically (use Pong).
	NoAutoPing bool
}

const (
	defaultWSMaxOutbound  = 1 << 20
	defaultWSMaxQueue     = 64
	defaultWSCloseTimeout = 5 * time.Second
	defaultWSWriteTimeout = 30 * time.Second
)

func (o WSOptions) withDefaults() WSOptions {
	if o.MaxMessage <= 0 {
		o.MaxMessage = ws.DefaultMaxMessage
	}
	if o.MaxOutbound <= 0 {
		o.MaxOutbound = defaultWSMaxOutbound
	}
	if o.MaxQueue <= 0 {
		o.MaxQueue = defaultWSMaxQueue
	}
	if o.Heartbeat > 0 && o.PongTimeout <= 0 {
		o.PongTimeout = o.Heartbeat / 2
	}
	if o.CloseTimeout <= 0 {
		o.CloseTimeout = defaultWSCloseTimeout
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = defaultWSWriteTimeout
	}
	return o
}

// WSMessage is one received message; Data is owned by the caller. Type is
// ws.OpText or ws.OpBinary, and also ws.OpPing and ws.OpPong with
// WSOptions.NoAutoPing, ws.OpClose (Data: the close payload) with
// WSOptions.NoAutoClose.
type WSMessage struct {
	Type ws.Op
	Data []byte
}

// Text returns Data as a string (a copy).
func (m WSMessage) Text() string { return string(m.Data) }

// JSON decodes Data into v.
func (m WSMessage) JSON(v any) error {
	if err := json.Unmarshal(m.Data, v); err != nil {
		return fmt.Errorf("client: websocket JSON message: %w", err)
	}
	return nil
}

// WebSocket errors.
var (
	// ErrWSClosed is returned by the send methods once the WebSocket is
	// closing or closed, and wrapped by Receive's *WSCloseError.
	ErrWSClosed = errors.New("client: websocket closed")
	// ErrWSSlowNetwork is returned by the send that found more than
	// WSOptions.MaxOutbound queued: the network does not take our output
	// fast enough, and the WebSocket is being closed with 1008.
	ErrWSSlowNetwork = errors.New("client: websocket output not taken by the network fast enough (MaxOutbound): closing it (1008)")
	// ErrWSPongTimeout ends a WebSocket whose server answered no ping within
	// WSOptions.PongTimeout.
	ErrWSPongTimeout = errors.New("client: websocket server answered no ping within the pong timeout")
	// ErrWSWriteStall ends a wss:// WebSocket whose server took none of our
	// output within WSOptions.WriteTimeout.
	ErrWSWriteStall = errors.New("client: websocket server took none of our output within the write timeout")
	// ErrWSHandshake wraps every failed opening handshake: a status other
	// than 101 (a *WSHandshakeError says which), or a 101 that ws.CheckResponse
	// rejects (wrong accept key, unrequested subprotocol or extension).
	ErrWSHandshake = errors.New("client: websocket handshake failed")
	// ErrWSScheme is a URL whose scheme is not ws, wss, http or https.
	ErrWSScheme = errors.New("client: websocket URL must be ws:// or wss://")
	// ErrWSProxy is a WebSocket the session's Proxy function routes through a
	// proxy: tunnelling (CONNECT) is not supported.
	ErrWSProxy = errors.New("client: websocket through a proxy is not supported")
	// ErrWSControlTooLong is a ping, pong or close reason longer than a
	// control frame allows (125 bytes, 123 for a reason).
	ErrWSControlTooLong = errors.New("client: websocket control payload too long")
	// ErrWSCloseCode is a close code a close frame may not carry.
	ErrWSCloseCode = errors.New("client: invalid websocket close code")
)

// WSHandshakeError is a handshake answered with a status other than 101.
// It wraps ErrWSHandshake and ws.ErrBadStatus.
type WSHandshakeError struct {
	StatusCode int
	Header     http.Header
}

// Error returns "client: websocket handshake answered <status>, not 101".
func (e *WSHandshakeError) Error() string {
	return fmt.Sprintf("client: websocket handshake answered %d, not 101", e.StatusCode)
}

// Unwrap returns ErrWSHandshake and ws.ErrBadStatus.
func (e *WSHandshakeError) Unwrap() []error { return []error{ErrWSHandshake, ws.ErrBadStatus} }

// WSCloseError is how a WebSocket ended, as Receive reports it: the close
// code (the server's; ours when the server did not answer; 1006 for a
// connection lost without a close frame) and reason, and the error that
// ended it, if any (ErrWSPongTimeout, a *ws.Error for a protocol error,
// ErrClosed for the session's Close ...). It wraps ErrWSClosed and Err.
type WSCloseError struct {
	Code   int
	Reason string
	Err    error
}

// Error returns "client: websocket closed with <code>", the reason and the
// cause, if any.
func (e *WSCloseError) Error() string {
	s := fmt.Sprintf("client: websocket closed with %d", e.Code)
	if e.Reason != "" {
		s += ": " + e.Reason
	}
	if e.Err != nil {
		s += " (" + e.Err.Error() + ")"
	}
	return s
}

// Unwrap returns ErrWSClosed and the cause.
func (e *WSCloseError) Unwrap() []error { return []error{ErrWSClosed, e.Err} }

// DialWebSocket opens a WebSocket to url (ws://host/path or wss://) with a session of
// its own (client.New with the zero Config: one loop, which the
// WebSocket's Close stops). Close the WebSocket when done, even after the
// server closed it: that releases its loop. opts may be nil. Safe for
// concurrent use.
func DialWebSocket(ctx context.Context, url string, opts *WSOptions) (*WebSocket, error) {
	s, err := New(Config{})
	if err != nil {
		return nil, err
	}
	w, err := s.WebSocket(ctx, url, opts)
	if err != nil {
		_ = s.Close(context.Background())
		return nil, err
	}
	w.own = true
	return w, nil
}

// WebSocket opens a WebSocket to url (ws:// or wss://, or http:// and
// https:// meaning the same; relative to BaseURL if not absolute) and returns it once the server's
// 101 is checked. The handshake carries the session's default headers,
// basic auth and cookies (and opts.Header); the dial is bounded by
// Timeout.Connect, the wait for the 101 by Timeout.ResponseHeader, and the
// whole handshake by ctx and Timeout.Total. The connection lives on one of
// the session's loops; the session's Close closes it (1001). Redirects are
// not followed (a 3xx is a *WSHandshakeError). wss:// uses Config.TLS, as
// https requests do; the loops have no TLS, so two goroutines carry the
// bytes between the TLS connection and a local stand-in on the loop. opts
// may be nil. Safe for concurrent use.
func (s *Session) WebSocket(ctx context.Context, rawURL string, opts *WSOptions) (*WebSocket, error) {
	if s.closed.Load() {
		return nil, ErrClosed
	}
	var o WSOptions
	if opts != nil {
		o = *opts
	}
	o = o.withDefaults()
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, badRequest("%v", err)
	}
	switch u.Scheme {
	case "ws", "http":
		u.Scheme = "http"
	case "wss", "https":
		u.Scheme = "https"
	case "":
	default:
		return nil, ErrWSScheme
	}
	req := &Request{Method: http.MethodGet, URL: u, Header: o.Header}
	r, err := s.resolve(req)
	if err != nil {
		return nil, err
	}
	u = r.URL
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, ErrWSScheme
	}
	if px := s.cfg.Proxy; px != nil {
		pu, err := px(&http.Request{URL: u, Header: http.Header{}})
		if err != nil {
			return nil, badRequest("proxy: %v", err)
		}
		if pu != nil {
			return nil, ErrWSProxy
		}
	}
	c := &call{s: s, authHost: u.Hostname()}
	var cookies []*http.Cookie
	if jar := s.cfg.Jar; jar != nil {
		cookies = jar.Cookies(u) // on the dialing goroutine, never on a loop
	}
	hdr, err := c.header(r, cookies)
	if err != nil {
		return nil, err
	}
	if c.decode {
		delete(hdr, "Accept-Encoding") // added for HTTP bodies; a WebSocket has none
	}
	for _, k := range [...]string{"Connection", "Upgrade", "Sec-Websocket-Key", "Sec-Websocket-Version",
		"Sec-Websocket-Protocol", "Sec-Websocket-Extensions"} {
		delete(hdr, k)
	}
	target := u.RequestURI()
	if err := checkTarget(target); err != nil {
		return nil, err
	}

	loops := s.srv.Loops()
	w := &WebSocket{s: s, opts: o, l: loops[int(s.rr.Add(1)-1)%len(loops)], jarURL: u}
	w.init()
	w.copts = ws.ClientOptions{Protocols: o.Protocols, Deflate: o.Deflate}
	w.key = ws.NewKey()
	h := appendHead(make([]byte, 0, 256), http.MethodGet, target, u.Host, hdr)
	h = ws.AppendRequestHeaders(h, w.key[:], &w.copts)
	w.reqHead = append(h, '\r', '\n')

	if !s.liveAdd() {
		return nil, ErrClosed
	}
	if t := s.cfg.Timeout.Total; t > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, t)
		defer cancel()
	}
	dial := w.dial
	if u.Scheme == "https" {
		dial = func(ctx context.Context, addr string) error { return w.dialTLS(ctx, addr, u.Hostname()) }
	}
	if err := dial(ctx, hostPort(u)); err != nil {
		if !w.made.Load() {
			s.liveDone() // never enrolled: no ConnectionLost will count it down
		}
		return nil, err
	}
	// Enrolled: the handshake goes on on the loop. Wait for its outcome.
	var herr error
	select {
	case herr = <-w.hsDone:
	case <-ctx.Done():
		herr = ctx.Err()
	case <-s.ctx.Done():
		herr = ErrClosed
	}
	if herr != nil {
		_ = w.hd.Post(abortConn) // nothing if the connection is gone already
		<-w.done
		return nil, herr
	}
	if jar := s.cfg.Jar; jar != nil { // here, not on the loop: a jar may block
		if cs := (&http.Response{Header: w.header}).Cookies(); len(cs) > 0 {
			jar.SetCookies(w.jarURL, cs)
		}
	}
	w.mu.Lock()
	if !w.gone { // else the connection is gone already: nothing to watch
		w.stopWatch = context.AfterFunc(s.ctx, func() {
			w.closeWith(ws.StatusGoingAway, "session closing", ErrClosed)
		})
	}
	w.mu.Unlock()
	return w, nil
}

func abortConn(c *loop.Conn) { c.Abort() }

// dial resolves and connects addr and enrolls the connection on w's loop,
// bounded by ctx, Timeout.Connect and the session's Close.
func (w *WebSocket) dial(ctx context.Context, addr string) error {
	s := w.s
	dctx, release := s.untilClose(ctx)
	defer release()
	err := s.dialConn(dctx, addr, w.l, &w.conn, &w.made, nil)
	if err != nil && ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// untilClose returns ctx, cancelled also by the session's Close (which so
// aborts a WebSocket's dial), and the function that releases it.
func (s *Session) untilClose(ctx context.Context) (context.Context, func()) {
	dctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(s.ctx, cancel)
	return dctx, func() {
		stop()
		cancel()
	}
}

// WebSocket is a client WebSocket connection (aiohttp's
// ClientWebSocketResponse). It lives on one of its session's loops: the
// loop parses the server's frames, answers pings, runs the heartbeat and
// writes what the send methods queue. Every method is safe for concurrent
// use; frames leave in the order the send calls returned.
//
// # Ownership
//
// Messages returned by Receive are the caller's. The send methods copy
// their argument before they return.
type WebSocket struct {
	s      *Session
	own    bool // made by DialWebSocket: Close closes the session too
	opts   WSOptions
	l      *loop.Loop
	jarURL *url.URL // the handshake's URL (http scheme), for cookies the 101 sets
	key    [24]byte
	copts  ws.ClientOptions

	// Set on the loop before hsDone is sent, read-only after.
	reqHead  []byte
	protocol string
	header   http.Header // the 101's fields
	hd       *loop.Handle
	deflater *ws.Deflater // nil: permessage-deflate not negotiated; used under mu

	made      atomic.Bool   // ConnectionMade ran
	hsDone    chan error    // the handshake's outcome, sent once
	done      chan struct{} // closed at ConnectionLost
	wake      chan struct{} // a message (or the close) arrived; capacity 1
	closeOnce sync.Once
	flushFn   func(*loop.Conn)

	conn wsConn // loop-owned state

	// Shared, guarded by mu.
	mu          sync.Mutex
	out         []byte // frames queued and not yet written
	flushPosted bool   // a flush is posted
	sendClosed  bool   // our close frame is queued (or the connection is gone): no more sends
	closeQueued bool   // out ends with our close frame
	cut         bool   // the network fell MaxOutbound behind: flush cuts the connection
	code        int    // the close code (0 while open); the server's wins over ours
	reason      string
	cause       error // what ended the WebSocket, beside a close frame
	peerClosed  bool  // the server's close frame arrived
	gone        bool  // ConnectionLost ran
	inbox       []WSMessage
	inboxBytes  int
	readPaused  bool
	pong        []byte      // the payload of the pong owed (only the latest ping's, RFC 6455 5.5.3)
	pongOwed    bool        // a pong is owed: flush writes it
	stopWatch   func() bool // stops watching the session's Close; nil once stopped

	queued atomic.Int64 // output queued in the loop at the last look
}

func (w *WebSocket) init() {
	w.hsDone = make(chan error, 1)
	w.done = make(chan struct{})
	w.wake = make(chan struct{}, 1)
	w.conn.w = w
	w.flushFn = w.conn.flush
}

// SendText sends s as a text message. It returns ErrWSClosed once the
// WebSocket is closing, ErrWSSlowNetwork when the network is too far
// behind (the WebSocket is then closed with 1008). Safe for concurrent use.
func (w *WebSocket) SendText(s string) error { return w.send(ws.OpText, []byte(s)) }

// SendBytes sends b as a binary message; b is copied before SendBytes
// returns. Errors as for SendText. Safe for concurrent use.
func (w *WebSocket) SendBytes(b []byte) error { return w.send(ws.OpBinary, b) }

// SendJSON sends v encoded as JSON in a text message. Errors as for
// SendText, or the encoding's. Safe for concurrent use.
func (w *WebSocket) SendJSON(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("client: websocket JSON: %w", err)
	}
	return w.send(ws.OpText, b)
}

// Ping sends a ping with payload p (at most 125 bytes). Safe for
// concurrent use.
func (w *WebSocket) Ping(p []byte) error { return w.sendControl(ws.OpPing, p) }

// Pong sends a pong with payload p (at most 125 bytes): the answer to a
// ping delivered with WSOptions.NoAutoPing. Safe for concurrent use.
func (w *WebSocket) Pong(p []byte) error { return w.sendControl(ws.OpPong, p) }

func (w *WebSocket) sendControl(op ws.Op, p []byte) error {
	if len(p) > ws.MaxControlPayload {
		return ErrWSControlTooLong
	}
	return w.send(op, p)
}

// send queues one masked frame and makes sure a flush follows.
func (w *WebSocket) send(op ws.Op, p []byte) error {
	w.mu.Lock()
	if w.sendClosed {
		w.mu.Unlock()
		return ErrWSClosed
	}
	if q := int(w.queued.Load()) + len(w.out); q > 0 && q+len(p) > w.opts.MaxOutbound {
		w.sendClosed, w.cut = true, true
		w.out = nil // dropped: the server gets a close frame instead
		if w.code == 0 {
			w.code, w.reason, w.cause = int(ws.StatusPolicyViolation), "output not taken fast enough", ErrWSSlowNetwork
		}
		w.postLocked()
		w.mu.Unlock()
		return ErrWSSlowNetwork
	}
	if w.deflater != nil && !op.IsControl() {
		w.out = w.deflater.AppendMaskedFrame(w.out, op, p, ws.NewMaskKey())
	} else {
		w.out = ws.AppendMaskedFrame(w.out, op, true, p, ws.NewMaskKey())
	}
	w.postLocked()
	w.mu.Unlock()
	return nil
}

// postLocked asks the loop to flush, unless a flush is already posted.
func (w *WebSocket) postLocked() {
	if w.flushPosted {
		return
	}
	w.flushPosted = true
	_ = w.hd.Post(w.flushFn) // a connection already gone sends nothing
}

// Receive waits for the next message and returns it. It returns ctx's
// error when ctx ends first, and a *WSCloseError (wrapping ErrWSClosed)
// once the server closed the WebSocket or the connection is gone (with
// NoAutoClose, the close message comes first). Safe for concurrent use
// (concurrent receivers each get different messages).
func (w *WebSocket) Receive(ctx context.Context) (WSMessage, error) {
	for {
		w.mu.Lock()
		if len(w.inbox) > 0 {
			m := w.inbox[0]
			w.inbox[0] = WSMessage{}
			w.inbox = w.inbox[1:]
			if len(w.inbox) == 0 {
				w.inbox = nil
			}
			w.inboxBytes -= len(m.Data)
			resume := w.readPaused && !w.inboxFullLocked()
			if resume {
				w.readPaused = false
			}
			more := len(w.inbox) > 0
			w.mu.Unlock()
			if resume {
				_ = w.hd.Post(resumeReading)
			}
			if more {
				select { // the wake-up holds one signal: pass it on to another receiver
				case w.wake <- struct{}{}:
				default:
				}
			}
			return m, nil
		}
		if w.gone || w.peerClosed {
			err := &WSCloseError{Code: w.code, Reason: w.reason, Err: w.cause}
			w.mu.Unlock()
			return WSMessage{}, err
		}
		w.mu.Unlock()
		select {
		case <-w.wake:
		case <-w.done:
		case <-ctx.Done():
			return WSMessage{}, ctx.Err()
		}
	}
}

func resumeReading(c *loop.Conn) { c.ResumeReading() }

// ReceiveText receives a message that must be text. Safe for concurrent
// use.
func (w *WebSocket) ReceiveText(ctx context.Context) (string, error) {
	m, err := w.Receive(ctx)
	if err != nil {
		return "", err
	}
	if m.Type != ws.OpText {
		return "", fmt.Errorf("client: websocket received a %s message, not text", m.Type)
	}
	return m.Text(), nil
}

// ReceiveBytes receives a message that must be binary. Safe for
// concurrent use.
func (w *WebSocket) ReceiveBytes(ctx context.Context) ([]byte, error) {
	m, err := w.Receive(ctx)
	if err != nil {
		return nil, err
	}
	if m.Type != ws.OpBinary {
		return nil, fmt.Errorf("client: websocket received a %s message, not binary", m.Type)
	}
	return m.Data, nil
}

// ReceiveJSON receives a text or binary message and decodes it as JSON into
// v. Safe for concurrent use.
func (w *WebSocket) ReceiveJSON(ctx context.Context, v any) error {
	m, err := w.Receive(ctx)
	if err != nil {
		return err
	}
	if m.Type != ws.OpText && m.Type != ws.OpBinary {
		return fmt.Errorf("client: websocket received a %s message, not JSON", m.Type)
	}
	return m.JSON(v)
}

// Messages iterates over the received messages until the WebSocket closes;
// CloseCode tells how it closed.
//
//	for m := range conn.Messages() { ... }
//
// Safe for concurrent use, as Receive.
func (w *WebSocket) Messages() iter.Seq[WSMessage] {
	return func(yield func(WSMessage) bool) {
		for {
			m, err := w.Receive(context.Background())
			if err != nil || !yield(m) {
				return
			}
		}
	}
}

// Close closes the WebSocket with code and reason (at most 123 bytes): the
// close frame follows every message sent before, the server answers with
// its own, and the connection closes (after WSOptions.CloseTimeout if the
// answer does not come). It returns once the connection is closed (and,
// for DialWebSocket, its session too). code must be one a close frame may
// carry (1000-1003, 1007-1014, 3000-4999). Calling it again, or after the
// server closed, only waits and releases. Safe for concurrent use.
func (w *WebSocket) Close(code int, reason string) error {
	sc := ws.StatusCode(code)
	if code < 0 || code > 0xffff || !sc.Valid() {
		return ErrWSCloseCode
	}
	if len(reason) > ws.MaxControlPayload-2 {
		return ErrWSControlTooLong
	}
	w.closeWith(sc, reason, nil)
	<-w.done // bounded by CloseTimeout on the loop's timer
	var err error
	w.closeOnce.Do(func() {
		if w.own {
			ctx, cancel := context.WithTimeout(context.Background(), 2*w.opts.CloseTimeout)
			defer cancel()
			err = w.s.Close(ctx)
		}
	})
	return err
}

// closeWith queues our close frame, unless one was queued or the
// connection is gone. Safe for concurrent use.
func (w *WebSocket) closeWith(code ws.StatusCode, reason string, cause error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.sendClosed {
		return
	}
	w.sendClosed = true
	if w.code == 0 {
		w.code, w.reason, w.cause = int(code), reason, cause
	}
	if w.pongOwed { // owed before the close: nothing may follow a close frame
		w.pongOwed = false
		w.out = ws.AppendMaskedFrame(w.out, ws.OpPong, true, w.pong, ws.NewMaskKey())
	}
	w.out = ws.AppendMaskedClose(w.out, code, reason, ws.NewMaskKey())
	w.closeQueued = true
	w.postLocked()
}

// CloseCode returns the close code: the server's (1005 for a close frame
// without one), ours when we closed and the server did not answer, 1006
// for a connection lost without a close frame; 0 while the WebSocket is
// open. Safe for concurrent use.
func (w *WebSocket) CloseCode() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.code
}

// CloseReason returns the reason that came with CloseCode. Safe for
// concurrent use.
func (w *WebSocket) CloseReason() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.reason
}

// Closed reports whether the WebSocket is closing or closed: a close frame
// was sent or received, or the connection is gone. Safe for concurrent use.
func (w *WebSocket) Closed() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.sendClosed || w.peerClosed || w.gone
}

// Protocol returns the subprotocol the server chose ("" if none). Safe for
// concurrent use.
func (w *WebSocket) Protocol() string { return w.protocol }

// Header returns the fields of the server's 101 response; the map is
// shared, do not modify it. Safe for concurrent use.
func (w *WebSocket) Header() http.Header { return w.header }

// Compressed reports whether permessage-deflate was negotiated. Safe for
// concurrent use.
func (w *WebSocket) Compressed() bool { return w.deflater != nil }

func (w *WebSocket) inboxFullLocked() bool {
	return len(w.inbox) >= w.opts.MaxQueue || w.inboxBytes >= w.opts.MaxMessage
}
