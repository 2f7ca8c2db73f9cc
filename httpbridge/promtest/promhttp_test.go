package promtest

import (
	"bytes"
	"compress/gzip"
	"io"
	"strings"
	"testing"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/eddytest"
	"github.com/eddy-go/eddy/httpbridge"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

func TestPromhttp(t *testing.T) {
	reg := prometheus.NewRegistry()
	hits := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "eddy_hits_total", Help: "Hits."}, []string{"path"})
	reg.MustRegister(hits)
	app := eddy.New(eddy.Config{})
	app.Use(func(next eddy.Handler) eddy.Handler {
		return func(c *eddy.Ctx) error {
			hits.WithLabelValues(c.Path()).Inc()
			return next(c)
		}
	})
	app.Get("/hello", func(c *eddy.Ctx) error { return c.Text("hi") })
	httpbridge.Mount(app, "/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	s := eddytest.New(t, app)
	for range 3 {
		s.Get(t, "/hello")
	}
	r := s.Get(t, "/metrics", eddytest.Header("Accept-Encoding", "identity"))
	if r.Status != 200 || !strings.Contains(r.Text(), `eddy_hits_total{path="/hello"} 3`) ||
		!strings.HasPrefix(r.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("metrics: %d %s\n%s", r.Status, r.Header.Get("Content-Type"), r.Body)
	}
	// promhttp compresses itself when asked; the bridge passes its coding.
	r = s.Get(t, "/metrics", eddytest.Header("Accept-Encoding", "gzip"))
	if r.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("Content-Encoding %q", r.Header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(bytes.NewReader(r.Body))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(zr)
	if !strings.Contains(string(b), "eddy_hits_total") {
		t.Fatalf("gzipped metrics: %q", b)
	}
}
