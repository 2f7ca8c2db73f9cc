package eddy_test

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/eddytest"
)

func TestAccessLog(t *testing.T) {
	var out logBuffer
	app := eddy.New(eddy.Config{})
	app.Use(eddy.AccessLogTo(&out, `%a "%r" %s %b %{User-Agent}i %{X-Id}o %Tf`))
	app.Get("/hello", func(c *eddy.Ctx) error { return c.SetHeader("X-Id", "7").Text("hello") })
	app.Get("/later", func(c *eddy.Ctx) error {
		c.Defer()
		c.Loop().CallLater(5*time.Millisecond, func() { c.Status(202).Text("later") })
		return nil
	})
	s := eddytest.New(t, app)
	s.Get(t, "/hello?x=1", eddytest.Header("User-Agent", "probe/1"))
	s.Get(t, "/later", eddytest.Header("User-Agent", "probe/2"))
	s.Get(t, "/missing", eddytest.Header("User-Agent", "probe/3"))
	waitUntil(t, 5*time.Second, "three log lines", func() bool { return strings.Count(out.String(), "\n") == 3 })
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	wants := []string{
		`127.0.0.1 "GET /hello?x=1 HTTP/1.1" 200 5 probe/1 7 `,
		`127.0.0.1 "GET /later HTTP/1.1" 202 5 probe/2 - `,
		`127.0.0.1 "GET /missing HTTP/1.1" 404 9 probe/3 - `,
	}
	for i, w := range wants {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %d: %q, want prefix %q", i, lines[i], w)
		}
	}
}

// TestAccessLogSlog: AccessLog hands each line to a slog.Logger, as the
// message of an Info record.
func TestAccessLogSlog(t *testing.T) {
	var out logBuffer
	logger := slog.New(slog.NewTextHandler(&out, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	}))
	app := eddy.New(eddy.Config{})
	app.Use(eddy.AccessLog(logger, `"%r" %s %b`))
	app.Get("/hello", func(c *eddy.Ctx) error { return c.Text("hello") })
	s := eddytest.New(t, app)
	s.Get(t, "/hello")
	waitUntil(t, 5*time.Second, "a log record", func() bool { return strings.Contains(out.String(), "\n") })
	if got, want := out.String(), `level=INFO msg="\"GET /hello HTTP/1.1\" 200 5"`+"\n"; got != want {
		t.Fatalf("record %q, want %q", got, want)
	}
}
