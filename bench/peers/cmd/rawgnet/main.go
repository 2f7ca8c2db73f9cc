// Command rawgnet is the floor of the comparison: a gnet v2 responder on one event loop that
// does no HTTP at all. It finds each "\r\n\r\n" in the inbound bytes and, for each, appends a
// canned response (the JSON one when the request starts with "GET /json", else plaintext) to
// one output buffer, then writes the whole batch with one Write. It ignores bodies, methods,
// keep-alive negotiation and every limit; it does not serve POST /echo. Server and Date
// headers are part of the canned bytes, rebuilt once a second.
//
//	rawgnet -addr 127.0.0.1:8080
package main

import (
	"bytes"
	"flag"
	"log"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/eddy-go/eddy/bench/peers/contract"
	"github.com/panjf2000/gnet/v2"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	flag.Parse()
	s := &server{}
	s.refresh(time.Now())
	go func() {
		for now := range time.Tick(time.Second) {
			s.refresh(now)
		}
	}()
	// One loop (Multicore off): the benchmark gives the server one core, and out is shared.
	log.Fatal(gnet.Run(s, "tcp://"+*addr, gnet.WithMulticore(false), gnet.WithReuseAddr(true)))
}

// replies are the two canned responses for one second's Date value; never mutated once built.
type replies struct {
	plaintext, json []byte
}

type server struct {
	gnet.BuiltinEventEngine
	canned atomic.Pointer[replies]
	out    []byte // the batch being built; loop-only (there is one loop)
}

var (
	headEnd    = []byte("\r\n\r\n")
	jsonPrefix = []byte("GET /json")
)

func (s *server) refresh(now time.Time) {
	date := now.UTC().Format(http.TimeFormat)
	build := func(contentType, body string) []byte {
		return []byte("HTTP/1.1 200 OK\r\nServer: rawgnet\r\nDate: " + date +
			"\r\nContent-Type: " + contentType +
			"\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body)
	}
	s.canned.Store(&replies{
		plaintext: build("text/plain; charset=utf-8", contract.Plaintext),
		json:      build("application/json", contract.JSON),
	})
}

func (s *server) OnTraffic(c gnet.Conn) gnet.Action {
	in, err := c.Peek(-1) // every buffered byte
	if err != nil {
		return gnet.Close
	}
	r := s.canned.Load()
	out := s.out[:0]
	used := 0
	for {
		i := bytes.Index(in[used:], headEnd)
		if i < 0 {
			break
		}
		if bytes.HasPrefix(in[used:], jsonPrefix) {
			out = append(out, r.json...)
		} else {
			out = append(out, r.plaintext...)
		}
		used += i + len(headEnd)
	}
	s.out = out
	if used == 0 {
		return gnet.None
	}
	if _, err := c.Discard(used); err != nil {
		return gnet.Close
	}
	if _, err := c.Write(out); err != nil { // copies what the kernel does not take
		return gnet.Close
	}
	return gnet.None
}
