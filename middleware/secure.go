package middleware

import (
	"strconv"
	"time"

	"github.com/eddy-go/eddy"
)

// SecureConfig configures Secure. Its zero value sends the safe defaults
// marked below and no HSTS or CSP.
type SecureConfig struct {
	// HSTSMaxAge, when positive, sends Strict-Transport-Security with
	// this max-age (whole seconds). Send it only from a site served over
	// HTTPS (behind a TLS proxy): browsers pin the host to HTTPS.
	HSTSMaxAge time.Duration
	// HSTSIncludeSubdomains and HSTSPreload add the directives.
	HSTSIncludeSubdomains, HSTSPreload bool
	// ContentSecurityPolicy, if set, is sent as Content-Security-Policy.
	ContentSecurityPolicy string
	// ContentTypeOptions: X-Content-Type-Options. Default "nosniff";
	// "-" sends none.
	ContentTypeOptions string
	// FrameOptions: X-Frame-Options. Default "DENY"; "-" sends none.
	FrameOptions string
	// ReferrerPolicy: Referrer-Policy. Default
	// "strict-origin-when-cross-origin"; "-" sends none.
	ReferrerPolicy string
	// CrossOriginOpenerPolicy: Cross-Origin-Opener-Policy, none by
	// default ("same-origin" isolates the browsing context).
	CrossOriginOpenerPolicy string
}

// Secure returns middleware setting security headers on every response
// (echo's Secure, helmet): HSTS, Content-Security-Policy,
// X-Content-Type-Options, X-Frame-Options, Referrer-Policy and
// Cross-Origin-Opener-Policy. The headers are set before the handler
// runs, so error answers carry them and a handler may replace one
// (SetHeader) or drop it (DelHeader). The values are built once; a request
// costs the header lines only.
func Secure(cfg SecureConfig) eddy.Middleware {
	var hs [][2]string
	add := func(name, value, def string) {
		switch value {
		case "-":
			return
		case "":
			value = def
		}
		if value != "" {
			hs = append(hs, [2]string{name, value})
		}
	}
	if cfg.HSTSMaxAge > 0 {
		v := "max-age=" + strconv.FormatInt(int64(cfg.HSTSMaxAge/time.Second), 10)
		if cfg.HSTSIncludeSubdomains {
			v += "; includeSubDomains"
		}
		if cfg.HSTSPreload {
			v += "; preload"
		}
		add("Strict-Transport-Security", v, "")
	}
	add("Content-Security-Policy", cfg.ContentSecurityPolicy, "")
	add("X-Content-Type-Options", cfg.ContentTypeOptions, "nosniff")
	add("X-Frame-Options", cfg.FrameOptions, "DENY")
	add("Referrer-Policy", cfg.ReferrerPolicy, "strict-origin-when-cross-origin")
	add("Cross-Origin-Opener-Policy", cfg.CrossOriginOpenerPolicy, "")
	return func(next eddy.Handler) eddy.Handler {
		return func(c *eddy.Ctx) error {
			for _, h := range hs {
				c.AddHeader(h[0], h[1])
			}
			return next(c)
		}
	}
}
