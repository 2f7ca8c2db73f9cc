// Command rawgnet is the floor of the comparison: a gnet v2 responder that does almost no
// HTTP. It finds each "\r\n\r\n" in the inbound bytes and, for each, appends a canned
// response (the JSON one when the request starts with "GET /json", else plaintext) to one
// output buffer, then writes the whole batch with one Write. A request starting with
// "POST /echo" is answered with its body, found by the first "Content-Length:" header
// (exact case, as wrk and Go's client send it; at most 4 MiB, else 413 and close). It
// ignores methods, keep-alive negotiation and every other limit. Server and Date headers
// are part of the canned bytes, rebuilt once a second.
//
//	rawgnet -addr 127.0.0.1:8080 [-loops 1]
package main

import (
	"bytes"
	"flag"
	"log"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/eddy-go/eddy/bench/peers/contract"
	"github.com/panjf2000/gnet/v2"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	loops := flag.Int("loops", 1, "event loops")
	flag.Parse()
	s := &server{multi: *loops > 1}
	s.refresh(time.Now())
	go func() {
		for now := range time.Tick(time.Second) {
			s.refresh(now)
		}
	}()
	log.Fatal(gnet.Run(s, "tcp://"+*addr, gnet.WithNumEventLoop(*loops), gnet.WithReuseAddr(true)))
}

// replies are the two canned responses for one second's Date value; never mutated once built.
type replies struct {
	plaintext, json []byte
	echoHead        []byte // up to the Content-Length value
}

type server struct {
	gnet.BuiltinEventEngine
	canned atomic.Pointer[replies]
	multi  bool      // several loops: each batch takes a buffer from bufs instead of out
	out    []byte    // the batch being built, with one loop
	bufs   sync.Pool // *[]byte batch buffers, with several loops
}

var (
	headEnd       = []byte("\r\n\r\n")
	jsonPrefix    = []byte("GET /json")
	echoPrefix    = []byte("POST /echo")
	contentLength = []byte("\r\nContent-Length:")
	tooLarge      = []byte("HTTP/1.1 413 Request Entity Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
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
		echoHead: []byte("HTTP/1.1 200 OK\r\nServer: rawgnet\r\nDate: " + date +
			"\r\nContent-Type: application/octet-stream\r\nContent-Length: "),
	})
}

func (s *server) OnTraffic(c gnet.Conn) gnet.Action {
	in, err := c.Peek(-1) // every buffered byte
	if err != nil {
		return gnet.Close
	}
	r := s.canned.Load()
	var bp *[]byte
	out := s.out[:0]
	if s.multi {
		bp, _ = s.bufs.Get().(*[]byte)
		if bp == nil {
			bp = new([]byte)
		}
		out = (*bp)[:0]
	}
	used := 0
	act := gnet.None
	for {
		i := bytes.Index(in[used:], headEnd)
		if i < 0 {
			break
		}
		req := in[used:]
		end := i + len(headEnd)
		switch {
		case bytes.HasPrefix(req, jsonPrefix):
			out = append(out, r.json...)
		case bytes.HasPrefix(req, echoPrefix):
			n := bodyLen(req[:end])
			if n > contract.MaxBody {
				out = append(out, tooLarge...)
				act = gnet.Close
				break
			}
			if len(req) < end+n {
				goto flush // the body is not all here yet
			}
			out = append(out, r.echoHead...)
			out = strconv.AppendInt(out, int64(n), 10)
			out = append(out, "\r\n\r\n"...)
			out = append(out, req[end:end+n]...)
			end += n
		default:
			out = append(out, r.plaintext...)
		}
		used += end
		if act == gnet.Close {
			break
		}
	}
flush:
	if s.multi {
		*bp = out
		defer s.bufs.Put(bp)
	} else {
		s.out = out
	}
	if used == 0 {
		return act
	}
	if _, err := c.Discard(used); err != nil {
		return gnet.Close
	}
	if _, err := c.Write(out); err != nil { // copies what the kernel does not take
		return gnet.Close
	}
	return act
}

// bodyLen is the value of the first Content-Length header in head, 0 if there is none.
func bodyLen(head []byte) int {
	i := bytes.Index(head, contentLength)
	if i < 0 {
		return 0
	}
	n := 0
	for _, b := range bytes.TrimLeft(head[i+len(contentLength):], " ") {
		if b < '0' || b > '9' || n > contract.MaxBody {
			break
		}
		n = n*10 + int(b-'0')
	}
	return n
}
