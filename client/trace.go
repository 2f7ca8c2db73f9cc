package client

import (
	"net/http/httptrace"
	"time"
)

// Trace receives a request's events, named like net/http/httptrace's ClientTrace
// and using its info types. Any field may be nil. DNS and Connect events run on the
// goroutine that dials; the others on the loop that carries the request: none of
// them may block. A redirect or a retry reports its events again.
type Trace struct {
	// GetConn runs before a connection is looked for, with the "host:port" dialed.
	GetConn func(hostPort string)
	// DNSStart and DNSDone bracket the name lookup of a new connection (not run
	// for an IP literal).
	DNSStart func(httptrace.DNSStartInfo)
	DNSDone  func(httptrace.DNSDoneInfo)
	// ConnectStart and ConnectDone bracket the dial of a new connection.
	ConnectStart func(network, addr string)
	ConnectDone  func(network, addr string, err error)
	// GotConn runs once the request has a connection: Reused and WasIdle (with
	// IdleTime) for a pooled one. Conn is nil: the connection lives on a loop.
	GotConn func(httptrace.GotConnInfo)
	// WroteRequest runs once the head and the in-memory body were handed to the
	// kernel (a streamed body: once it was all written).
	WroteRequest func(httptrace.WroteRequestInfo)
	// GotFirstResponseByte runs when the first byte of the response arrives.
	GotFirstResponseByte func()
	// Done runs once the request is over: its body read to the end or closed, or
	// it failed (err). It is not in httptrace.
	Done func(err error)
}

func (t *Trace) getConn(hp string) {
	if t != nil && t.GetConn != nil {
		t.GetConn(hp)
	}
}

func (t *Trace) dnsStart(host string) {
	if t != nil && t.DNSStart != nil {
		t.DNSStart(httptrace.DNSStartInfo{Host: host})
	}
}

func (t *Trace) dnsDone(info httptrace.DNSDoneInfo) {
	if t != nil && t.DNSDone != nil {
		t.DNSDone(info)
	}
}

func (t *Trace) connectStart(addr string) {
	if t != nil && t.ConnectStart != nil {
		t.ConnectStart("tcp", addr)
	}
}

func (t *Trace) connectDone(addr string, err error) {
	if t != nil && t.ConnectDone != nil {
		t.ConnectDone("tcp", addr, err)
	}
}

func (t *Trace) gotConn(reused bool, idle time.Duration) {
	if t != nil && t.GotConn != nil {
		t.GotConn(httptrace.GotConnInfo{Reused: reused, WasIdle: reused, IdleTime: idle})
	}
}

func (t *Trace) wroteRequest(err error) {
	if t != nil && t.WroteRequest != nil {
		t.WroteRequest(httptrace.WroteRequestInfo{Err: err})
	}
}

func (t *Trace) firstByte() {
	if t != nil && t.GotFirstResponseByte != nil {
		t.GotFirstResponseByte()
	}
}

func (t *Trace) done(err error) {
	if t != nil && t.Done != nil {
		t.Done(err)
	}
}
