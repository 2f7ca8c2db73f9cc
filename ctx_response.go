package eddy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"unsafe"

	"github.com/eddy-go/eddy/httpcodec"
)

// Pre-rendered Content-Type lines, so the common responses append a
// constant instead of formatting a header.
const (
	ctText = "Content-Type: text/plain; charset=utf-8\r\n"
	ctHTML = "Content-Type: text/html; charset=utf-8\r\n"
	ctJSON = "Content-Type: application/json\r\n"
)

// Status sets the status of the response (default 200) and returns c, for
// chaining: return c.Status(201).JSON(v).
func (c *Ctx) Status(code int) *Ctx {
	if !c.enter() {
		return c
	}
	defer c.exit()
	c.status = code
	return c
}

// StatusCode returns the response status: as set with Status or sent, 200
// when neither. Middleware reads it after calling next.
func (c *Ctx) StatusCode() int {
	if !c.enter() {
		return 0
	}
	defer c.exit()
	if c.status == 0 {
		return 200
	}
	return c.status
}

// Responded reports whether the response was finished (or a stream was
// started): after that, response methods return ErrResponded.
func (c *Ctx) Responded() bool {
	if !c.enter() {
		return false
	}
	defer c.exit()
	return c.responded
}

// BytesWritten returns the number of body bytes given to the engine so far.
func (c *Ctx) BytesWritten() int64 {
	if !c.enter() {
		return 0
	}
	defer c.exit()
	return c.written
}

// SetHeader sets a response header, replacing any earlier value with the
// same name (case-insensitive), and returns c. An invalid name or value (a
// control character, which would allow header injection), or a header the
// server writes itself (Content-Length, Transfer-Encoding, Date, Server,
// Connection) is not added: the next response method returns an error
// wrapping ErrInvalidHeader instead of sending anything.
func (c *Ctx) SetHeader(name, value string) *Ctx {
	if !c.enter() {
		return c
	}
	defer c.exit()
	c.delHeader(name)
	return c.addHeader(name, value)
}

// AddHeader adds a response header line, keeping earlier ones with the same
// name (for Set-Cookie, Link, Vary ...), and returns c. Validation is as for
// SetHeader.
func (c *Ctx) AddHeader(name, value string) *Ctx {
	if !c.enter() {
		return c
	}
	defer c.exit()
	return c.addHeader(name, value)
}

// addHeader is AddHeader without the stale check.
func (c *Ctx) addHeader(name, value string) *Ctx {
	if c.hdrErr != nil {
		return c
	}
	if err := checkHeader(name, value); err != nil {
		c.hdrErr = err
		return c
	}
	c.appendHeader(name, value)
	return c
}

// appendHeader appends a checked "name: value\r\n" line.
func (c *Ctx) appendHeader(name, value string) {
	if len(name) == len("Content-Type") && httpcodec.EqualFold(name, "Content-Type") {
		c.hasCT = true
	}
	c.hdr = append(c.hdr, name...)
	c.hdr = append(c.hdr, ": "...)
	c.hdr = append(c.hdr, value...)
	c.hdr = append(c.hdr, "\r\n"...)
}

// DelHeader removes every response header line with the name
// (case-insensitive) and returns c.
func (c *Ctx) DelHeader(name string) *Ctx {
	if !c.enter() {
		return c
	}
	defer c.exit()
	c.delHeader(name)
	return c
}

// delHeader is DelHeader without the stale check.
func (c *Ctx) delHeader(name string) {
	h := c.hdr
	out := h[:0]
	for len(h) > 0 {
		end := bytes.Index(h, []byte("\r\n")) + 2
		line := h[:end]
		h = h[end:]
		colon := bytes.IndexByte(line, ':')
		if colon == len(name) && httpcodec.EqualFold(line[:colon], name) {
			continue
		}
		out = append(out, line...)
	}
	c.hdr = out
	if len(name) == len("Content-Type") && httpcodec.EqualFold(name, "Content-Type") {
		c.hasCT, c.ctLead = false, ""
	}
}

// ResponseHeader returns a copy of the first value of a response header set
// so far (case-insensitive), "" if none.
func (c *Ctx) ResponseHeader(name string) string {
	if !c.enter() {
		return ""
	}
	defer c.exit()
	return string(c.responseHeader(name))
}

// responseHeader returns a view of a response header value.
func (c *Ctx) responseHeader(name string) []byte {
	h := c.hdr
	for len(h) > 0 {
		end := bytes.Index(h, []byte("\r\n"))
		line := h[:end]
		h = h[end+2:]
		colon := bytes.IndexByte(line, ':')
		if colon == len(name) && httpcodec.EqualFold(line[:colon], name) {
			return line[colon+2:]
		}
	}
	if c.ctLead != "" && len(name) == len("Content-Type") && httpcodec.EqualFold(name, "Content-Type") {
		return unsafeBytes(c.ctLead[len("Content-Type: ") : len(c.ctLead)-2])
	}
	return nil
}

