package middleware

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/eddy-go/eddy"
)

// SessionConfig configures Sessions.
type SessionConfig struct {
	// Keys sign the cookie with HMAC-SHA256: Keys[0] signs, every key
	// verifies (add a new key first to rotate, drop the old one later).
	// Each must be at least 32 bytes. Required.
	Keys [][]byte
	// CookieName. Default "EDDY_SESSION".
	CookieName string
	// MaxAge is the session's lifetime from its creation; a cookie older
	// than that is ignored (a new, empty session starts). Default 24 h.
	MaxAge time.Duration
	// Path, Domain, Secure, SameSite of the cookie (default Path "/",
	// SameSite Lax). The cookie is always HttpOnly.
	Path, Domain string
	Secure       bool
	SameSite     eddy.SameSite
	// MaxCookieSize bounds the encoded cookie: a session too large to fit
	// is not saved (the error is logged; the response goes out without
	// the cookie) rather than sent in a cookie browsers drop. Default 4000
	// bytes.
	MaxCookieSize int
}

// Session is one client's session (aiohttp-session's Session): a map of
// JSON values kept in a signed cookie. The client can read it (it is
// signed, not encrypted): keep secrets out of it. Get one with
// SessionOf; it is saved when the response is sent, if it changed.
type Session struct {
	// Values are the session's data; changing the map directly needs
	// Changed to be saved.
	Values map[string]any
	// Created is when the session started.
	Created time.Time
	// New reports a session that did not come from the request's cookie.
	New bool

	changed, invalid bool
}

// Get returns a value, nil if absent.
func (s *Session) Get(key string) any { return s.Values[key] }

// Set stores a value (JSON-encodable) and marks the session changed.
func (s *Session) Set(key string, v any) {
	if s.Values == nil {
		s.Values = make(map[string]any)
	}
	s.Values[key] = v
	s.changed = true
}

// Delete removes a value and marks the session changed.
func (s *Session) Delete(key string) {
	delete(s.Values, key)
	s.changed = true
}

// Changed marks the session for saving (after changing Values directly).
func (s *Session) Changed() { s.changed = true }

// Invalidate empties the session and deletes its cookie (logout).
func (s *Session) Invalidate() {
	clear(s.Values)
	s.invalid, s.changed = true, true
}

type sessions struct {
	cfg      SessionConfig
	prepareF func(*eddy.Ctx)
}

// b64 decodes strictly: one text per value, so no two cookies verify
// alike.
var b64 = base64.RawURLEncoding.Strict()

var sessionKey = eddy.NewKey[*Session]("middleware.session")

var errSessionTooLarge = errors.New("middleware: session cookie too large")

// Sessions returns middleware giving each request a Session kept in a
// signed cookie (aiohttp-session with a cookie storage). The cookie is
// read lazily, on the first SessionOf, and written just before the
// response head if the session changed: a request that never touches its
// session costs nothing.
func Sessions(cfg SessionConfig) eddy.Middleware {
	if len(cfg.Keys) == 0 {
		panic("middleware: Sessions without Keys")
	}
	for _, k := range cfg.Keys {
		if len(k) < 32 {
			panic("middleware: Sessions: a key shorter than 32 bytes")
		}
	}
	if cfg.CookieName == "" {
		cfg.CookieName = "EDDY_SESSION"
	}
	if cfg.MaxAge <= 0 {
		cfg.MaxAge = 24 * time.Hour
	}
	if cfg.Path == "" {
		cfg.Path = "/"
	}
	if cfg.SameSite == eddy.SameSiteDefault {
		cfg.SameSite = eddy.SameSiteLax
	}
	if cfg.MaxCookieSize <= 0 {
		cfg.MaxCookieSize = 4000
	}
	s := &sessions{cfg: cfg}
	s.prepareF = s.save
	return func(next eddy.Handler) eddy.Handler {
		return func(c *eddy.Ctx) error {
			storeKey.Set(c, s)
			c.OnPrepare(s.prepareF)
			return next(c)
		}
	}
}

var storeKey = eddy.NewKey[*sessions]("middleware.session.store")

// SessionOf returns the request's session (aiohttp-session's
// get_session), loading it from the cookie on first use; a request
// without a valid cookie gets a new, empty one. It panics without the
// Sessions middleware (a setup error).
func SessionOf(c *eddy.Ctx) *Session {
	if sess, ok := sessionKey.Get(c); ok {
		return sess
	}
	s, ok := storeKey.Get(c)
	if !ok {
		panic("middleware: SessionOf without the Sessions middleware")
	}
	sess := s.load(c)
	sessionKey.Set(c, sess)
	return sess
}

// payload is what the cookie carries.
type payload struct {
	Created int64          `json:"c"`
	Values  map[string]any `json:"v"`
}

func (s *sessions) load(c *eddy.Ctx) *Session {
	now := time.Now()
	if raw, ok := c.CookieBytes(s.cfg.CookieName); ok {
		if p, ok := s.verify(string(raw)); ok {
			created := time.Unix(p.Created, 0)
			if now.Sub(created) < s.cfg.MaxAge && !created.After(now.Add(time.Minute)) {
				if p.Values == nil {
					p.Values = make(map[string]any)
				}
				return &Session{Values: p.Values, Created: created}
			}
		}
	}
	return &Session{Values: make(map[string]any), Created: now, New: true}
}

// sign returns the cookie value for p: payload "." MAC, both base64url.
func (s *sessions) sign(p []byte) string {
	m := hmac.New(sha256.New, s.cfg.Keys[0])
	enc := base64.RawURLEncoding.EncodeToString(p)
	m.Write([]byte(enc))
	return enc + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// verify checks a cookie value against every key and decodes it.
func (s *sessions) verify(v string) (payload, bool) {
	var p payload
	enc, macText, ok := strings.Cut(v, ".")
	if !ok || len(v) > 2*s.cfg.MaxCookieSize {
		return p, false
	}
	mac, err := b64.DecodeString(macText)
	if err != nil {
		return p, false
	}
	good := false
	for _, k := range s.cfg.Keys {
		m := hmac.New(sha256.New, k)
		m.Write([]byte(enc))
		if hmac.Equal(mac, m.Sum(nil)) {
			good = true
			break
		}
	}
	if !good {
		return p, false
	}
	raw, err := b64.DecodeString(enc)
	if err != nil || json.Unmarshal(raw, &p) != nil {
		return p, false
	}
	return p, true
}

// save writes the cookie of a changed session, before the head is sent.
func (s *sessions) save(c *eddy.Ctx) {
	sess, ok := sessionKey.Get(c)
	if !ok || !sess.changed {
		return
	}
	ck := &eddy.Cookie{Name: s.cfg.CookieName, Path: s.cfg.Path, Domain: s.cfg.Domain,
		Secure: s.cfg.Secure, HttpOnly: true, SameSite: s.cfg.SameSite}
	if sess.invalid {
		sess.changed = false
		ck.Value, ck.MaxAge = "", -1
		_ = c.SetCookie(ck)
		return
	}
	sess.changed = false // saved once, even if the error handler prepares another answer
	raw, err := json.Marshal(payload{Created: sess.Created.Unix(), Values: sess.Values})
	if err != nil {
		c.App().Logger().Error("middleware: session not saved", "error", err)
		return
	}
	ck.Value = s.sign(raw)
	if len(ck.Value) > s.cfg.MaxCookieSize {
		c.App().Logger().Error("middleware: session not saved", "error", errSessionTooLarge, "size", len(ck.Value))
		return
	}
	ck.MaxAge = int(s.cfg.MaxAge / time.Second)
	_ = c.SetCookie(ck)
}
