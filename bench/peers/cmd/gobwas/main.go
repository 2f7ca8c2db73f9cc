// Command gobwas serves the WebSocket benchmark contract (see package contract) with gobwas/ws
// on net/http in its usual style: ws.UpgradeHTTP, then one goroutine per connection reading
// with wsutil.ReadClientData and answering with wsutil.WriteServerMessage (the message limit
// is wsutil.SetMaxMessageSize). A "broadcast:" message is written to every client in a loop
// over the connections.
//
// With -deflate it negotiates permessage-deflate the way gobwas documents it (a
// wsflate.Extension in an ws.HTTPUpgrader, gobwas's default parameters: no context takeover
// either way); a connection that accepted it reads with a wsutil.Reader carrying a
// wsflate.MessageState, decompresses whole messages with wsflate.DefaultHelper and answers
// with compressed frames.
//
//	gobwas -addr 127.0.0.1:8080 [-deflate]
package main

import (
	"flag"
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/eddy-go/eddy/bench/peers/contract"
	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsflate"
	"github.com/gobwas/ws/wsutil"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	deflate := flag.Bool("deflate", false, "offer permessage-deflate")
	flag.Parse()
	wsutil.SetMaxMessageSize(contract.WSMaxMessage)
	log.Fatal(http.ListenAndServe(*addr, newHandler(*deflate)))
}

// client is one connection; writes come from its reader and from broadcasts, so they take mu.
type client struct {
	c          net.Conn
	compressed bool // permessage-deflate was accepted
	mu         sync.Mutex
}

// write sends one message, compressed when the connection negotiated it.
func (cl *client) write(op ws.OpCode, p []byte) error {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	if !cl.compressed {
		return wsutil.WriteServerMessage(cl.c, op, p)
	}
	z, err := wsflate.DefaultHelper.Compress(p)
	if err != nil {
		return err
	}
	f := ws.NewFrame(op, true, z)
	if f.Header, err = wsflate.SetBit(f.Header); err != nil {
		return err
	}
	return ws.WriteFrame(cl.c, f)
}

type hub struct {
	mu      sync.Mutex
	clients map[*client]struct{}
}

func newHandler(deflate bool) http.Handler {
	h := &hub{clients: map[*client]struct{}{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+contract.WSPath, func(w http.ResponseWriter, r *http.Request) {
		cl := &client{}
		var err error
		if deflate {
			e := &wsflate.Extension{Parameters: wsflate.DefaultParameters}
			cl.c, _, _, err = ws.HTTPUpgrader{Negotiate: e.Negotiate}.Upgrade(r, w)
			_, cl.compressed = e.Accepted()
		} else {
			cl.c, _, _, err = ws.UpgradeHTTP(r, w)
		}
		if err != nil {
			return // the upgrader has answered with an error status
		}
		h.mu.Lock()
		h.clients[cl] = struct{}{}
		h.mu.Unlock()
		go func() {
			defer func() {
				h.mu.Lock()
				delete(h.clients, cl)
				h.mu.Unlock()
				cl.c.Close()
			}()
			read := readPlain
			if cl.compressed {
				read = readCompressed(cl.c)
			}
			for {
				msg, op, err := read(cl.c)
				if err != nil {
					return
				}
				if op == ws.OpText {
					if rest, ok := strings.CutPrefix(string(msg), contract.BroadcastPrefix); ok {
						h.broadcast([]byte(rest))
						continue
					}
				}
				if cl.write(op, msg) != nil {
					return
				}
			}
		}()
	})
	return mux
}

// readPlain is gobwas's usual read.
func readPlain(c net.Conn) ([]byte, ws.OpCode, error) { return wsutil.ReadClientData(c) }

// readCompressed returns a reader of whole messages for a connection with permessage-deflate:
// a wsutil.Reader (in the extended state, which admits RSV1) whose wsflate.MessageState says
// which messages to decompress. UTF-8 is
// checked after decompression (the reader would check the compressed bytes).
func readCompressed(c net.Conn) func(net.Conn) ([]byte, ws.OpCode, error) {
	control := wsutil.ControlFrameHandler(c, ws.StateServerSide)
	var msg wsflate.MessageState
	rd := &wsutil.Reader{
		Source: c, State: ws.StateServerSide | ws.StateExtended, MaxMessageSize: contract.WSMaxMessage,
		Extensions: []wsutil.RecvExtension{&msg}, OnIntermediate: control,
	}
	return func(net.Conn) ([]byte, ws.OpCode, error) {
		for {
			hdr, err := rd.NextFrame()
			if err != nil {
				return nil, 0, err
			}
			if hdr.OpCode.IsControl() {
				if err := control(hdr, rd); err != nil {
					return nil, 0, err
				}
				continue
			}
			p, err := io.ReadAll(rd)
			if err != nil {
				return nil, 0, err
			}
			if msg.IsCompressed() {
				if p, err = wsflate.DefaultHelper.Decompress(p); err != nil {
					return nil, 0, err
				}
			}
			if hdr.OpCode == ws.OpText && !utf8.Valid(p) {
				wsutil.WriteServerMessage(c, ws.OpClose, ws.NewCloseFrameBody(ws.StatusInvalidFramePayloadData, ""))
				return nil, 0, wsutil.ErrInvalidUTF8
			}
			return p, hdr.OpCode, nil
		}
	}
}

func (h *hub) broadcast(p []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for cl := range h.clients {
		cl.write(ws.OpText, p)
	}
}
