package middleware

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"strings"

	"github.com/eddy-go/eddy"
)

// CSRFConfig configures CSRF.
type CSRFConfig struct {
	// TrustedOrigins may send unsafe requests besides the request's own
	// origin ("https://admin.example.com").
	TrustedOrigins []string
	// DoubleSubmit also requires, on unsafe requests, a token sent both
	// as the cookie CookieName and as the header HeaderName (or the form
	// field FormField): the double-submit pattern, for clients whose
	// requests carry no Origin.
	DoubleSubmit bool
	// CookieName, HeaderName, FormField. Defaults "_csrf",
	// "X-CSRF-Token", "_csrf".
	CookieName, HeaderName, FormField string
	// Secure marks the token cookie Secure (set it behind HTTPS).
	Secure bool
}

var (
	errCSRFOrigin = eddy.NewHTTPError(403, "cross-origin request refused")
	errCSRFToken  = eddy.NewHTTPError(403, "missing or invalid CSRF token")
	csrfTokenKey  = eddy.NewKey[string]("middleware.csrf")
)

// CSRF returns middleware refusing cross-site unsafe requests (POST, PUT,
// PATCH, DELETE and any other method but GET, HEAD, OPTIONS, TRACE) with
// 403, as Go's net/http CrossOriginProtection does: a request whose
// Sec-Fetch-Site is same-origin or none passes, one with another value is
// refused; without it, an Origin header must match the request's Host (or
// a trusted origin); a request with neither comes from a non-browser
// client and passes, unless DoubleSubmit requires the token. With
// DoubleSubmit, every response to a safe request without the cookie sets
// a fresh random token (CSRFToken returns it, for forms), and an unsafe
// request must send it back in the header or form field.
func CSRF(cfg CSRFConfig) eddy.Middleware {
	if cfg.CookieName == "" {
		cfg.CookieName = "_csrf"
	}
	if cfg.HeaderName == "" {
		cfg.HeaderName = "X-CSRF-Token"
	}
	if cfg.FormField == "" {
		cfg.FormField = "_csrf"
	}
	trusted := make(map[string]bool)
	for _, o := range cfg.TrustedOrigins {
		trusted[strings.ToLower(strings.TrimSuffix(o, "/"))] = true
	}
	return func(next eddy.Handler) eddy.Handler {
		return func(c *eddy.Ctx) error {
			safe := false
			switch c.Method() {
			case "GET", "HEAD", "OPTIONS", "TRACE":
				safe = true
			}
			if !safe {
				if !originOK(c, trusted) {
					return errCSRFOrigin
				}
			}
			if !cfg.DoubleSubmit {
				return next(c)
			}
			cookie, has := c.CookieBytes(cfg.CookieName)
			if !safe {
				sent := c.Header(cfg.HeaderName)
				if sent == "" {
					sent = c.FormValue(cfg.FormField)
				}
				if !has || len(cookie) < 16 || subtle.ConstantTimeCompare(cookie, []byte(sent)) != 1 {
					return errCSRFToken
				}
				csrfTokenKey.Set(c, sent)
				return next(c)
			}
			tok := string(cookie)
			if !has || len(cookie) < 16 {
				tok = newToken()
				_ = c.SetCookie(&eddy.Cookie{Name: cfg.CookieName, Value: tok, Path: "/",
					Secure: cfg.Secure, SameSite: eddy.SameSiteLax})
			}
			csrfTokenKey.Set(c, tok)
			return next(c)
		}
	}
}

// CSRFToken returns the request's CSRF token (with DoubleSubmit), to put
// in a form's hidden field or give to a script; "" without one.
func CSRFToken(c *eddy.Ctx) string {
	t, _ := csrfTokenKey.Get(c)
	return t
}

// originOK applies the origin check to an unsafe request.
func originOK(c *eddy.Ctx, trusted map[string]bool) bool {
	if site, ok := c.HeaderBytes("Sec-Fetch-Site"); ok {
		s := string(site)
		if s == "same-origin" || s == "none" {
			return true
		}
		return trusted[strings.ToLower(c.Header("Origin"))]
	}
	origin, ok := c.HeaderBytes("Origin")
	if !ok {
		return true // not a browser (browsers send Origin on unsafe requests)
	}
	o := strings.ToLower(string(origin))
	if trusted[o] {
		return true
	}
	host := c.Host()
	if h := ClientOf(c).Host; h != "" {
		host = h // behind a trusted proxy (Proxy): the host the client asked for
	}
	_, hostPart, found := strings.Cut(o, "://")
	return found && hostPart == strings.ToLower(host)
}

func newToken() string {
	var b [24]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}
