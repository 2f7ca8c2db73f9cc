package eddy

import (
	"fmt"
	"net/url"
	"strings"
)

// URL builds the path of the route named name, filling its parameters from
// pairs of parameter names and values: app.URL("user", "id", "42") gives
// "/users/42" for a route "/users/{id}" named "user". Values are
// percent-encoded; a catch-all keeps its slashes. It fails for an unknown
// name, a missing, unknown or empty parameter, or a value its regular
// expression does not match. Safe for concurrent use after setup.
func (a *App) URL(name string, pairs ...string) (string, error) {
	r := a.top().names[name]
	if r == nil {
		return "", fmt.Errorf("eddy: no route named %q", name)
	}
	return r.URL(pairs...)
}

// URL builds the route's path from pairs of parameter names and values, as
// App.URL does.
func (r *Route) URL(pairs ...string) (string, error) {
	if len(pairs)%2 != 0 {
		return "", fmt.Errorf("eddy: URL for %s: odd number of name/value arguments", r.pattern)
	}
	used := 0
	var b strings.Builder
	for _, s := range r.segs {
		b.WriteByte('/')
		if s.kind == segStatic {
			b.WriteString(s.text)
			continue
		}
		v, ok := "", false
		for i := 0; i < len(pairs); i += 2 {
			if pairs[i] == s.text {
				v, ok = pairs[i+1], true
				break
			}
		}
		if !ok {
			return "", fmt.Errorf("eddy: URL for %s: missing parameter %q", r.pattern, s.text)
		}
		used++
		switch s.kind {
		case segParam:
			if v == "" {
				return "", fmt.Errorf("eddy: URL for %s: empty parameter %q", r.pattern, s.text)
			}
			b.WriteString(url.PathEscape(v))
		case segRegex:
			if !s.re.MatchString(v) {
				return "", fmt.Errorf("eddy: URL for %s: %q does not match {%s:%s}", r.pattern, v, s.text, s.src)
			}
			b.WriteString(url.PathEscape(v))
		case segRest:
			if !s.matchRest(v) {
				return "", fmt.Errorf("eddy: URL for %s: %q does not match {%s:%s}", r.pattern, v, s.text, s.src)
			}
			for i, part := range strings.Split(v, "/") {
				if i > 0 {
					b.WriteByte('/')
				}
				b.WriteString(url.PathEscape(part))
			}
		}
	}
	if used*2 != len(pairs) {
		return "", fmt.Errorf("eddy: URL for %s: unknown parameter among %q", r.pattern, pairs)
	}
	return b.String(), nil
}