// checkHeader validates a header the application sets.
func checkHeader(name, value string) error {
	if !httpcodec.ValidHeaderName(unsafeBytes(name)) || !httpcodec.ValidHeaderValue(unsafeBytes(value)) {
		return fmt.Errorf("%w: %q: %q", ErrInvalidHeader, name, value)
	}
	for _, reserved := range [...]string{"Content-Length", "Transfer-Encoding", "Date", "Server", "Connection"} {
		if len(name) == len(reserved) && httpcodec.EqualFold(name, reserved) {
			return fmt.Errorf("%w: %s is written by the server", ErrInvalidHeader, reserved)
		}
	}
	return nil
}

// SetCookie adds a Set-Cookie header for ck. It returns an error wrapping
// ErrInvalidCookie, and adds nothing, for a cookie that is not valid (see
// AppendSetCookie).
func (c *Ctx) SetCookie(ck *Cookie) error {
	if !c.enter() {
		return ErrStaleCtx
	}
	defer c.exit()
	if c.responded {
		return ErrResponded
	}
	n := len(c.hdr)
	c.hdr = append(c.hdr, "Set-Cookie: "...)
	var err error
	if c.hdr, err = AppendSetCookie(c.hdr, ck); err != nil {
		c.hdr = c.hdr[:n]
		return err
	}
	c.hdr = append(c.hdr, "\r\n"...)
	return nil
}

// Text answers with s as text/plain; charset=utf-8 (the status set with
// Status, default 200). Like every response method it finishes the
// response: it returns ErrResponded if that was already done, and the
// error of an invalid header set earlier (nothing is sent then).
func (c *Ctx) Text(s string) error {
	// s viewed as bytes: its pointer and length, and the length again as
	// the capacity, read as a slice. unsafe.Slice would test that the
	// address does not wrap, which a string's cannot (4 instructions in
	// every handler Text inlines into); unsafeBytes also tests for "",
	// which gives an empty body either way.
	b := struct {
		s string
		n int
	}{s, len(s)}
	return c.respond(ctText, *(*[]byte)(unsafe.Pointer(&b)))
}

// HTML answers with s as text/html; charset=utf-8.
func (c *Ctx) HTML(s string) error {
	return c.respond(ctHTML, unsafeBytes(s))
}

// respond is a response method that sends body as it is (Text, HTML), with
// the Content-Type line ct (never empty) unless one was set: the
// stale check, send and exit. A plain response (see plainSend) runs no
// code but the engine's, so it ends its call without a deferred exit; any
// other goes through sendExit, whose deferred exit also runs when a hook
// or callback panics.
func (c *Ctx) respond(ct string, body []byte) error {
	// enter, written out: its result is a flag made and tested again,
	// and the state is loaded twice (about 5 instructions).
	s := c.ctxState
	if s == nil {
		return ErrStaleCtx
	}
	s.busy.Add(1)
	if s.generation.Load() != c.gen {
		s.busy.Add(-1)
		return ErrStaleCtx
	}
	st := s.status
	if st == 0 {
		st = 200
	}
	if !s.plainSend(st) {
		return c.sendExit(ct, body)
	}
	// send's plain case, written out: a call of its own costs about 20
	// instructions a response. The lead line goes to the engine from ct
	// or from the state, whichever holds it, not stored and read again.
	// ct is never empty here (Text and HTML name their type), so send's
	// test of it is left out.
	s.status = st
	lead := ct
	if s.hasCT {
		lead = s.ctLead
	} else {
		s.hasCT, s.ctLead = true, ct
	}
	s.written = int64(len(body))
	s.responded = true
	if st == 200 && len(s.hdr) == 0 {
		s.x.RespondPlain(lead, body) // fewer argument words: nothing spills
	} else {
		s.x.RespondLead(st, lead, s.hdr, body)
	}
	s.busy.Add(-1) // exit, through s (kept across the call) rather than c
	return nil
}

// sendExit is send for a call started by enter, which it ends.
func (c *Ctx) sendExit(ct string, body []byte) error {
	defer c.exit()
	return c.send(ct, body)
}

// Blob answers with b and the given Content-Type ("" sends none unless one
// was set with SetHeader). b is copied before Blob returns.
func (c *Ctx) Blob(contentType string, b []byte) error {
	if !c.enter() {
		return ErrStaleCtx
	}
	defer c.exit()
	if contentType != "" && !c.hasCT {
		if err := checkHeader("Content-Type", contentType); err != nil {
			return err
		}
		c.appendHeader("Content-Type", contentType)
	}
	return c.send("", b)
}

