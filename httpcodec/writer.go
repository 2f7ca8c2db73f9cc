package httpcodec

import (
	"strconv"
	"time"
)

// The writers append to dst and return the extended slice, like
// strconv.AppendInt; they allocate only when dst lacks capacity. None of
// them validates its input: check header names and values that come from
// outside the program with ValidHeaderName and ValidHeaderValue first, or a
// CR LF in a value becomes a response-splitting attack.

// AppendHeader appends the field line "name: value\r\n".
func AppendHeader[N, V ~string | ~[]byte](dst []byte, name N, value V) []byte {
	dst = append(dst, name...)
	dst = append(dst, ':', ' ')
	dst = append(dst, value...)
	return append(dst, '\r', '\n')
}

// AppendContentLength appends "Content-Length: <n>\r\n".
func AppendContentLength(dst []byte, n int64) []byte {
	dst = append(dst, "Content-Length: "...)
	if n >= 0 && n < 1e4 {
		// Most bodies: digits written in place, without strconv's call
		// and copy from its scratch buffer.
		switch {
		case n < 10:
			return append(dst, byte('0'+n), '\r', '\n')
		case n < 100:
			return append(dst, byte('0'+n/10), byte('0'+n%10), '\r', '\n')
		case n < 1000:
			return append(dst, byte('0'+n/100), byte('0'+n/10%10), byte('0'+n%10), '\r', '\n')
		}
		return append(dst, byte('0'+n/1000), byte('0'+n/100%10), byte('0'+n/10%10), byte('0'+n%10), '\r', '\n')
	}
	dst = strconv.AppendInt(dst, n, 10)
	return append(dst, '\r', '\n')
}

// AppendDate appends "Date: <date>\r\n"; date is an IMF-fixdate, typically
// one AppendHTTPDate wrote and the caller keeps for the current second.
func AppendDate(dst []byte, date []byte) []byte {
	dst = append(dst, "Date: "...)
	dst = append(dst, date...)
	return append(dst, '\r', '\n')
}

// AppendHTTPDate appends t in UTC as an IMF-fixdate (RFC 9110 5.6.7),
// "Sun, 06 Nov 1994 08:49:37 GMT", always 29 bytes: for the cached Date
// value, Expires and Last-Modified. Hand-formatted: about 5x faster than
// time.AppendFormat.
func AppendHTTPDate(dst []byte, t time.Time) []byte {
	t = t.UTC()
	year, month, day := t.Date()
	hour, min, sec := t.Clock()
	const days = "SunMonTueWedThuFriSat"
	const months = "JanFebMarAprMayJunJulAugSepOctNovDec"
	wd := int(t.Weekday()) * 3
	m := (int(month) - 1) * 3
	if year < 0 || year > 9999 {
		year = 0
	}
	return append(dst,
		days[wd], days[wd+1], days[wd+2], ',', ' ',
		byte('0'+day/10), byte('0'+day%10), ' ',
		months[m], months[m+1], months[m+2], ' ',
		byte('0'+year/1000), byte('0'+year/100%10), byte('0'+year/10%10), byte('0'+year%10), ' ',
		byte('0'+hour/10), byte('0'+hour%10), ':',
		byte('0'+min/10), byte('0'+min%10), ':',
		byte('0'+sec/10), byte('0'+sec%10), ' ', 'G', 'M', 'T')
}

// AppendChunkSize appends a chunk-size line "<hex size>\r\n". Use it with
// AppendChunkEnd to send a chunk whose data goes out in its own buffer
// (Writev) without copying it. n must be positive; a size of 0 would end the
// body, so it appends nothing.
func AppendChunkSize(dst []byte, n int) []byte {
	if n <= 0 {
		return dst
	}
	dst = strconv.AppendUint(dst, uint64(n), 16)
	return append(dst, '\r', '\n')
}

// AppendChunkEnd appends the CRLF that closes a chunk's data.
func AppendChunkEnd(dst []byte) []byte { return append(dst, '\r', '\n') }

// AppendChunk appends p as one chunk: "<hex len>\r\n<p>\r\n". An empty p
// appends nothing, since a zero-size chunk would end the body.
func AppendChunk(dst []byte, p []byte) []byte {
	if len(p) == 0 {
		return dst
	}
	dst = AppendChunkSize(dst, len(p))
	dst = append(dst, p...)
	return append(dst, '\r', '\n')
}

// AppendLastChunk appends the end of a chunked body: "0\r\n", the trailer
// field lines (already "name: value\r\n" each; may be empty) and the final
// "\r\n".
func AppendLastChunk(dst []byte, trailers []byte) []byte {
	dst = append(dst, '0', '\r', '\n')
	dst = append(dst, trailers...)
	return append(dst, '\r', '\n')
}
