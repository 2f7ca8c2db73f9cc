package eddy

import (
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/eddy-go/eddy/loop"
	"github.com/eddy-go/eddy/ws"
)

// Hub is a set of WebSockets that receive the same broadcasts (a chat room,
// a feed). A broadcast encodes its frame once and posts one task to each
// event loop that has members, which writes the frame to that loop's
// members; a member that is too far behind (WSConfig.MaxOutbound) is cut
// off with close 1008, not waited for. Members leave when they close. The
// zero Hub is not usable: make one with NewHub. Every method is safe for
// concurrent use.
type Hub struct {
	mu     sync.Mutex
	shards map[*loop.Loop]*hubShard
	list   []*hubShard    // the shards, for Broadcast without the map (copy on write)
	loops  []*loop.Loop   // every loop of the servers members came from (copy on write)
	srvs   []*loop.Server // those servers
	n      atomic.Int64
}

// hubShard holds a hub's members on one loop, made at the first Add of a
// WebSocket of that loop; members is touched only by that loop. pending
// holds the WebSockets Add was given and the loop has not taken in yet
// (under Hub.mu). count is len(members) plus len(pending): a broadcast
// skips a shard whose count is 0.
type hubShard struct {
	h       *Hub
	l       *loop.Loop
	members []*WebSocket
	pending []*WebSocket
	count   atomic.Int32
}

// hubSlot records a WebSocket's place in one hub. Loop-owned.
type hubSlot struct {
	h *Hub
	i int
}

// wsOpening counts the WebSockets of the process between the upgrade (the
// 101 is queued: it leaves before OnOpen runs) and the end of their
// OnOpen. While it is not 0, a broadcast posts to every loop it knows, not
// only to the loops with members: a member an OnOpen is adding may not be
// counted yet, though its client may have its 101 and have made another
// member broadcast. A connection that ends between its upgrade and the
// hand-over to its WebSocket (behind a response still under way) is never
// handed over: the engine calls wsAbandoned, which uncounts it.
var wsOpening atomic.Int64

// NewHub returns an empty hub.
func NewHub() *Hub { return &Hub{shards: make(map[*loop.Loop]*hubShard)} }

// Add makes w a member: a broadcast started after Add returns reaches w.
// So does one that another member's message starts while w's OnOpen (the
// usual place for Add) still runs, as soon as w's client has its 101.
// Adding a member twice, or a WebSocket already closed, does nothing. Safe
// for concurrent use.
func (h *Hub) Add(w *WebSocket) {
	l := w.Loop()
	h.mu.Lock()
	s := h.shards[l]
	if s == nil {
		if srv := l.Server(); !slices.Contains(h.srvs, srv) {
			h.srvs = append(h.srvs, srv)
			h.loops = append(h.loops[:len(h.loops):len(h.loops)], srv.Loops()...)
			if !slices.Contains(h.loops, l) { // a loop its server does not list (not expected)
				h.loops = append(h.loops, l)
			}
		}
		s = &hubShard{h: h, l: l}
		h.shards[l] = s
		h.list = append(h.list[:len(h.list):len(h.list)], s)
	}
	s.pending = append(s.pending, w)
	s.count.Add(1)
	h.mu.Unlock()
	// Not w's Handle: its Post skips the function once w is closed, which
	// would leave w pending until the shard's next broadcast.
	if l.CallSoonThreadsafe(s.adopt) != nil {
		// The loop stopped: w is gone with it.
		h.mu.Lock()
		if i := slices.Index(s.pending, w); i >= 0 {
			s.pending = slices.Delete(s.pending, i, i+1)
			s.count.Add(-1)
		}
		h.mu.Unlock()
	}
}

// adopt takes in the WebSockets Add gave the shard. Loop-only.
func (s *hubShard) adopt() {
	if int(s.count.Load()) == len(s.members) {
		return // nothing pending
	}
	s.h.mu.Lock()
	p := s.pending
	s.pending = nil
	s.h.mu.Unlock()
	for _, w := range p {
		if !s.add(w) {
			s.count.Add(-1) // counted as pending, not a member
		}
	}
}

// Remove takes w out of the hub (it also leaves when it closes). Safe for
// concurrent use.
func (h *Hub) Remove(w *WebSocket) {
	_ = w.lc.Handle().Post(func(*loop.Conn) { h.removeLoop(w) })
}

// Len returns the number of members. Safe for concurrent use.
func (h *Hub) Len() int { return int(h.n.Load()) }

// BroadcastText sends s as a text message to every member. Safe for
// concurrent use.
func (h *Hub) BroadcastText(s string) { h.broadcast(ws.OpText, unsafeBytes(s)) }

