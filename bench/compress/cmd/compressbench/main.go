// Command compressbench serves one 20 KiB JSON body at /json through one
// framework's gzip compression middleware, for run.sh to load with wrk:
//
//	compressbench -server eddy|fasthttp|echo -addr 127.0.0.1:8090
//
// eddy: middleware.Compress, gzip only (klauspost/compress, its default
// level 5). fasthttp: fasthttp.CompressHandlerLevel at level 6, which is
// what fiber's compress middleware calls (fiber v2 and v3 wrap fasthttp's
// compression; fiber itself is not fetched: the module proxy here does
// not hold an approved fiber release). echo: middleware.Gzip at its
// default level (6, the standard library's compress/gzip). Every server
// copies the same precomputed body, so the figures compare the
// compression middleware and the HTTP engine under it.
package main

import (
	"flag"
	"fmt"
	"log"
	"net/http"
	"strings"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/middleware"
	"github.com/labstack/echo/v4"
	echomw "github.com/labstack/echo/v4/middleware"
	"github.com/valyala/fasthttp"
)

// body is a 20 KiB JSON document of varied records (not one record
// repeated, which would compress unrealistically well).
var body = func() []byte {
	var b strings.Builder
	b.WriteString(`{"items":[`)
	for i := 0; b.Len() < 20<<10; i++ {
		fmt.Fprintf(&b, `{"id":%d,"name":"user-%x","score":%d.%d,"tags":["t%d","go"]},`, i*7919, i*2654435761, i*31%977, i%10, i%13)
	}
	b.WriteString(`{}]}`)
	return []byte(b.String())
}()

func main() {
	server := flag.String("server", "eddy", "eddy, fasthttp or echo")
	addr := flag.String("addr", "127.0.0.1:8090", "listen address")
	flag.Parse()
	switch *server {
	case "eddy":
		app := eddy.New(eddy.Config{})
		app.Use(middleware.Compress(middleware.CompressConfig{Encoders: []middleware.Encoder{middleware.Gzip(0)}}))
		app.Get("/json", func(c *eddy.Ctx) error { return c.Blob("application/json", body) })
		log.Fatal(app.Run(*addr))
	case "fasthttp":
		h := fasthttp.CompressHandlerLevel(func(ctx *fasthttp.RequestCtx) {
			ctx.Response.Header.SetContentType("application/json")
			ctx.Response.SetBody(body)
		}, fasthttp.CompressDefaultCompression)
		log.Fatal(fasthttp.ListenAndServe(*addr, h))
	case "echo":
		e := echo.New()
		e.HideBanner, e.HidePort = true, true
		e.Use(echomw.Gzip())
		e.GET("/json", func(c echo.Context) error { return c.Blob(http.StatusOK, "application/json", body) })
		log.Fatal(e.Start(*addr))
	default:
		log.Fatalf("unknown -server %q", *server)
	}
}
