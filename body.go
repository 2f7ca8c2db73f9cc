package eddy

import (
	"bytes"
	"encoding/json"

	"github.com/eddy-go/eddy/httpcodec"
)

var (
	errEmptyBody = &HTTPError{Status: 400, Message: "empty request body"}
	errNotJSON   = &HTTPError{Status: 415, Message: "Content-Type must be application/json"}
	errNotForm   = &HTTPError{Status: 415, Message: "Content-Type must be application/x-www-form-urlencoded or multipart/form-data"}
)

// BodyBytes returns the whole request body (de-chunked), empty if none.
// The engine reads it before the handler runs, bounded by MaxBody.
// Borrowed: valid until the handler returns; copy it to keep it.
func (c *Ctx) BodyBytes() []byte {
	if !c.enter() {
		return nil
	}
	defer c.exit()
	return c.reqBodyBytes()
}

// SetRequestBody replaces the request body that BodyBytes, Body, BindJSON
// and Form read, for the rest of the request: middleware that decodes the
// body (request decompression) sets the decoded one. b is kept, not
// copied: it must stay unchanged until the handler returns. The request's
// headers (Content-Encoding, Content-Length) are not changed.
func (c *Ctx) SetRequestBody(b []byte) {
	if !c.enter() {
		return
	}
	defer c.exit()
	c.reqBody, c.reqBodySet, c.used = b, true, true
	if c.formDone {
		c.form.reset()
		c.formDone, c.formErr = false, nil
	}
}

// reqBodyBytes is the request body: as set with SetRequestBody, or as read.
func (c *Ctx) reqBodyBytes() []byte {
	if c.reqBodySet {
		return c.reqBody
	}
	return c.x.Body()
}

// Body returns a copy of the request body, "" if none.
func (c *Ctx) Body() string {
	if !c.enter() {
		return ""
	}
	defer c.exit()
	return string(c.reqBodyBytes())
}

// BindJSON decodes the JSON body into v (aiohttp's await request.json()).
// It answers for itself through the returned error: 415 (an HTTPError) when
// the Content-Type is set and is not JSON, 400 for an empty or invalid body.
func (c *Ctx) BindJSON(v any) error {
	if !c.enter() {
		return ErrStaleCtx
	}
	defer c.exit()
	if ct := c.x.Request().Header("Content-Type"); ct != nil && !isJSONType(ct) {
		return errNotJSON
	}
	body := c.reqBodyBytes()
	if len(body) == 0 {
		return errEmptyBody
	}
	if err := json.Unmarshal(body, v); err != nil {
		return &HTTPError{Status: 400, Message: "invalid JSON body", Err: err}
	}
	return nil
}

// Form parses the body as a form, once, and returns it: urlencoded or
// multipart/form-data (aiohttp's await request.post()). A request without
// a body gives an empty form. Errors are HTTPErrors: 415 for another
// Content-Type, 400 for a malformed body, 413 past Config.MaxFormFields.
func (c *Ctx) Form() (*Form, error) {
	if !c.enter() {
		return nil, ErrStaleCtx
	}
	defer c.exit()
	return c.parsedForm()
}

// parsedForm is Form without the stale check.
func (c *Ctx) parsedForm() (*Form, error) {
	if !c.formDone {
		c.formDone, c.used = true, true
		c.formErr = c.parseForm()
	}
	return &c.form, c.formErr
}

// FormValue returns a copy of the first value of a form field, "" if absent
// or if the body is not a valid form.
func (c *Ctx) FormValue(name string) string {
	if !c.enter() {
		return ""
	}
	defer c.exit()
	f, err := c.parsedForm()
	if err != nil {
		return ""
	}
	return f.Value(name)
}

// FormFile returns the first file sent in the multipart field, or nil.
func (c *Ctx) FormFile(field string) (*FormFile, error) {
	if !c.enter() {
		return nil, ErrStaleCtx
	}
	defer c.exit()
	f, err := c.parsedForm()
	if err != nil {
		return nil, err
	}
	return f.File(field), nil
}

func (c *Ctx) parseForm() error {
	body := c.reqBodyBytes()
	ct := c.x.Request().Header("Content-Type")
	max := c.app.cfg.MaxFormFields
	switch {
	case len(body) == 0 && ct == nil:
		return nil
	case mediaTypeIs(ct, "application/x-www-form-urlencoded"):
		return c.form.args.parseURLEncoded(body, max)
	case mediaTypeIs(ct, "multipart/form-data"):
		boundary, err := multipartBoundary(ct)
		if err != nil {
			return err
		}
		return c.form.parseMultipart(body, boundary, max)
	}
	return errNotForm
}

// mediaType returns the media type of a Content-Type value, without
// parameters and surrounding spaces.
func mediaType(ct []byte) []byte {
	if i := bytes.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	return bytes.TrimSpace(ct)
}

func mediaTypeIs(ct []byte, want string) bool {
	return ct != nil && httpcodec.EqualFold(mediaType(ct), want)
}

// isJSONType accepts application/json and any +json suffix type.
func isJSONType(ct []byte) bool {
	mt := mediaType(ct)
	if httpcodec.EqualFold(mt, "application/json") {
		return true
	}
	return len(mt) > 5 && httpcodec.EqualFold(mt[len(mt)-5:], "+json")
}
