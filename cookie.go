package eddy

import (
	"bytes"
	"fmt"
	"strconv"
	"time"

	"github.com/eddy-go/eddy/httpcodec"
)

// SameSite is a cookie's SameSite attribute.
type SameSite uint8

const (
	SameSiteDefault SameSite = iota // no attribute: the browser's default (Lax)
	SameSiteLax
	SameSiteStrict
	SameSiteNone // requires Secure
)

// Cookie is a cookie to set with Ctx.SetCookie.
type Cookie struct {
	Name  string // a token; required
	Value string // cookie-octets (no space, '"', ',', ';' or '\'), optionally in double quotes
	// Path and Domain scope the cookie; "" omits them.
	Path, Domain string
	// Expires, if not zero, is written as an HTTP date.
	Expires time.Time
	// MaxAge > 0 is the lifetime in seconds; < 0 deletes the cookie now
	// (Max-Age=0); 0 writes no Max-Age.
	MaxAge int
	// Secure sends the cookie over HTTPS only; HttpOnly hides it from
	// scripts; Partitioned (CHIPS) keys it to the top-level site and
	// requires Secure.
	Secure, HttpOnly, Partitioned bool
	SameSite                      SameSite
}

// AppendSetCookie appends the value of a Set-Cookie header for ck (without
// the header name) to dst. It fails, appending nothing, for a cookie a
// browser would reject or that would break the header: an invalid name,
// value, path or domain, Partitioned or SameSite=None without Secure.
func AppendSetCookie(dst []byte, ck *Cookie) ([]byte, error) {
	if err := ck.check(); err != nil {
		return dst, err
	}
	dst = append(dst, ck.Name...)
	dst = append(dst, '=')
	dst = append(dst, ck.Value...)
	if ck.Path != "" {
		dst = append(append(dst, "; Path="...), ck.Path...)
	}
	if ck.Domain != "" {
		dst = append(append(dst, "; Domain="...), ck.Domain...)
	}
	if !ck.Expires.IsZero() {
		dst = append(dst, "; Expires="...)
		dst = ck.Expires.UTC().AppendFormat(dst, "Mon, 02 Jan 2006 15:04:05 GMT")
	}
	switch {
	case ck.MaxAge > 0:
		dst = strconv.AppendInt(append(dst, "; Max-Age="...), int64(ck.MaxAge), 10)
	case ck.MaxAge < 0:
		dst = append(dst, "; Max-Age=0"...)
	}
	if ck.Secure {
		dst = append(dst, "; Secure"...)
	}
	if ck.HttpOnly {
		dst = append(dst, "; HttpOnly"...)
	}
	switch ck.SameSite {
	case SameSiteLax:
		dst = append(dst, "; SameSite=Lax"...)
	case SameSiteStrict:
		dst = append(dst, "; SameSite=Strict"...)
	case SameSiteNone:
		dst = append(dst, "; SameSite=None"...)
	}
	if ck.Partitioned {
		dst = append(dst, "; Partitioned"...)
	}
	return dst, nil
}

func (ck *Cookie) check() error {
	switch {
	case !httpcodec.ValidToken(ck.Name):
		return fmt.Errorf("%w: name %q", ErrInvalidCookie, ck.Name)
	case !validCookieValue(ck.Value):
		return fmt.Errorf("%w: value of %q", ErrInvalidCookie, ck.Name)
	case !validCookieAttr(ck.Path):
		return fmt.Errorf("%w: path %q", ErrInvalidCookie, ck.Path)
	case !validCookieDomain(ck.Domain):
		return fmt.Errorf("%w: domain %q", ErrInvalidCookie, ck.Domain)
	case ck.Partitioned && !ck.Secure:
		return fmt.Errorf("%w: %q is Partitioned but not Secure", ErrInvalidCookie, ck.Name)
	case ck.SameSite == SameSiteNone && !ck.Secure:
		return fmt.Errorf("%w: %q is SameSite=None but not Secure", ErrInvalidCookie, ck.Name)
	case ck.SameSite > SameSiteNone:
		return fmt.Errorf("%w: %q has an unknown SameSite", ErrInvalidCookie, ck.Name)
	case !ck.Expires.IsZero() && (ck.Expires.Year() < 1601 || ck.Expires.Year() > 9999):
		return fmt.Errorf("%w: %q expires out of range", ErrInvalidCookie, ck.Name)
	}
	return nil
}

// validCookieValue checks RFC 6265's cookie-value: cookie-octets, possibly
// inside one pair of double quotes.
func validCookieValue(v string) bool {
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		v = v[1 : len(v)-1]
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c < 0x21 || c > 0x7e || c == '"' || c == ',' || c == ';' || c == '\\' {
			return false
		}
	}
	return true
}

// validCookieAttr checks a Path: any CHAR except controls and ';'.
func validCookieAttr(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 || c >= 0x7f || c == ';' {
			return false
		}
	}
	return true
}

func validCookieDomain(v string) bool {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

// findCookie looks name up in one Cookie header value ("a=1; b=2") and
// returns its value without surrounding double quotes.
func findCookie(header []byte, name string) ([]byte, bool) {
	for len(header) > 0 {
		var pair []byte
		if i := bytes.IndexByte(header, ';'); i >= 0 {
			pair, header = header[:i], header[i+1:]
		} else {
			pair, header = header, nil
		}
		pair = bytes.TrimLeft(pair, " \t")
		k, v, ok := bytes.Cut(pair, []byte("="))
		if !ok || string(bytes.TrimRight(k, " \t")) != name {
			continue
		}
		v = bytes.TrimRight(v, " \t")
		if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
			v = v[1 : len(v)-1]
		}
		return v, true
	}
	return nil, false
}
