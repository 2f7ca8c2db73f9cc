package client

import "net/http"

// exchange is one request on one connection (one hop of a call), on its loop.
// Every field is loop-owned.
type exchange struct {
	c     *call
	lp    *loopPool
	hp    *hostPool
	req   *Request
	addr  string // host:port dialed
	head  []byte // the request head, serialized
	close bool   // the request asked for Connection: close
	chunk bool   // the streamed body is sent chunked
	trace *Trace

	pc                *pconn
	queued, dialing   bool
	reused, retried   bool
	gotByte, headDone bool
	noRetry           bool
	over              bool // end ran

	mode sinkMode
	sb   *streamBody // mode sinkStream
	buf  []byte      // mode sinkBuffer
	n    int64       // bytes discarded (mode sinkDiscard)

	vpc     *pconn // a view's connection, whose head the View reads in place
	inPlace bool   // buf is a view of the loop's input, not a buffer of ours
}

type sinkMode uint8

const (
	sinkDiscard sinkMode = iota // a redirect's body: dropped, bounded by maxDiscard
	sinkStream                  // to a streamBody read by a goroutine
	sinkBuffer                  // collected whole (Start), bounded by MaxBodyBuffered
)

// maxDiscard bounds the body of a redirect that is read (and dropped) to keep
// its connection; a larger one closes the connection.
const maxDiscard = 64 << 10

// gotHead hands the response head to the call, which picks the sink mode.
func (ex *exchange) gotHead(resp *Response) {
	ex.headDone = true
	ex.c.onHead(ex, resp)
}

// room is how many body bytes the exchange takes now; 0: pause reading.
func (ex *exchange) room() int {
	if ex.mode == sinkStream {
		return ex.sb.room()
	}
	return 1 << 30
}

// body takes body bytes (loop memory: copied or dropped, never kept); a stream
// takes at most room().
func (ex *exchange) body(p []byte) error {
	switch ex.mode {
	case sinkStream:
		ex.sb.push(p)
	case sinkBuffer:
		if int64(len(ex.buf)+len(p)) > ex.lp.s.cfg.MaxBodyBuffered {
			return ErrBodyTooLarge
		}
		ex.buf = append(ex.buf, p...)
	default:
		ex.n += int64(len(p))
		if ex.n > maxDiscard {
			return errDiscarded
		}
	}
	return nil
}

// end ends the exchange once: err nil for a complete response.
func (ex *exchange) end(err error) {
	if ex.over {
		return
	}
	ex.over = true
	if ex.head != nil { // written (the loop copies what the kernel does not take) and never sent again
		ex.lp.putHead(ex.head)
		ex.head = nil
	}
	ex.c.onEnd(ex, err)
}

// connFailed is the connection failing under ex: a stale keep-alive connection
// (reused, nothing received) is replaced once for an idempotent request with a
// body it can send again; anything else ends the exchange.
func (ex *exchange) connFailed(err error) {
	if ex.over {
		return
	}
	if ex.reused && !ex.gotByte && !ex.retried && !ex.noRetry && ex.idempotent() {
		ex.retried, ex.reused = true, false
		ex.lp.s.log.Debug("client: retrying on a new connection", "method", ex.req.Method, "host", ex.hp.key, "err", err)
		ex.lp.acquire(ex)
		return
	}
	ex.end(err)
}

// fail ends the exchange from outside (timeout, cancellation, Close, a body
// closed early), closing its connection if it has one.
func (ex *exchange) fail(err error) {
	if ex.over {
		return
	}
	ex.noRetry = true
	switch {
	case ex.queued:
		ex.lp.unqueue(ex)
	case ex.pc != nil:
		ex.pc.fail(err)
		return
	}
	ex.end(err)
}

func (ex *exchange) idempotent() bool {
	switch ex.req.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace, http.MethodPut, http.MethodDelete:
		return ex.req.replayable()
	}
	return false
}
