// Command middleware shows eddy's middleware (func(next eddy.Handler) eddy.Handler) with three
// that most services want:
//
//   - logRequests: one structured log line per request (method, path, status, duration);
//
//   - jsonErrors: any error a handler returns becomes a JSON body with its status
//     ({"error": "...", "status": 404}); an unexpected error is logged and answered 500 without
//     its text;
//
//   - securityHeaders: nosniff, frame denial, a strict referrer policy and a CSP on every
//     response, errors included.
//
//     go run ./examples/middleware
//     curl -i localhost:8080/hello
//     curl -i localhost:8080/missing
package main

import (
	"errors"
	"flag"
	"log"
	"log/slog"
	"os"
	"time"

	"github.com/eddy-go/eddy"
)

func main() {
	addr := flag.String("addr", ":8080", "listen address")
	flag.Parse()
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := newApp(eddy.Config{Logger: logger}, logger).Run(*addr); err != nil {
		log.Fatal(err)
	}
}

// newApp builds the application; main runs it and the test starts it on 127.0.0.1:0 with a
// logger it reads.
func newApp(cfg eddy.Config, logger *slog.Logger) *eddy.App {
	app := eddy.New(cfg)
	// The first is the outermost: the log line sees the status jsonErrors chose, and the
	// security headers are on the error responses too.
	app.Use(logRequests(logger), securityHeaders, jsonErrors(logger))
	app.Get("/hello", func(c *eddy.Ctx) error {
		return c.Text("hello")
	})
	app.Get("/users/{id}", func(c *eddy.Ctx) error {
		return eddy.ErrNotFound.WithMessage("no user " + c.Param("id"))
	})
	app.Get("/fail", func(c *eddy.Ctx) error {
		return errors.New("database password expired") // internal: logged, not shown
	})
	return app
}

// logRequests logs every request once it is answered. Loggers are safe for concurrent use,
// and a slog handler writing to a file or pipe is fast enough for the loop in most services;
// one that blocks (a remote sink) belongs behind a buffered, asynchronous handler.
func logRequests(logger *slog.Logger) eddy.Middleware {
	return func(next eddy.Handler) eddy.Handler {
		return func(c *eddy.Ctx) error {
			start := time.Now()
			err := next(c)
			status := c.StatusCode()
			if err != nil { // not turned into a response by an inner middleware
				status = eddy.StatusOf(err)
			}
			logger.Info("request",
				"method", c.Method(),
				"path", c.Path(),
				"status", status,
				"duration", time.Since(start))
			return err
		}
	}
}

// securityHeaders sets response headers before the handler runs, so they are on every
// response the handler or jsonErrors writes.
func securityHeaders(next eddy.Handler) eddy.Handler {
	return func(c *eddy.Ctx) error {
		c.SetHeader("X-Content-Type-Options", "nosniff")
		c.SetHeader("X-Frame-Options", "DENY")
		c.SetHeader("Referrer-Policy", "no-referrer")
		c.SetHeader("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
		return next(c)
	}
}

// errorBody is the JSON every error becomes.
type errorBody struct {
	Error  string `json:"error"`
	Status int    `json:"status"`
}

// jsonErrors turns the error a handler returns into a JSON response. An *eddy.HTTPError shows
// its message; any other error is logged and answered 500 with the status text only.
func jsonErrors(logger *slog.Logger) eddy.Middleware {
	return func(next eddy.Handler) eddy.Handler {
		return func(c *eddy.Ctx) error {
			err := next(c)
			if err == nil {
				return nil
			}
			var he *eddy.HTTPError
			body := errorBody{Status: eddy.StatusOf(err), Error: "internal server error"}
			if errors.As(err, &he) {
				body.Error = he.Text()
			} else {
				logger.Error("handler failed", "path", c.Path(), "err", err)
			}
			return c.Status(body.Status).JSON(body)
		}
	}
}
