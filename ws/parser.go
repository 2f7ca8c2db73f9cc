package ws

import (
	"encoding/binary"
	"unicode/utf8"
)

// Role says which end of the connection a Parser reads for: a server reads
// a client's frames, which must be masked; a client reads a server's, which
// must not be.
type Role uint8

// Roles.
const (
	RoleServer Role = iota
	RoleClient
)

// DefaultMaxMessage is the message size limit when Parser.MaxMessage is 0:
// 4 MiB, after decompression.
const DefaultMaxMessage = 4 << 20

// keepBuf is the largest assembly buffer a Parser keeps between messages:
// messages up to 64 KiB that arrive in pieces reuse it without allocating;
// a larger one (left by a large message) is dropped when the next message
// starts, so a connection does not hold the memory of its largest message.
// Compact drops the buffer whatever its size.
const keepBuf = 64 << 10

// Message is a complete data message (OpText or OpBinary), or a control
// frame (OpClose, OpPing, OpPong), as Parser.Feed returns it. A close
// frame's payload has been validated: ParseClose on it cannot fail.
//
// Payload is borrowed: valid until the next call to Feed or Reset on the
// same Parser, and no longer than the bytes given to that Feed call (a
// message that arrived whole in one call is a view of them); copy it to
// keep it.
type Message struct {
	Op      Op
	Payload []byte
}

// Parser reads frames incrementally from bytes pushed into Feed, and
// returns whole messages with control frames delivered as they arrive
// (between the fragments of a message, too). It checks every header field
// before taking any payload byte, unmasks payload as it arrives, validates
// text as UTF-8 as it arrives (failing on the first bad byte, across
// fragment boundaries too) and validates close frames.
//
// The zero Parser is a server's parser with the default limits. Set the
// exported fields before the first Feed and do not change them after.
//
// A Parser is 112 bytes plus the assembly buffer of a message that
// arrives in pieces (a message that arrives whole in one Feed is returned
// as a view of the input, without a copy), and 128 bytes from the first
// control frame that arrives in pieces on.
type Parser struct {
	Role Role
	// RejectText and RejectBinary make a text or binary message fail with
	// ErrUnsupportedData (close 1003) at its first frame header, for an
	// endpoint that understands only the other kind.
	RejectText, RejectBinary bool

	// Beside the exported fields above: the struct's layout packs the
	// small fields together (the Parser is part of every idle connection).
	ctlN uint8
	mask [4]byte

	// MaxMessage bounds a message's payload, compressed and after
	// decompression; 0 means DefaultMaxMessage. A frame whose header says
	// the message would exceed it fails with ErrMessageTooBig (close 1009)
	// before any of its payload is taken; decompression fails with
	// ErrDecompressedTooBig as soon as its output passes it.
	MaxMessage int
	// MaxFrame bounds a single data frame's payload; 0 means MaxMessage.
	MaxFrame int
	// Inflater decompresses permessage-deflate messages; nil means the
	// extension was not negotiated, and a frame with the RSV1 bit fails.
	Inflater *Inflater

	left int64 // payload bytes of the current frame still to come
	off  int   // payload bytes of the current frame already taken
	buf  []byte
	ctl  *[MaxControlPayload]byte // a control frame split across calls; made at the first one
	err  *Error                   // kept as its type: one word less than an error

	hdr   [MaxHeaderSize]byte
	hdrN  uint8
	op    Op
	msgOp Op          // the op code of the message being assembled
	flags parserFlags // one byte, not seven bools: the Parser stays in 112 bytes
	utf8  validator
	// smallLim says which masked FIN text and binary frames with a 7-bit
	// length small may parse: length+1 < smallLim[op-1]; 0 until initSmall.
	smallLim [2]uint8
}

// parserFlags are the Parser's yes/no state, one bit each.
type parserFlags uint8

const (
	fInFrame    parserFlags = 1 << iota // a header was read; left payload bytes follow
	fFin                                // the current frame's FIN bit
	fMasked                             // the current frame is masked (by mask)
	fClosed                             // a close frame was delivered
	fInMsg                              // a fragmented message is in progress
	fCompressed                         // the message being assembled is compressed (RSV1)
	fRelease                            // buf holds a delivered message: empty it first
)

// is reports whether flag f is set.
func (p *Parser) is(f parserFlags) bool { return p.flags&f != 0 }

// set sets flag f to on.
func (p *Parser) set(f parserFlags, on bool) {
	if on {
		p.flags |= f
	} else {
		p.flags &^= f
	}
}

