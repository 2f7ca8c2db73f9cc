package eddy

import (
	"bytes"
	"mime"

	"github.com/eddy-go/eddy/httpcodec"
)

// maxPartHeader bounds the header block of one multipart part.
const maxPartHeader = 16 << 10

var (
	errTooManyFields  = &HTTPError{Status: 413, Message: "too many form fields"}
	errBadMultipart   = &HTTPError{Status: 400, Message: "malformed multipart body"}
	errBadContentType = &HTTPError{Status: 400, Message: "malformed Content-Type"}
)

// parseMultipart parses a multipart/form-data body (RFC 7578) into f: file
// parts (those with a filename) as FormFile views of body, the others as
// fields. The body is already complete and bounded by MaxBody, so parts are
// never copied to disk; maxParts bounds their number (413 past it).
func (f *Form) parseMultipart(body []byte, boundary string, maxParts int) error {
	delim := make([]byte, 0, 4+len(boundary))
	delim = append(append(delim, "\r\n--"...), boundary...)
	dash := delim[2:] // "--boundary"

	// The first delimiter may open the body or follow a preamble line.
	var pos int
	if bytes.HasPrefix(body, dash) {
		pos = len(dash)
	} else if i := bytes.Index(body, delim); i >= 0 {
		pos = i + len(delim)
	} else {
		return errBadMultipart
	}
	for parts := 0; ; parts++ {
		// After a delimiter: "--" closes (then padding, and the end or
		// CRLF and an epilogue), else padding and CRLF open a part.
		if bytes.HasPrefix(body[pos:], []byte("--")) {
			rest := bytes.TrimLeft(body[pos+2:], " \t")
			if len(rest) > 0 && !bytes.HasPrefix(rest, []byte("\r\n")) {
				return errBadMultipart // mime/multipart reads such a line as data
			}
			return nil
		}
		for pos < len(body) && (body[pos] == ' ' || body[pos] == '\t') {
			pos++
		}
		if !bytes.HasPrefix(body[pos:], []byte("\r\n")) {
			return errBadMultipart
		}
		pos += 2
		if parts >= maxParts {
			return errTooManyFields
		}
		// Header block, ending with an empty line.
		var head []byte
		if bytes.HasPrefix(body[pos:], []byte("\r\n")) {
			pos += 2
		} else {
			end := bytes.Index(body[pos:], []byte("\r\n\r\n"))
			if end < 0 || end > maxPartHeader {
				return errBadMultipart
			}
			head = body[pos : pos+end]
			pos += end + 4
		}
		// Search from the CRLF that ends the header block: in a part
		// without a body it also opens the next delimiter (RFC 2046:
		// delimiter := CRLF dash-boundary), as mime/multipart reads it.
		i := bytes.Index(body[pos-2:], delim)
		if i < 0 {
			return errBadMultipart
		}
		end := max(pos-2+i, pos)
		data := body[pos:end:end]
		pos += i - 2 + len(delim)
		if err := f.addPart(head, data); err != nil {
			return err
		}
	}
}

// addPart files one part by its Content-Disposition.
func (f *Form) addPart(head, data []byte) error {
	var disp, ctype []byte
	for len(head) > 0 {
		line := head
		if i := bytes.Index(head, []byte("\r\n")); i >= 0 {
			line, head = head[:i], head[i+2:]
		} else {
			head = nil
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		// A bare CR or LF would end the line for other parsers
		// (mime/multipart accepts LF): refuse it, as the request head does.
		if !ok || len(name) == 0 || !httpcodec.ValidToken(name) || bytes.ContainsAny(value, "\r\n") {
			return errBadMultipart
		}
		value = bytes.TrimSpace(value)
		switch {
		case httpcodec.EqualFold(name, "Content-Disposition"):
			disp = value
		case httpcodec.EqualFold(name, "Content-Type"):
			ctype = value
		}
	}
	kind, params, err := mime.ParseMediaType(string(disp))
	if err != nil || kind != "form-data" {
		return errBadMultipart
	}
	field := params["name"]
	if filename, isFile := params["filename"]; isFile {
		f.files = append(f.files, FormFile{Field: field, Filename: filename, ContentType: string(ctype), Data: data})
		return nil
	}
	f.args.add([]byte(field), data)
	return nil
}

// multipartBoundary returns the boundary parameter of a multipart/form-data
// Content-Type, checked against RFC 2046's 1..70 characters.
func multipartBoundary(ct []byte) (string, error) {
	_, params, err := mime.ParseMediaType(string(ct))
	if err != nil {
		return "", errBadContentType
	}
	b := params["boundary"]
	if b == "" || len(b) > 70 {
		return "", errBadContentType
	}
	return b, nil
}
