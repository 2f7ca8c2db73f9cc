package httpbridge

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/eddy-go/eddy"
)

// Bridge is an eddy app served to a net/http server (NewHTTPHandler).
type Bridge struct {
	app   *eddy.App
	proxy *httputil.ReverseProxy
	tr    *http.Transport
	dir   string // the unix socket's directory, removed by Shutdown
}

// NewHTTPHandler starts app on a private address (127.0.0.1:0 for a tcp
// app; a socket in a fresh temporary directory for a unix one) and
// returns a Bridge whose ServeHTTP forwards each request to it. Put it in
// an http.Server (with TLS, or HTTP/2) as its Handler; call Shutdown when
// that server is done. Responses are flushed as the app writes them.
func NewHTTPHandler(app *eddy.App) (*Bridge, error) {
	b := &Bridge{app: app}
	addr := "127.0.0.1:0"
	if app.Config().Network == "unix" {
		dir, err := os.MkdirTemp("", "eddybridge")
		if err != nil {
			return nil, fmt.Errorf("httpbridge: %w", err)
		}
		b.dir = dir
		addr = filepath.Join(dir, "s")
	}
	if err := app.Start(addr); err != nil {
		b.cleanup()
		return nil, fmt.Errorf("httpbridge: starting the app: %w", err)
	}
	network, target := app.Config().Network, app.Addr().String()
	var d net.Dialer
	b.tr = &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return d.DialContext(ctx, network, target)
		},
		MaxIdleConnsPerHost: 256,
		IdleConnTimeout:     60 * time.Second, // below eddy's 75 s keep-alive
		DisableCompression:  true,             // pass Accept-Encoding and the app's coding through
	}
	backend := &url.URL{Scheme: "http", Host: "eddy"}
	b.proxy = &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(backend)
			r.Out.Host = r.In.Host
			r.SetXForwarded()
		},
		Transport:     b.tr,
		FlushInterval: -1, // flush every write: streams stream
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			w.WriteHeader(http.StatusBadGateway)
		},
	}
	return b, nil
}

// ServeHTTP forwards r to the app. Safe for concurrent use.
func (b *Bridge) ServeHTTP(w http.ResponseWriter, r *http.Request) { b.proxy.ServeHTTP(w, r) }

// App returns the app being served.
func (b *Bridge) App() *eddy.App { return b.app }

// Shutdown stops the app gracefully (App.Shutdown) and closes the
// bridge's idle connections.
func (b *Bridge) Shutdown(ctx context.Context) error {
	b.tr.CloseIdleConnections()
	err := b.app.Shutdown(ctx)
	b.cleanup()
	return err
}

func (b *Bridge) cleanup() {
	if b.dir != "" {
		os.RemoveAll(b.dir)
	}
}