// Feed parses in, the bytes that arrived since the previous call (those it
// consumed are not given again). It returns how many bytes it consumed and
// either a message (m.Op != 0), "need more" (m.Op == 0 and a nil error;
// then n == len(in)), or a protocol error (*Error) carrying the close code
// to fail the connection with; after an error every call returns it again.
// Call Feed again with in[n:] while it returns messages.
//
// Nothing may follow a close frame (RFC 6455 5.5.1): once Feed returned
// one, it discards whatever it is given (n == len(in), no message).
//
// Feed unmasks payload in place: the consumed bytes of in are modified.
// Loop-only: a Parser belongs to one connection.
func (p *Parser) Feed(in []byte) (n int, m Message, err error) {
	if p.flags&^(fMasked|fFin) == 0 && p.hdrN == 0 && len(in) >= 6 && p.err == nil {
		if n, m, err, ok := p.small(in); ok {
			return n, m, err
		}
	}
	if p.err != nil {
		return 0, Message{}, p.err
	}
	if p.is(fClosed) {
		return len(in), Message{}, nil
	}
	if p.is(fRelease) {
		p.set(fRelease, false)
		if cap(p.buf) > keepBuf {
			p.buf = nil
		} else {
			p.buf = p.buf[:0]
		}
	}
	n, m, err = p.feed(in)
	if err != nil {
		e, ok := err.(*Error)
		if !ok { // every error of feed is an *Error; kept one in any case
			e = newError(StatusProtocolError, err.Error())
		}
		p.err, err = e, e // this Feed and every later one return the same error
	}
	return n, m, err
}

// small parses the common case in one go: between messages, a whole
// masked single-frame text or binary message with a 7-bit length (at most
// 125 bytes) is at the start of in. ok false means it is not that case and
// nothing was done: feed parses it. The state it leaves is the one feed
// leaves after such a message.
//
// It checks the header through smallLim, which headerErr (the general
// path's checks) computed for this parser's configuration: a check added
// there applies here too.
func (p *Parser) small(in []byte) (n int, m Message, err error, ok bool) {
	b0, b1 := in[0], in[1]
	length := int(b1 & 0x7f)
	if b1 < 0x80 || length > MaxControlPayload || len(in) < 6+length || len(p.buf) != 0 {
		return 0, Message{}, nil, false
	}
	var lim uint8
	switch b0 { // FIN, no reserved bit, text or binary
	case 0x80 | byte(OpText):
		lim = p.smallLim[0]
	case 0x80 | byte(OpBinary):
		lim = p.smallLim[1]
	default:
		return 0, Message{}, nil, false
	}
	if length >= int(lim)-1 {
		if lim != 0 {
			return 0, Message{}, nil, false // headerErr rejects this length: feed fails it
		}
		p.initSmall()
		return p.small(in)
	}
	op := Op(b0 & 0x0f)
	copy(p.mask[:], in[2:6])
	pl := in[6 : 6+length]
	Mask(pl, p.mask, 0)
	p.op, p.msgOp, p.left, p.off = op, op, 0, 0
	p.flags = fMasked | fFin
	p.utf8.reset()
	if op == OpText && !utf8.Valid(pl) {
		p.err = ErrInvalidUTF8
		return 6 + length, Message{}, ErrInvalidUTF8, true
	}
	return 6 + length, Message{Op: op, Payload: pl}, nil, true
}

// initSmall fills smallLim from headerErr, once per parser (Reset clears
// it): for a masked FIN text and binary frame between messages, one more
// than the lengths up to 125 that headerErr accepts (lengths below the
// first one it rejects: its length checks are upper bounds), 1 for none.
// Called between messages, in the state small parses from.
func (p *Parser) initSmall() {
	for i, op := range [2]Op{OpText, OpBinary} {
		b0 := 0x80 | byte(op)
		n := 0
		if p.headerErr(b0, 0x80|MaxControlPayload, MaxControlPayload) == nil {
			n = MaxControlPayload + 1
		} else {
			for n <= MaxControlPayload && p.headerErr(b0, 0x80|byte(n), int64(n)) == nil {
				n++
			}
		}
		p.smallLim[i] = uint8(n + 1)
	}
}

// Compact drops the assembly buffer, unless a message is being assembled
// in it, and so ends the validity of a Payload it returned. A server calls
// it when a connection goes idle, so an idle connection holds no buffer.
// Loop-only.
func (p *Parser) Compact() {
	if p.is(fRelease) || len(p.buf) == 0 {
		p.buf = nil
		p.set(fRelease, false)
	}
	if p.Inflater != nil {
		p.Inflater.out = nil
	}
}