// BroadcastBytes sends b as a binary message to every member; b is copied
// before BroadcastBytes returns. Safe for concurrent use.
func (h *Hub) BroadcastBytes(b []byte) { h.broadcast(ws.OpBinary, b) }

// BroadcastJSON sends v encoded as JSON in a text message to every member.
// Safe for concurrent use.
func (h *Hub) BroadcastJSON(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("eddy: hub broadcast JSON: %w", err)
	}
	h.broadcast(ws.OpText, b)
	return nil
}

// broadcast encodes the frame once and posts one task per loop with
// members (per loop it knows while a WebSocket is opening). Members that
// negotiated permessage-deflate get it uncompressed (the extension allows
// any message to be).
func (h *Hub) broadcast(op ws.Op, p []byte) {
	frame := ws.AppendFrame(nil, op, true, p)
	// wsOpening first: read 0, every OnOpen that ran before has its Add
	// in the list read after.
	opening := wsOpening.Load() != 0
	h.mu.Lock()
	list, loops := h.list, h.loops
	h.mu.Unlock()
	if opening {
		for _, l := range loops {
			_ = l.CallSoonThreadsafe(func() { h.sendLoop(l, frame) })
		}
		return
	}
	for _, s := range list {
		if s.count.Load() > 0 {
			_ = s.l.CallSoonThreadsafe(func() { s.send(frame) })
		}
	}
}

// sendLoop is send for the shard of l, if it has one by now. Loop-only (l).
func (h *Hub) sendLoop(l *loop.Loop, frame []byte) {
	h.mu.Lock()
	s := h.shards[l]
	h.mu.Unlock()
	if s != nil {
		s.send(frame)
	}
}

// send writes frame to every member of the shard, the ones Add gave it
// and it has not taken in yet too. Loop-only.
func (s *hubShard) send(frame []byte) {
	s.adopt()
	for i := 0; i < len(s.members); i++ {
		w := s.members[i]
		w.sendShared(frame)
		if i < len(s.members) && s.members[i] != w {
			i-- // w left (cut off) and the last member took its place
		}
	}
}

// add makes w a member of the shard, unless it is closed or one already;
// it reports whether it did. count counted w already (as pending).
// Loop-only.
func (s *hubShard) add(w *WebSocket) bool {
	if w.lstate >= wsDone {
		return false
	}
	x := w.extLoop() // most WebSockets join no hub: they pay no slice
	for _, slot := range x.hubs {
		if slot.h == s.h {
			return false
		}
	}
	x.hubs = append(x.hubs, hubSlot{h: s.h, i: len(s.members)})
	s.members = append(s.members, w)
	s.h.n.Add(1)
	return true
}

// removeLoop takes w out of h, if it is a member. Loop-only (w's loop).
func (h *Hub) removeLoop(w *WebSocket) {
	if w.ext == nil {
		return
	}
	hubs := w.ext.hubs
	k := -1
	for j, slot := range hubs {
		if slot.h == h {
			k = j
			break
		}
	}
	if k < 0 {
		return
	}
	i := hubs[k].i
	last := len(hubs) - 1
	hubs[k] = hubs[last]
	w.ext.hubs = hubs[:last]
	h.mu.Lock()
	s := h.shards[w.Loop()]
	h.mu.Unlock()
	m := s.members
	end := len(m) - 1
	if i != end {
		moved := m[end]
		m[i] = moved
		for j, slot := range moved.ext.hubs { // a member has its hubs
			if slot.h == h {
				moved.ext.hubs[j].i = i
			}
		}
	}
	m[end] = nil
	s.members = m[:end]
	s.count.Add(-1)
	h.n.Add(-1)
}

// sendShared writes a frame shared with other connections (a broadcast):
// straight to the connection when nothing of ours is queued before it,
// else behind what is. Loop-only.
func (w *WebSocket) sendShared(frame []byte) {
	if w.lstate != wsOpen {
		return
	}
	q := w.lc.OutboundBuffered()
	w.mu.Lock()
	if w.flag(wsfSendClosed) {
		w.mu.Unlock()
		return
	}
	if q += w.outLenLocked(); q > 0 && q+len(frame) > w.wr.cfg.MaxOutbound {
		w.setFlag(wsfSendClosed|wsfCut, true)
		w.dropOutLocked()
		w.mu.Unlock()
		w.flush() // cuts it off
		return
	}
	if w.outLenLocked() == 0 {
		w.mu.Unlock()
		_ = w.lc.Write(frame)
		w.queued.Store(queuedFigure(w.lc.OutboundBuffered()))
		return
	}
	w.out = append(w.out, frame...)
	w.mu.Unlock()
	w.flush()
}
