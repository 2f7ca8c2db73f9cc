package eddy

import (
	"bytes"
	"strconv"

	"github.com/eddy-go/eddy/httpcodec"
)

// ErrorHandler turns a handler's error into a response (Config.ErrorHandler).
// It runs with the Ctx of the failed request, whose response headers set so
// far are kept (so a 405's Allow or a 401's WWW-Authenticate survive); it
// must answer with a response method. Errors of 5xx status are logged before
// it runs, so a replacement need not log them.
//
// It also answers the server's own errors, which no handler sees: 400, 414,
// 431, 501 and 505 for a malformed request head, 408 for a head or body too
// slow, 413 for a body past MaxBody, 503 for a HandlerTimeout or a full
// pool. Then err is an *HTTPError with the server's reason as Message,
// c.Route() is nil, the request may be empty (no method, path or headers
// when its head could not be parsed), the answer must be whole (Stream,
// Defer and Go are refused), and the connection closes after it. If it
// answers nothing (or panics), the server sends its own short text.
type ErrorHandler func(c *Ctx, err error)

// DefaultErrorHandler answers with the error's status (500 for an error
// that is not an *HTTPError) and its client message (HTTPError.Text; for a
// plain error, the status text, so internal details never leak): as JSON
// {"error":"...","status":N} when the client's Accept prefers
// application/json over text/plain, else as text/plain.
func DefaultErrorHandler(c *Ctx, err error) {
	if !c.enter() {
		return // stale: nothing to answer
	}
	defer c.exit()
	status := StatusOf(err)
	msg := statusText(status)
	if he := asHTTPError(err); he != nil {
		msg = he.Text()
	}
	c.DelHeader("Content-Type")
	c.Status(status)
	if prefersJSON(c.x.Request().Header("Accept")) {
		b := append(c.scratch[:0], `{"error":`...)
		b = appendJSONText(b, msg) // as encoding/json writes it (ctx_json.go)
		b = append(b, `,"status":`...)
		b = strconv.AppendInt(b, int64(status), 10)
		b = append(b, '}')
		c.scratch, c.used = b, true
		_ = c.send(ctJSON, b)
		return
	}
	_ = c.send(ctText, unsafeBytes(msg))
}

// prefersJSON reads an Accept header: true when application/json (or
// application/*) gets a higher quality than text/plain (or text/*), or the
// same quality named more specifically. No Accept means text.
func prefersJSON(accept []byte) bool {
	if len(accept) == 0 {
		return false
	}
	jq, js := -1, 0 // quality in thousandths, specificity (0 none, 1 */*, 2 type/*, 3 exact)
	tq, ts := -1, 0
	for len(accept) > 0 {
		var item []byte
		item, accept, _ = bytes.Cut(accept, []byte{','})
		mt, params, _ := bytes.Cut(item, []byte(";"))
		mt = bytes.TrimSpace(mt)
		q := httpcodec.QValue(params)
		consider := func(bestQ, bestS *int, spec int) {
			if spec > *bestS {
				*bestQ, *bestS = q, spec
			}
		}
		switch {
		case httpcodec.EqualFold(mt, "application/json"):
			consider(&jq, &js, 3)
		case httpcodec.EqualFold(mt, "application/*"):
			consider(&jq, &js, 2)
		case httpcodec.EqualFold(mt, "text/plain"):
			consider(&tq, &ts, 3)
		case httpcodec.EqualFold(mt, "text/*"):
			consider(&tq, &ts, 2)
		case bytes.Equal(mt, []byte("*/*")):
			consider(&jq, &js, 1)
			consider(&tq, &ts, 1)
		}
	}
	if jq <= 0 {
		return false
	}
	return jq > tq || jq == tq && js > ts
}