// Reset makes p ready for a new connection, keeping its configuration.
func (p *Parser) Reset() {
	buf := p.buf[:0]
	if cap(buf) > keepBuf {
		buf = nil
	}
	*p = Parser{Role: p.Role, MaxMessage: p.MaxMessage, MaxFrame: p.MaxFrame,
		RejectText: p.RejectText, RejectBinary: p.RejectBinary, Inflater: p.Inflater,
		buf: buf, ctl: p.ctl}
	if p.Inflater != nil {
		p.Inflater.Reset()
	}
}

func (p *Parser) maxMessage() int64 {
	if p.MaxMessage > 0 {
		return int64(p.MaxMessage)
	}
	return DefaultMaxMessage
}

func (p *Parser) maxFrame() int64 {
	if p.MaxFrame > 0 {
		return int64(p.MaxFrame)
	}
	return p.maxMessage()
}

func (p *Parser) feed(in []byte) (int, Message, error) {
	n := 0
	for {
		if !p.is(fInFrame) {
			k, err := p.readHeader(in[n:])
			n += k
			if err != nil || !p.is(fInFrame) {
				return n, Message{}, err
			}
		}
		rest := in[n:]
		if p.op.IsControl() {
			if p.ctlN == 0 && int64(len(rest)) >= p.left {
				pl := rest[:p.left]
				if p.is(fMasked) {
					Mask(pl, p.mask, 0)
				}
				n += len(pl)
				p.set(fInFrame, false)
				m, err := p.control(pl)
				return n, m, err
			}
			if p.ctl == nil {
				p.ctl = new([MaxControlPayload]byte) // once: most connections never see a split control frame
			}
			k := copy(p.ctl[p.ctlN:p.ctlN+uint8(p.left)], rest)
			if p.is(fMasked) {
				Mask(p.ctl[p.ctlN:int(p.ctlN)+k], p.mask, int(p.ctlN))
			}
			p.ctlN += uint8(k)
			p.left -= int64(k)
			n += k
			if p.left > 0 {
				return n, Message{}, nil
			}
			p.set(fInFrame, false)
			pl := p.ctl[:p.ctlN]
			p.ctlN = 0
			m, err := p.control(pl)
			return n, m, err
		}
		if p.is(fFin) && p.op != OpContinuation && !p.is(fCompressed) && len(p.buf) == 0 && int64(len(rest)) >= p.left {
			// The whole single-frame message is here: hand out a view
			// of the input, without a copy.
			pl := rest[:p.left]
			if p.is(fMasked) {
				Mask(pl, p.mask, 0)
			}
			n += len(pl)
			p.set(fInFrame, false)
			if p.op == OpText && !utf8.Valid(pl) {
				return n, Message{}, ErrInvalidUTF8
			}
			return n, Message{Op: p.op, Payload: pl}, nil
		}
		k := len(rest)
		if int64(k) > p.left {
			k = int(p.left)
		}
		start := len(p.buf)
		p.buf = append(p.buf, rest[:k]...)
		if p.is(fMasked) {
			Mask(p.buf[start:], p.mask, p.off)
		}
		p.off += k
		p.left -= int64(k)
		n += k
		if p.msgOp == OpText && !p.is(fCompressed) && !p.utf8.feed(p.buf[start:]) {
			return n, Message{}, ErrInvalidUTF8
		}
		if p.left > 0 {
			return n, Message{}, nil
		}
		p.set(fInFrame, false)
		if !p.is(fFin) {
			continue
		}
		m, err := p.finish()
		return n, m, err
	}
}

// headerLen returns the length of the header whose first two bytes are
// b0 and b1.
func headerLen(b1 byte) int {
	n := 2
	switch b1 & 0x7f {
	case 126:
		n += 2
	case 127:
		n += 8
	}
	if b1&0x80 != 0 {
		n += 4
	}
	return n
}

// readHeader takes a header from in (or its rest, when an earlier call
// left a part in p.hdr) and checks it. It returns the bytes consumed;
// the fInFrame flag says whether the header is complete.
func (p *Parser) readHeader(in []byte) (int, error) {
	if p.hdrN == 0 && len(in) >= 2 {
		if need := headerLen(in[1]); len(in) >= need {
			return need, p.parseHeader(in[:need])
		}
	}
	n := 0
	for n < len(in) {
		p.hdr[p.hdrN] = in[n]
		p.hdrN++
		n++
		if p.hdrN < 2 {
			continue
		}
		if p.hdrN == 2 {
			// Fail on the first two bytes as soon as they are here, as
			// when the header arrives whole.
			if err := p.checkStart(p.hdr[0], p.hdr[1]); err != nil {
				return n, err
			}
		}
		if int(p.hdrN) == headerLen(p.hdr[1]) {
			h := p.hdr[:p.hdrN]
			p.hdrN = 0
			return n, p.parseHeader(h)
		}
	}
	return n, nil
}

