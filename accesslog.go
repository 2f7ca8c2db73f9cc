package eddy

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DefaultAccessLogFormat is aiohttp's default access log format.
const DefaultAccessLogFormat = `%a %t "%r" %s %b "%{Referer}i" "%{User-Agent}i"`

// AccessLog returns middleware that logs one line per request to logger
// (at Info, the line as the message), in aiohttp's format language:
//
//	%%          a percent sign
//	%a          remote IP address
//	%t          time the request started, [02/Jan/2006:15:04:05 -0700]
//	%P          process ID
//	%r          first line of the request: GET /path?q HTTP/1.1
//	%s          response status
//	%b          response body size in bytes
//	%T          time taken, in whole seconds
//	%Tf         time taken, in seconds with microseconds (0.000123)
//	%D          time taken, in microseconds
//	%{Name}i    request header Name
//	%{Name}o    response header Name
//
// The line is written when the response is finished, so deferred and pool
// responses are logged with their real status, size and time. Installed
// with App.Use, it also logs the server's own answers (400, 408, 413, 414,
// 431, 501, 505, the 503 of a handler timeout or a full pool), which run
// the app's middleware with a nil Route; for a request head that could not
// be parsed %r is "-". Not installed,
// it costs nothing; installed, it formats into a buffer the Ctx reuses, and
// allocates only the message string slog needs. It panics on an unknown
// token (at setup).
func AccessLog(logger *slog.Logger, format string) Middleware {
	if logger == nil {
		panic("eddy: AccessLog with a nil logger")
	}
	l := newAccessLog(format)
	l.logger = logger
	return l.middleware
}

// AccessLogTo is AccessLog writing each line, newline-terminated, straight
// to w (an *os.File, a bufio.Writer behind a lock of your own ...): no
// allocation at all per request. Writes are serialised by a mutex.
func AccessLogTo(w io.Writer, format string) Middleware {
	if w == nil {
		panic("eddy: AccessLogTo with a nil writer")
	}
	l := newAccessLog(format)
	l.w = w
	return l.middleware
}

type accessLog struct {
	toks   []logToken
	logger *slog.Logger
	w      io.Writer
	mu     sync.Mutex
	pid    string
	done   func(*Ctx) // l.finish, bound once
}

type logKind uint8

const (
	tokLiteral logKind = iota
	tokRemote
	tokTime
	tokPID
	tokFirstLine
	tokStatus
	tokSize
	tokSeconds
	tokSecondsFloat
	tokMicros
	tokReqHeader
	tokRespHeader
)

type logToken struct {
	kind logKind
	text string // literal text or header name
}

func newAccessLog(format string) *accessLog {
	toks, err := parseLogFormat(format)
	if err != nil {
		panic(err.Error())
	}
	l := &accessLog{toks: toks, pid: strconv.Itoa(os.Getpid())}
	l.done = l.finish
	return l
}

// parseLogFormat compiles a format into tokens.
func parseLogFormat(f string) ([]logToken, error) {
	var toks []logToken
	lit := func(s string) {
		if n := len(toks); n > 0 && toks[n-1].kind == tokLiteral {
			toks[n-1].text += s
		} else {
			toks = append(toks, logToken{kind: tokLiteral, text: s})
		}
	}
	for len(f) > 0 {
		i := strings.IndexByte(f, '%')
		if i < 0 {
			lit(f)
			break
		}
		if i > 0 {
			lit(f[:i])
		}
		f = f[i+1:]
		if f == "" {
			return nil, fmt.Errorf("eddy: access log format ends with '%%'")
		}
		var t logToken
		switch {
		case f[0] == '%':
			lit("%")
			f = f[1:]
			continue
		case f[0] == '{':
			end := strings.IndexByte(f, '}')
			if end < 2 || end+1 >= len(f) || (f[end+1] != 'i' && f[end+1] != 'o') {
				return nil, fmt.Errorf("eddy: access log format: bad %%{Name}i or %%{Name}o token")
			}
			t = logToken{kind: tokReqHeader, text: f[1:end]}
			if f[end+1] == 'o' {
				t.kind = tokRespHeader
			}
			f = f[end+2:]
		case strings.HasPrefix(f, "Tf"):
			t.kind, f = tokSecondsFloat, f[2:]
		default:
			switch f[0] {
			case 'a':
				t.kind = tokRemote
			case 't':
				t.kind = tokTime
			case 'P':
				t.kind = tokPID
			case 'r':
				t.kind = tokFirstLine
			case 's':
				t.kind = tokStatus
			case 'b':
				t.kind = tokSize
			case 'T':
				t.kind = tokSeconds
			case 'D':
				t.kind = tokMicros
			default:
				return nil, fmt.Errorf("eddy: access log format: unknown token %%%c", f[0])
			}
			f = f[1:]
		}
		toks = append(toks, t)
	}
	return toks, nil
}

