package eddy

import (
	"bytes"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/eddy-go/eddy/internal/h1"
	"github.com/eddy-go/eddy/loop"
)

// bareHandler is the h1 engine with no application: every request gets a
// canned response. It is the baseline BenchmarkPipelined measures the
// root package's cost against (router, Ctx, middleware, error handling).
type bareHandler struct{}

var bareBody = []byte("Hello, World!")

var bareHdr = []byte("Content-Type: text/plain; charset=utf-8\r\n")

func (bareHandler) Route(x *h1.Exchange) h1.Plan { return h1.Plan{} }

func (bareHandler) Serve(x *h1.Exchange) { x.Respond(200, bareHdr, bareBody) }

func (bareHandler) Release(x *h1.Exchange) {}

// BenchmarkPipelined sends batches of 16 pipelined requests on one
// connection to a one-loop server: the bare engine, then the App on a
// static and a parameter route. ns/op is per request, client included;
// compare the sub-benchmarks of one run.
func BenchmarkPipelined(b *testing.B) {
	const depth = 16
	bare, err := loop.New(loop.Config{Addr: "127.0.0.1:0", Loops: 1}, h1.NewFactory(h1.Config{ServerName: "eddy"}, bareHandler{}))
	if err != nil {
		b.Fatal(err)
	}
	if err := bare.Start(); err != nil {
		b.Fatal(err)
	}
	defer bare.Stop(b.Context())
	app := New(Config{Loops: 1, ServerName: "eddy"})
	app.Get("/plaintext", func(c *Ctx) error { return c.Text("Hello, World!") })
	app.Get("/users/{id}", func(c *Ctx) error { return c.Blob("text/plain; charset=utf-8", c.ParamBytes("id")) })
	if err := app.Start("127.0.0.1:0"); err != nil {
		b.Fatal(err)
	}
	defer app.Shutdown(b.Context())

	cases := []struct {
		name string
		addr net.Addr
		req  string
		body string
	}{
		{"bare-h1", bare.Addr(), "GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n", "Hello, World!"},
		{"app-plaintext", app.Addr(), "GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n", "Hello, World!"},
		{"app-param", app.Addr(), "GET /users/Hello,%20World! HTTP/1.1\r\nHost: x\r\n\r\n", "Hello, World!"},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			c, err := net.Dial("tcp", tc.addr.String())
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			batch := []byte(strings.Repeat(tc.req, depth))
			// One response's length, to read whole batches.
			c.Write([]byte(tc.req))
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			var one []byte
			tmp := make([]byte, 4096)
			for !bytes.HasSuffix(one, []byte(tc.body)) {
				n, err := c.Read(tmp)
				if err != nil {
					b.Fatal(err)
				}
				one = append(one, tmp[:n]...)
			}
			c.SetReadDeadline(time.Time{})
			buf := make([]byte, len(one)*depth)
			b.ReportAllocs()
			b.SetBytes(int64(len(one)))
			b.ResetTimer()
			for i := 0; i < b.N; i += depth {
				if _, err := c.Write(batch); err != nil {
					b.Fatal(err)
				}
				if _, err := io.ReadFull(c, buf); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
