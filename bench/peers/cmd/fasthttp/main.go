// Command fasthttp serves the benchmark contract (see package contract) with
// github.com/valyala/fasthttp in its default configuration (it writes Server and Date itself).
//
//	fasthttp -addr 127.0.0.1:8080
package main

import (
	"encoding/json"
	"flag"
	"log"

	"github.com/eddy-go/eddy/bench/peers/contract"
	"github.com/valyala/fasthttp"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	flag.Parse()
	log.Fatal(newServer().ListenAndServe(*addr))
}

var (
	plaintext = []byte(contract.Plaintext)
	textPlain = []byte("text/plain; charset=utf-8")
	appJSON   = []byte("application/json")
	octets    = []byte("application/octet-stream")
)

func newServer() *fasthttp.Server {
	return &fasthttp.Server{
		Name:               "fasthttp",
		MaxRequestBodySize: contract.MaxBody,
		Handler:            handle,
	}
}

func handle(ctx *fasthttp.RequestCtx) {
	// string(path) == "..." compares without converting (no allocation).
	path := ctx.Path()
	switch {
	case string(path) == "/plaintext" && ctx.IsGet():
		ctx.Response.Header.SetContentTypeBytes(textPlain)
		ctx.Response.SetBodyRaw(plaintext)
	case string(path) == "/json" && ctx.IsGet():
		body, err := json.Marshal(contract.Hello())
		if err != nil {
			ctx.Error(err.Error(), fasthttp.StatusInternalServerError)
			return
		}
		ctx.Response.Header.SetContentTypeBytes(appJSON)
		ctx.Response.SetBody(body)
	case string(path) == "/echo" && ctx.IsPost():
		ctx.Response.Header.SetContentTypeBytes(octets)
		ctx.Response.SetBody(ctx.Request.Body())
	case string(path) == "/plaintext" || string(path) == "/json" || string(path) == "/echo":
		ctx.Error("method not allowed", fasthttp.StatusMethodNotAllowed)
	default:
		ctx.Error("not found", fasthttp.StatusNotFound)
	}
}
