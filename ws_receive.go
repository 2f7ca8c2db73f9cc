package eddy

import (
	"context"
	"fmt"
	"iter"
	"time"

	"github.com/eddy-go/eddy/loop"
)

// Receive waits for the next message of a WSFunc's WebSocket and returns
// it; its Data is the caller's. It returns ctx's error when ctx ends first,
// ErrWSReceiveTimeout after WSConfig.ReceiveTimeout without a message
// (the WebSocket stays open), and a *WSCloseError (wrapping ErrWSClosed)
// once the peer closed or the connection is gone. In a WSCallbacks
// WebSocket, whose messages go to OnMessage, it returns ErrWSClosed at once.
// Safe for concurrent use (concurrent receivers each get different
// messages).
func (w *WebSocket) Receive(ctx context.Context) (WSMessage, error) {
	if w.wr.fn == nil {
		return WSMessage{}, ErrWSClosed
	}
	var timeout <-chan time.Time
	if d := w.wr.cfg.ReceiveTimeout; d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timeout = t.C
	}
	for {
		w.mu.Lock()
		if len(w.ext.rx.inbox) > 0 {
			m := w.ext.rx.inbox[0]
			w.ext.rx.inbox[0] = WSMessage{}
			w.ext.rx.inbox = w.ext.rx.inbox[1:]
			if len(w.ext.rx.inbox) == 0 {
				w.ext.rx.inbox = w.ext.rx.inbox[:0:0] // let the array go; the next append starts fresh
			}
			w.ext.rx.inboxBytes -= len(m.Data)
			resume := w.ext.rx.readPaused && !w.inboxFullLocked()
			if resume {
				w.ext.rx.readPaused = false
			}
			more := len(w.ext.rx.inbox) > 0
			w.mu.Unlock()
			if resume {
				_ = w.lc.Handle().Post(resumeReading)
			}
			if more {
				w.signal() // the wake-up holds one signal: pass it on to another receiver
			}
			return m, nil
		}
		if w.flag(wsfGone) || w.flag(wsfPeerClosed) && w.wr.cfg.NoAutoClose {
			err := &WSCloseError{Code: int(w.code), Reason: w.closeReasonLocked()}
			w.mu.Unlock()
			return WSMessage{}, err
		}
		w.mu.Unlock()
		select {
		case <-w.ext.rx.wake:
		case <-w.ext.rx.done:
			// Gone: the next turn returns what is still queued, then the close.
		case <-ctx.Done():
			return WSMessage{}, ctx.Err()
		case <-timeout:
			return WSMessage{}, ErrWSReceiveTimeout
		}
	}
}

// resumeReading reads the connection again once the WSFunc caught up,
// and starts the heartbeat again from now: while reading was paused the
// peer's pongs could not be seen. Loop-only. One function for every
// WebSocket (it finds the WebSocket as its connection's protocol), not a
// closure kept by each.
func resumeReading(c *loop.Conn) {
	if w, ok := c.Protocol().(*WebSocket); ok {
		w.readStopped = false
		w.lastRead = c.Loop().Time()
		w.pingAt = 0
		w.rearm()
	}
	c.ResumeReading()
}

// ReceiveText receives a message that must be text and returns it as a
// string. Safe for concurrent use, as Receive.
func (w *WebSocket) ReceiveText(ctx context.Context) (string, error) {
	m, err := w.Receive(ctx)
	if err != nil {
		return "", err
	}
	if m.Type != WSText {
		return "", fmt.Errorf("eddy: WebSocket: received a %s message, want text", m.Type)
	}
	return string(m.Data), nil
}

// ReceiveBytes receives a message that must be binary and returns its
// data. Safe for concurrent use, as Receive.
func (w *WebSocket) ReceiveBytes(ctx context.Context) ([]byte, error) {
	m, err := w.Receive(ctx)
	if err != nil {
		return nil, err
	}
	if m.Type != WSBinary {
		return nil, fmt.Errorf("eddy: WebSocket: received a %s message, want binary", m.Type)
	}
	return m.Data, nil
}

// ReceiveJSON receives a data message and decodes it as JSON into v.
// Safe for concurrent use, as Receive.
func (w *WebSocket) ReceiveJSON(ctx context.Context, v any) error {
	m, err := w.Receive(ctx)
	if err != nil {
		return err
	}
	if m.Type != WSText && m.Type != WSBinary {
		return fmt.Errorf("eddy: WebSocket: received a %s message, want JSON", m.Type)
	}
	return m.JSON(v)
}

// Messages returns the messages of a WSFunc's WebSocket, for a range loop:
// the loop ends when the WebSocket closes (or ReceiveTimeout passes; the
// WebSocket stays open then). CloseCode tells how it closed.
//
//	for m := range ws.Messages() { ... }
//
// Safe for concurrent use, as Receive.
func (w *WebSocket) Messages() iter.Seq[WSMessage] {
	return func(yield func(WSMessage) bool) {
		for {
			m, err := w.Receive(context.Background())
			if err != nil || !yield(m) {
				return
			}
		}
	}
}

// enqueue copies m into the WSFunc's queue. Loop-only.
func (w *WebSocket) enqueue(m WSMessage) {
	m.Data = append([]byte(nil), m.Data...)
	w.mu.Lock()
	w.ext.rx.inbox = append(w.ext.rx.inbox, m)
	w.ext.rx.inboxBytes += len(m.Data)
	w.mu.Unlock()
	w.signal()
}

// signal wakes a waiting Receive.
func (w *WebSocket) signal() {
	select {
	case w.ext.rx.wake <- struct{}{}:
	default:
	}
}

// inboxFull reports whether the WSFunc's queue is full, and if so records
// that reading pauses for it. Loop-only.
func (w *WebSocket) inboxFull() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	full := w.inboxFullLocked()
	if full {
		w.ext.rx.readPaused = true
	}
	return full
}

func (w *WebSocket) inboxFullLocked() bool {
	return len(w.ext.rx.inbox) >= w.wr.cfg.MaxQueue || w.ext.rx.inboxBytes >= w.wr.cfg.MaxMessage
}