// JSON answers with v encoded as JSON (encoding/json, HTML characters
// escaped), as application/json. The encoder and its buffer belong to the
// Ctx and are reused; encoding a value through an interface may still
// allocate in encoding/json. A struct of string, bool and integer fields
// (or a pointer to one) is written without encoding/json, with the same
// bytes. An encoding error is returned and nothing is sent.
func (c *Ctx) JSON(v any) error {
	// enter, written out as in respond.
	s := c.ctxState
	if s == nil {
		return ErrStaleCtx
	}
	s.busy.Add(1)
	if s.generation.Load() != c.gen {
		s.busy.Add(-1)
		return ErrStaleCtx
	}
	if s.jsonBuf == nil {
		s.jsonBuf = new(jsonBuffer)
	}
	st := s.status
	if st == 0 {
		st = 200
	}
	p := s.jsonPlanFor(v)
	if p != nil && s.plainSend(st) {
		// A simple struct (written here, as encoding/json would) in a
		// plain response: no code but eddy's and the engine's runs (no
		// MarshalJSON, hook or callback), so nothing can panic between
		// here and exit, and the call ends without a deferred exit
		// (about 15 instructions a response). send takes its plain case.
		w := s.jsonBuf
		w.b = p.append(w.b[:0], v)
		err := c.send(ctJSON, w.b)
		w.b = keptEncBuf(w.b) // one large answer does not stay held by the state
		s.busy.Add(-1)        // exit
		return err
	}
	return c.jsonExit(v, p)
}

// jsonExit is JSON for every other value and response, in a call started
// by enter, which it ends with a deferred exit: encoding runs the value's
// own code (MarshalJSON), and send the hooks and callbacks, which may
// panic. p is v's plan as JSON found it (nil: encoding/json writes v).
func (c *Ctx) jsonExit(v any, p *jsonPlan) error {
	defer c.exit()
	s := c.ctxState
	if s.responded {
		return ErrResponded
	}
	w := s.jsonBuf
	if p != nil {
		w.b = p.append(w.b[:0], v)
		err := c.send(ctJSON, w.b)
		w.b = keptEncBuf(w.b)
		return err
	}
	if s.jsonEnc == nil {
		s.jsonEnc = json.NewEncoder(w)
	}
	w.b = w.b[:0]
	if err := s.jsonEnc.Encode(v); err != nil {
		return fmt.Errorf("eddy: JSON response: %w", err)
	}
	b := w.b
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1] // Encoder ends every value with a newline
	}
	err := c.send(ctJSON, b)
	w.b = keptEncBuf(w.b) // one large answer does not stay held by the state
	return err
}

// Redirect answers with a redirect to location; code must be 3xx (301,
// 302, 303, 307 or 308 are the usual ones).
func (c *Ctx) Redirect(code int, location string) error {
	if !c.enter() {
		return ErrStaleCtx
	}
	defer c.exit()
	if code < 300 || code > 399 {
		return fmt.Errorf("eddy: Redirect with status %d, not 3xx", code)
	}
	c.delHeader("Location")
	c.addHeader("Location", location)
	c.status = code
	return c.send("", nil)
}

// NoContent answers with code and no body (204 No Content is the usual
// one). A 1xx, 204 or 304 answer never carries a Content-Type (one set
// earlier is dropped), whichever method sends it.
func (c *Ctx) NoContent(code int) error {
	if !c.enter() {
		return ErrStaleCtx
	}
	defer c.exit()
	c.status = code
	return c.send("", nil)
}

// Write appends p to the response body the Ctx buffers (an io.Writer, for
// fmt.Fprintf, templates, encoders); the buffer is reused across requests,
// so writing allocates nothing once warm. The buffered body is sent when the
// handler returns nil without calling another response method, with the
// status set with Status and the Content-Type set with SetHeader (none by
// default). If the handler returns an error the buffered body is dropped.
func (c *Ctx) Write(p []byte) (int, error) {
	if !c.enter() {
		return 0, ErrStaleCtx
	}
	defer c.exit()
	if c.responded {
		return 0, ErrResponded
	}
	c.body = append(c.body, p...)
	return len(p), nil
}

// WriteString is Write for a string.
func (c *Ctx) WriteString(s string) (int, error) {
	return c.Write(unsafeBytes(s)) // Write does the stale check
}

