package main

import (
	"bytes"
	"strconv"
)

// RESP2 request parsing: bytes in, commands out, no I/O. A request is either an array
// of bulk strings ("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n", what clients send) or an inline
// command ("PING\r\n", what telnet and redis-benchmark's PING_INLINE send).

const (
	maxArgs    = 1024 * 1024 // Redis' limit on multibulk length
	maxBulk    = 32 << 20    // ours (Redis allows 512 MB); the server's inbound cap follows
	maxInline  = 64 << 10    // Redis' PROTO_INLINE_MAX_SIZE
	respLimits = "-ERR Protocol error: "
)

// protoError is a protocol error: the reply (Redis' wording) and then the connection
// closes, as Redis does.
type protoError struct{ reply string }

func (e *protoError) Error() string { return e.reply }

var (
	errMultibulkLen = &protoError{"-ERR Protocol error: invalid multibulk length\r\n"}
	errBulkLen      = &protoError{"-ERR Protocol error: invalid bulk length\r\n"}
	errInlineTooBig = &protoError{"-ERR Protocol error: too big inline request\r\n"}
	errBulkTooBig   = &protoError{"-ERR Protocol error: too big mbulk count string\r\n"}
)

// parse reads one command from the front of buf into args (views into buf, valid until
// buf changes). It returns the bytes consumed; n == 0 with a nil error means need more.
// An empty inline line is consumed with no args.
func parse(buf []byte, args [][]byte) (out [][]byte, n int, err error) {
	out = args[:0]
	if len(buf) == 0 {
		return out, 0, nil
	}
	if buf[0] != '*' {
		return parseInline(buf, out)
	}
	line, rest, ok := cutLine(buf[1:])
	if !ok {
		if len(buf) > maxInline {
			return out, 0, errBulkTooBig
		}
		return out, 0, nil
	}
	count, ok := atoi(line)
	if !ok || count > maxArgs {
		return out, 0, errMultibulkLen
	}
	pos := len(buf) - len(rest)
	for i := int64(0); i < count; i++ {
		if pos >= len(buf) {
			return out, 0, nil
		}
		if buf[pos] != '$' {
			return out, 0, &protoError{"-ERR Protocol error: expected '$', got '" + string(buf[pos]) + "'\r\n"}
		}
		line, rest, ok := cutLine(buf[pos+1:])
		if !ok {
			if len(buf)-pos > 32 {
				return out, 0, errBulkLen
			}
			return out, 0, nil
		}
		size, ok := atoi(line)
		if !ok || size < 0 || size > maxBulk {
			return out, 0, errBulkLen
		}
		start := len(buf) - len(rest)
		end := start + int(size)
		if end+2 > len(buf) {
			return out, 0, nil
		}
		if buf[end] != '\r' || buf[end+1] != '\n' {
			return out, 0, errBulkLen
		}
		out = append(out, buf[start:end])
		pos = end + 2
	}
	return out, pos, nil
}

func parseInline(buf []byte, out [][]byte) ([][]byte, int, error) {
	i := bytes.IndexByte(buf, '\n')
	if i < 0 {
		if len(buf) > maxInline {
			return out, 0, errInlineTooBig
		}
		return out, 0, nil
	}
	line := buf[:i]
	if len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	for len(line) > 0 {
		j := 0
		for j < len(line) && (line[j] == ' ' || line[j] == '\t') {
			j++
		}
		line = line[j:]
		k := 0
		for k < len(line) && line[k] != ' ' && line[k] != '\t' {
			k++
		}
		if k > 0 {
			out = append(out, line[:k])
		}
		line = line[k:]
	}
	return out, i + 1, nil
}

// cutLine splits at the first CRLF.
func cutLine(b []byte) (line, rest []byte, ok bool) {
	i := bytes.IndexByte(b, '\n')
	if i < 1 || b[i-1] != '\r' {
		return nil, nil, false
	}
	return b[:i-1], b[i+1:], true
}

// atoi parses a decimal integer with an optional '-' sign, without allocating.
func atoi(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 19 {
		return 0, false
	}
	neg := b[0] == '-'
	if neg {
		b = b[1:]
		if len(b) == 0 {
			return 0, false
		}
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// Reply writers (append-style).

func appendSimple(dst []byte, s string) []byte {
	dst = append(dst, '+')
	dst = append(dst, s...)
	return append(dst, '\r', '\n')
}

func appendError(dst []byte, s string) []byte {
	dst = append(dst, '-')
	dst = append(dst, s...)
	return append(dst, '\r', '\n')
}

func appendInt(dst []byte, n int64) []byte {
	dst = append(dst, ':')
	dst = strconv.AppendInt(dst, n, 10)
	return append(dst, '\r', '\n')
}

func appendBulk(dst []byte, b []byte) []byte {
	dst = append(dst, '$')
	dst = strconv.AppendInt(dst, int64(len(b)), 10)
	dst = append(dst, '\r', '\n')
	dst = append(dst, b...)
	return append(dst, '\r', '\n')
}

func appendNil(dst []byte) []byte { return append(dst, "$-1\r\n"...) }

func appendArrayLen(dst []byte, n int) []byte {
	dst = append(dst, '*')
	dst = strconv.AppendInt(dst, int64(n), 10)
	return append(dst, '\r', '\n')
}