// checkStart checks what the first two header bytes say on their own.
func (p *Parser) checkStart(b0, b1 byte) error {
	op := Op(b0 & 0x0f)
	if (op > OpBinary && op < OpClose) || op > OpPong {
		return ErrReservedOp
	}
	if rsv := b0 & 0x70; rsv != 0 {
		if rsv != 0x40 || p.Inflater == nil || op.IsControl() || op == OpContinuation {
			return ErrReservedBits
		}
	}
	switch {
	case op.IsControl():
		if b0&0x80 == 0 {
			return ErrControlFragmented
		}
		if b1&0x7f > MaxControlPayload {
			return ErrControlTooLong
		}
	case op == OpContinuation:
		if !p.is(fInMsg) {
			return ErrUnexpectedContinue
		}
	default:
		if p.is(fInMsg) {
			return ErrExpectedContinue
		}
		if (op == OpText && p.RejectText) || (op == OpBinary && p.RejectBinary) {
			return ErrUnsupportedData
		}
	}
	masked := b1&0x80 != 0
	if p.Role != RoleClient && !masked {
		return ErrUnmasked
	}
	if p.Role == RoleClient && masked {
		return ErrMasked
	}
	return nil
}

// checkLength checks a frame's length against the limits. Its checks are
// upper bounds (a length it accepts, it accepts every shorter one of): the
// small path relies on it (initSmall).
func (p *Parser) checkLength(op Op, length int64) error {
	if !op.IsControl() {
		if int64(len(p.buf))+length > p.maxMessage() {
			return ErrMessageTooBig
		}
		if length > p.maxFrame() {
			return ErrFrameTooBig
		}
	}
	return nil
}

// headerErr is every check of a frame header whose first two bytes are b0
// and b1 and whose length is length (parseHeader's, in its order, but for
// the extended length's encoding): the general path makes them as the
// header arrives, the small path through smallLim, which it computes.
func (p *Parser) headerErr(b0, b1 byte, length int64) error {
	if err := p.checkStart(b0, b1); err != nil {
		return err
	}
	return p.checkLength(Op(b0&0x0f), length)
}

// parseHeader checks a complete header and starts its frame. A check added
// here belongs in checkStart or checkLength, which headerErr makes for the
// small path too.
func (p *Parser) parseHeader(h []byte) error {
	b0, b1 := h[0], h[1]
	if err := p.checkStart(b0, b1); err != nil {
		return err
	}
	length := int64(b1 & 0x7f)
	i := 2
	switch length {
	case 126:
		length = int64(binary.BigEndian.Uint16(h[2:]))
		if length < 126 {
			return ErrNonMinimalLength
		}
		i = 4
	case 127:
		u := binary.BigEndian.Uint64(h[2:])
		if u>>63 != 0 {
			return ErrLengthOverflow
		}
		if u <= 0xffff {
			return ErrNonMinimalLength
		}
		length = int64(u)
		i = 10
	}
	op := Op(b0 & 0x0f)
	if err := p.checkLength(op, length); err != nil {
		return err
	}
	// The frame's flags in one store, not a branch each.
	f := p.flags&^(fMasked|fFin) | fInFrame
	if b1&0x80 != 0 {
		f |= fMasked
		copy(p.mask[:], h[i:i+4])
	}
	fin := b0&0x80 != 0
	if fin {
		f |= fFin
	}
	p.op = op
	p.left = length
	p.off = 0
	if !op.IsControl() && op != OpContinuation {
		p.msgOp = op
		f &^= fCompressed | fInMsg
		if b0&0x40 != 0 {
			f |= fCompressed
		}
		if !fin {
			f |= fInMsg
		}
		p.utf8.reset()
	} else if op == OpContinuation && fin {
		f &^= fInMsg
	}
	p.flags = f
	return nil
}

// control validates a complete control frame and returns it.
func (p *Parser) control(pl []byte) (Message, error) {
	if p.op == OpClose {
		if _, _, err := ParseClose(pl); err != nil {
			return Message{}, err
		}
		p.set(fClosed, true)
	}
	return Message{Op: p.op, Payload: pl}, nil
}

// finish returns the message assembled in p.buf.
func (p *Parser) finish() (Message, error) {
	p.set(fRelease, true)
	if p.is(fCompressed) {
		out, err := p.Inflater.inflate(p.buf, p.maxMessage(), p.msgOp == OpText)
		if err != nil {
			return Message{}, err
		}
		return Message{Op: p.msgOp, Payload: out}, nil
	}
	if p.msgOp == OpText && !p.utf8.complete() {
		return Message{}, ErrInvalidUTF8
	}
	return Message{Op: p.msgOp, Payload: p.buf}, nil
}
