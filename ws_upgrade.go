package eddy

import (
	"sync/atomic"

	"github.com/eddy-go/eddy/ws"
)

// wsRoute is one WebSocket route: its handler and configuration, shared
// read-only by its connections.
type wsRoute struct {
	// app is the App serving the route (for its log): the one of the
	// last upgrade, which for a mounted sub-app's route is the app it was
	// mounted in, not the one it was made with.
	app  atomic.Pointer[App]
	cfg  WSConfig
	opts ws.ServerOptions
	cb   WSCallbacks
	fn   WSFunc
}

// upgrade is the route's handler: it validates the handshake, queues the
// 101 as the connection's last HTTP response and hands the connection to a
// WebSocket. Loop-only (the route is OnLoop).
func (wr *wsRoute) upgrade(c *Ctx) error {
	if c.failing || c.x.Detached() {
		// An answer to a server error, or a handler that deferred: no
		// connection to take over.
		return ErrInternalServerError
	}
	req := c.x.Request()
	hs, herr := ws.Accept(req, &wr.opts)
	if herr != nil {
		if herr.HeaderName != "" {
			c.SetHeader(herr.HeaderName, herr.HeaderValue)
		} else if herr == ws.ErrNoUpgrade || herr == ws.ErrNoConnection {
			// Not a WebSocket request at all: say what this route serves.
			c.SetHeader("Upgrade", "websocket")
			return c.Status(426).Text("426 this route serves WebSocket connections only\n")
		}
		return NewHTTPError(herr.Status, herr.Reason)
	}
	if wr.app.Load() != c.app {
		wr.app.Store(c.app)
	}
	w := newWebSocket(c, wr, &hs)
	c.hdr = hs.AppendHeaders(c.hdr) // after any header the middleware set
	c.status = 101
	c.finishing()
	// Opening until its OnOpen returned (ConnectionMade): the 101 leaves
	// before OnOpen runs, and a Hub broadcast meanwhile must reach the
	// member OnOpen adds. A connection lost before the hand-over never
	// reaches ConnectionMade: the engine calls wsAbandoned instead.
	wsOpening.Add(1)
	c.x.Respond(101, c.hdr, nil)
	if err := c.x.Hijack(w, wsAbandoned); err != nil {
		wsOpening.Add(-1)
		return err // the connection is gone: nobody to answer
	}
	return nil
}

// wsAbandoned undoes an upgrade's count of opening WebSockets when its
// connection ends before the engine hands it over (the 101 waited behind a
// response still under way): its ConnectionMade, which would have, never
// runs. Loop-only.
func wsAbandoned() { wsOpening.Add(-1) }
