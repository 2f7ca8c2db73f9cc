package client

import (
	"fmt"
	"io"

	"github.com/eddy-go/eddy/httpcodec"
)

// pump streams a request body that is not in memory: a goroutine reads it, one
// piece at a time, and posts each piece to the connection's loop, which writes it
// and acknowledges once the connection's output is below its high water mark
// (backpressure: a slow server slows the reading).
type pump struct {
	acks chan error // one acknowledgement per piece; an error stops the pump
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

// startPump starts the goroutine streaming ex's body on pc. Loop-only.
func startPump(pc *pconn, ex *exchange) *pump {
	p := &pump{acks: make(chan error, 1)}
	s := pc.lp.s
	if !s.liveAdd() {
		return nil // closing: the caller's exchange is failed by the shutdown
	}
	l := pc.c.Loop()
	body, want, chunked := ex.req.Body, ex.req.ContentLength, ex.chunk
	go func() {
		defer s.liveDone()
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
