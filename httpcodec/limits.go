package httpcodec

// Default limits. A zero field in Limits means the default below.
const (
	DefaultMaxRequestLine  = 8 << 10  // 414 past it
	DefaultMaxHeaderBytes  = 32 << 10 // 431 past it
	DefaultMaxHeaders      = 100      // 431 past it
	DefaultMaxChunkExt     = 4 << 10  // 400 past it
	DefaultMaxTrailerBytes = 8 << 10  // 431 past it
)

// maxHeadBytes caps MaxHeaderBytes so that every offset fits the uint32
// spans a Request stores.
const maxHeadBytes = 1 << 30

// Limits bounds what the parsers accept. A zero field means the default; a
// nil *Limits means all defaults. Limits are read on every Parse call, so one
// value may be shared by every connection of a server; do not modify it while
// parsers use it.
type Limits struct {
	// MaxRequestLine bounds the request line including its CRLF; a request
	// line without its line feed within this many bytes is answered 414.
	// For responses it bounds the status line (400).
	MaxRequestLine int
	// MaxHeaderBytes bounds the whole head: request line, field lines and
	// the empty line. A head not complete within this many bytes is answered
	// 431. Values above 1 GiB are capped to 1 GiB.
	MaxHeaderBytes int
	// MaxHeaders bounds the number of field lines; more are answered 431.
	// Up to DefaultMaxHeaders fields live in a fixed array inside Request;
	// a larger limit makes a Request grow a slice once, on the first head
	// that needs it, and keep it across Reset.
	MaxHeaders int
	// MaxChunkExt bounds a chunk-size line (size, extensions and CRLF) in a
	// chunked body; a longer line is rejected with 400.
	MaxChunkExt int
	// MaxTrailerBytes bounds the trailer section of a chunked body,
	// including its final empty line; a larger section is rejected with 431.
	MaxTrailerBytes int

	// DropUnderscoreHeaders drops request field lines whose name contains
	// an underscore, as nginx does by default (underscores_in_headers off):
	// Header, HeaderAt and NumHeaders never see them. Names are never
	// confused either way (X_Forwarded_For is not X-Forwarded-For to any
	// lookup); dropping protects applications behind proxies or CGI-style
	// gateways that map '-' to '_' and back. Dropped lines still count
	// against MaxHeaders. Default false: they are kept like any field.
	DropUnderscoreHeaders bool
}

// Normalized returns l as the parser applies it: zero fields set to their
// defaults, MaxHeaderBytes and MaxTrailerBytes capped to 1 GiB.
func (l Limits) Normalized() Limits {
	n := l
	n.MaxRequestLine = l.maxRequestLine()
	n.MaxHeaderBytes = l.maxHeaderBytes()
	n.MaxHeaders = l.maxHeaders()
	n.MaxChunkExt = l.maxChunkExt()
	n.MaxTrailerBytes = l.maxTrailerBytes()
	return n
}

func (l *Limits) dropUnderscore() bool { return l != nil && l.DropUnderscoreHeaders }

func (l *Limits) maxRequestLine() int {
	if l == nil || l.MaxRequestLine <= 0 {
		return DefaultMaxRequestLine
	}
	return l.MaxRequestLine
}

func (l *Limits) maxHeaderBytes() int {
	if l == nil || l.MaxHeaderBytes <= 0 {
		return DefaultMaxHeaderBytes
	}
	if l.MaxHeaderBytes > maxHeadBytes {
		return maxHeadBytes
	}
	return l.MaxHeaderBytes
}

func (l *Limits) maxHeaders() int {
	if l == nil || l.MaxHeaders <= 0 {
		return DefaultMaxHeaders
	}
	return l.MaxHeaders
}

func (l *Limits) maxChunkExt() int {
	if l == nil || l.MaxChunkExt <= 0 {
		return DefaultMaxChunkExt
	}
	return l.MaxChunkExt
}

func (l *Limits) maxTrailerBytes() int {
	if l == nil || l.MaxTrailerBytes <= 0 {
		return DefaultMaxTrailerBytes
	}
	if l.MaxTrailerBytes > maxHeadBytes {
		return maxHeadBytes
	}
	return l.MaxTrailerBytes
}