// send finishes the response with body, adding the Content-Type line ct
// unless one was set.
func (c *Ctx) send(ct string, body []byte) error {
	s := c.ctxState
	st := s.status
	if st == 0 {
		st = 200
	}
	if !s.plainSend(st) {
		return c.sendFull(ct, body)
	}
	// What sendFull does for such a response, without its other tests
	// (respond has the same lines).
	s.status = st
	lead := ct
	if ct == "" || s.hasCT {
		lead = s.ctLead
	} else {
		s.hasCT, s.ctLead = true, ct
	}
	s.written = int64(len(body))
	s.responded = true
	if st == 200 && len(s.hdr) == 0 {
		s.x.RespondPlain(lead, body) // fewer argument words: nothing spills
	} else {
		s.x.RespondLead(st, lead, s.hdr, body)
	}
	return nil
}

// plainSend reports whether a response with status st is the usual kind,
// which send finishes itself: none sent yet, no invalid header, no OnPrepare
// hook, encoder or OnFinish callback (nothing but the engine runs), not an
// engine answer, and a status that carries a body. send and respond
// finish it with a few stores and the engine's call.
//
// A state not marked used has no hook, callback or encoder (OnPrepare and
// OnFinish mark it, and only a hook chooses an encoder), so the usual
// response tests three fields and its status (200 first: one compare).
func (s *ctxState) plainSend(st int) bool {
	return !s.responded && !s.failing && s.hdrErr == nil && (st == 200 || !bodyless(st)) &&
		(!s.used || !s.preparing && s.enc == nil && len(s.prepare)|len(s.onFinish) == 0)
}

// sendFull is send for every response: the hooks, the encoder, bodyless
// statuses, engine answers and the errors.
func (c *Ctx) sendFull(ct string, body []byte) error {
	if c.responded {
		return ErrResponded
	}
	if c.preparing {
		return errPrepareRespond
	}
	if c.hdrErr != nil {
		return c.hdrErr
	}
	if c.status == 0 {
		c.status = 200
	}
	if ct != "" && !c.hasCT && !bodyless(c.status) {
		c.hasCT = true
		if len(c.prepare) == 0 && !c.failing {
			// Nothing reads hdr before the engine renders it: the
			// constant line goes to the engine as is, not copied into
			// hdr (about 50 instructions a response).
			c.ctLead = ct
		} else {
			c.hdr = append(c.hdr, ct...)
		}
	}
	if len(c.prepare) > 0 {
		if err := c.runPrepare(body, false); err != nil {
			return err
		}
	}
	if bodyless(c.status) {
		// 1xx, 204 and 304 carry no body, so no Content-Type either.
		if c.hasCT {
			c.delHeader("Content-Type")
		}
		body = nil
	}
	if c.enc != nil && len(body) > 0 {
		if o := c.enc.OffloadAbove; o > 0 && len(body) >= o && !c.inPool && !c.failing && c.offloadEncode(body) {
			return nil
		}
		enc, err := c.encodeWhole(body)
		if err != nil {
			c.enc = nil
			return fmt.Errorf("eddy: encoding the response body: %w", err)
		}
		body = enc
	}
	c.written = int64(len(body))
	c.finishing()
	if c.failing {
		// The engine writes this answer itself (handler.Fail).
		c.body = append(c.body[:0], body...)
		return nil
	}
	c.x.RespondLead(c.status, c.ctLead, c.hdr, body)
	return nil
}

// bodyless reports the statuses that never carry a body (RFC 9110 6.4.1
// for 1xx and 204, 15.4.5 for 304).
func bodyless(status int) bool {
	return status < 200 || status == 204 || status == 304
}

// finishing marks the response finished and runs the OnFinish callbacks,
// while the request is still valid: once the engine has the response, a
// deferred Ctx may be recycled at any moment.
func (c *Ctx) finishing() {
	c.responded = true
	if len(c.onFinish) != 0 {
		c.runFinish() // out of line: the common case (nothing observes it) inlines
	}
}

// runFinish runs the OnFinish callbacks for finishing.
func (c *Ctx) runFinish() {
	if !c.failing && c.x.Claimed() {
		// The server already answered in this response's place (a handler
		// timeout, through its own OnFinish callbacks): this one is dropped,
		// so it is not observed either.
		return
	}
	for _, fn := range c.onFinish {
		fn(c)
	}
}

// jsonBuffer is the io.Writer the Ctx's JSON encoder writes into.
type jsonBuffer struct{ b []byte }

func (w *jsonBuffer) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	return len(p), nil
}

// statusText is the reason phrase for code (used by error bodies).
func statusText(code int) string {
	if t := httpcodec.StatusText(code); t != "" {
		return t
	}
	return "Status " + strconv.Itoa(code)
}