func (l *accessLog) middleware(next Handler) Handler {
	return func(c *Ctx) error {
		c.start, c.used = time.Now(), true
		c.OnFinish(l.done)
		return next(c)
	}
}

// finish writes the line for c; it runs when c's response is finished.
func (l *accessLog) finish(c *Ctx) {
	b := l.appendLine(c.logBuf[:0], c, time.Now())
	if l.w != nil {
		b = append(b, '\n')
		l.mu.Lock()
		_, _ = l.w.Write(b)
		l.mu.Unlock()
	}
	c.logBuf = b[:0]
	if l.w != nil {
		return
	}
	l.logger.LogAttrs(context.Background(), slog.LevelInfo, string(b))
}

// appendLine formats one access log line for c, finished at now.
func (l *accessLog) appendLine(b []byte, c *Ctx, now time.Time) []byte {
	took := now.Sub(c.start)
	for _, t := range l.toks {
		switch t.kind {
		case tokLiteral:
			b = append(b, t.text...)
		case tokRemote:
			b = appendRemoteIP(b, c.RemoteAddr())
		case tokTime:
			b = c.start.AppendFormat(b, "[02/Jan/2006:15:04:05 -0700]")
		case tokPID:
			b = append(b, l.pid...)
		case tokFirstLine:
			req := c.Request()
			if len(req.Method()) == 0 {
				// The server's answer to a head it could not parse.
				b = append(b, '-')
				break
			}
			b = append(b, req.Method()...)
			b = append(b, ' ')
			b = append(b, req.Target()...)
			b = append(b, " HTTP/1."...)
			b = strconv.AppendInt(b, int64(req.Minor()), 10)
		case tokStatus:
			b = strconv.AppendInt(b, int64(c.StatusCode()), 10)
		case tokSize:
			b = strconv.AppendInt(b, c.written, 10)
		case tokSeconds:
			b = strconv.AppendInt(b, int64(took/time.Second), 10)
		case tokSecondsFloat:
			b = strconv.AppendFloat(b, took.Seconds(), 'f', 6, 64)
		case tokMicros:
			b = strconv.AppendInt(b, int64(took/time.Microsecond), 10)
		case tokReqHeader:
			if v, ok := c.HeaderBytes(t.text); ok {
				b = append(b, v...)
			} else {
				b = append(b, '-')
			}
		case tokRespHeader:
			if v := c.responseHeader(t.text); v != nil {
				b = append(b, v...)
			} else {
				b = append(b, '-')
			}
		}
	}
	return b
}

// appendRemoteIP appends the IP of a TCP peer without allocating, or the
// address text for other networks ("-" for none).
func appendRemoteIP(b []byte, addr net.Addr) []byte {
	switch a := addr.(type) {
	case *net.TCPAddr:
		return a.AddrPort().Addr().Unmap().AppendTo(b)
	case nil:
		return append(b, '-')
	}
	return append(b, addr.String()...)
}
