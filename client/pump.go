package client

import (
	"fmt"
	"io"
	"sync/atomic"

	"github.com/eddy-go/eddy/httpcodec"
)

// pump streams a request body that is not in memory: a goroutine reads it, one
// piece at a time, and posts each piece to the connection's loop, which writes it
// and acknowledges once the connection's output is below its high water mark
// (backpressure: a slow server slows the reading).
//
// A request that ends before its body is all sent (cancelled, timed out, the
// connection lost) stops the pump: a body that is an io.Closer is closed then
// (as net/http closes Request.Body), which unblocks a Read waiting on it (an
// io.Pipe's, a socket's). A reader that blocks in Read and cannot be closed
// keeps the pump's goroutine until Read returns, and whatever it returns is
// dropped; neither the request nor Session.Close waits for it.
type pump struct {
	acks     chan error // one acknowledgement per piece; an error stops the pump
	body     io.Reader
	s        *Session
	released atomic.Bool // the pump's count in the session's live set is given back
}

// pumpPiece is the size of the pieces read from a streamed body.
const pumpPiece = 32 << 10

// ack wakes the pump (never blocks: the pump waits for at most one).
func (p *pump) ack(err error) {
	select {
	case p.acks <- err:
	default:
	}
}

// stop stops the pump for good: it closes the body if it can (off the loop:
// a Close may block), and stops counting the pump among what Session.Close
// waits for. Loop-only.
func (p *pump) stop(err error) {
	p.ack(err)
	if c, ok := p.body.(io.Closer); ok {
		go c.Close()
	}
	p.release()
}

// release gives back the pump's count in the session's live set, once.
func (p *pump) release() {
	if p.released.CompareAndSwap(false, true) {
		p.s.liveDone()
	}
}

// startPump starts the goroutine streaming ex's body on pc. Loop-only.
func startPump(pc *pconn, ex *exchange) *pump {
	s := pc.lp.s
	ex.c.tainted = true // the pump's goroutine may outlive the call
	p := &pump{acks: make(chan error, 1), body: ex.req.Body, s: s}
	if !s.liveAdd() {
		return nil // closing: the caller's exchange is failed by the shutdown
	}
	l := pc.c.Loop()
	body, want, chunked := ex.req.Body, ex.req.ContentLength, ex.chunk
	go func() {
		defer p.release()
		buf := make([]byte, pumpPiece)
		var sent int64
		for {
			n, rerr := body.Read(buf)
			if n > 0 {
				sent += int64(n)
				piece := buf[:n]
				if !chunked && sent > want {
					rerr, piece = fmt.Errorf("client: request body longer than its ContentLength %d", want), nil
				}
				if piece != nil {
					if l.CallSoonThreadsafe(func() { pc.pumpWrite(ex, p, piece) }) != nil {
						return
					}
					if <-p.acks != nil {
						return
					}
				}
			}
			if rerr != nil {
				var err error
				switch {
				case rerr != io.EOF:
					err = fmt.Errorf("client: request body: %w", rerr)
				case !chunked && sent != want:
					err = fmt.Errorf("client: request body of %d bytes, ContentLength %d", sent, want)
				}
				_ = l.CallSoonThreadsafe(func() { pc.pumpEnd(ex, p, err) })
				return
			}
		}
	}()
	return p
}

// pumpWrite writes one piece of the streamed body. Loop-only.
func (pc *pconn) pumpWrite(ex *exchange, p *pump, piece []byte) {
	if pc.pump != p || pc.ex != ex {
		p.ack(ErrClosed)
		return
	}
	var err error
	if ex.chunk {
		var size [20]byte
		err = pc.c.Writev([][]byte{httpcodec.AppendChunkSize(size[:0], len(piece)), piece, crlf})
	} else {
		err = pc.c.Write(piece)
	}
	if err != nil {
		pc.fail(err)
		return
	}
	if pc.wpaused {
		pc.pumpWait = true // ResumeWriting acknowledges
		return
	}
	p.ack(nil)
}

// pumpEnd ends the streamed body: the last chunk, or the pump's error. Loop-only.
func (pc *pconn) pumpEnd(ex *exchange, p *pump, err error) {
	if pc.pump != p || pc.ex != ex {
		return
	}
	pc.pump = nil
	if err != nil {
		ex.trace.wroteRequest(err)
		pc.fail(err)
		return
	}
	if ex.chunk {
		if werr := pc.c.Write(lastChunk); werr != nil {
			pc.fail(werr)
			return
		}
	}
	pc.pumpDone = true
	ex.trace.wroteRequest(nil)
}

var (
	crlf      = []byte("\r\n")
	lastChunk = []byte("0\r\n\r\n")
)
