package middleware

import (
	"crypto/rand"
	"encoding/hex"

	"github.com/eddy-go/eddy"
)

// RequestIDConfig configures RequestID.
type RequestIDConfig struct {
	// Header carries the ID in the request and the response. Default
	// "X-Request-ID".
	Header string
	// Generate makes an ID for a request that brings none (or an invalid
	// one). Default: 16 random bytes in hex.
	Generate func() string
	// IgnoreIncoming always generates, never trusting the client's ID
	// (use it when clients are not your own proxies).
	IgnoreIncoming bool
}

var requestIDKey = eddy.NewKey[string]("middleware.request-id")

// RequestID returns middleware giving every request an ID: the one the
// request brings in Header (when it is 1 to 128 visible ASCII characters),
// else a generated one. The ID is echoed in the response's Header (errors
// included), stored for RequestIDOf, and so logged by an access log
// format with %{X-Request-ID}o. Put it outside the access log and the
// other middleware that want the ID.
func RequestID(cfg RequestIDConfig) eddy.Middleware {
	name := cfg.Header
	if name == "" {
		name = "X-Request-ID"
	}
	gen := cfg.Generate
	if gen == nil {
		gen = randomID
	}
	return func(next eddy.Handler) eddy.Handler {
		return func(c *eddy.Ctx) error {
			var id string
			if !cfg.IgnoreIncoming {
				if v, ok := c.HeaderBytes(name); ok && validID(v) {
					id = string(v)
				}
			}
			if id == "" {
				id = gen()
			}
			requestIDKey.Set(c, id)
			c.SetHeader(name, id)
			return next(c)
		}
	}
}

// RequestIDOf returns the request's ID set by RequestID, "" without one.
func RequestIDOf(c *eddy.Ctx) string {
	id, _ := requestIDKey.Get(c)
	return id
}

func validID(v []byte) bool {
	if len(v) == 0 || len(v) > 128 {
		return false
	}
	for _, b := range v {
		if b <= ' ' || b >= 0x7f {
			return false
		}
	}
	return true
}

func randomID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b[:])
}
