package httpcodec

import (
	"fmt"
	"strings"
)

// Workloads shared by the benchmarks and the allocation tests.

// plaintextRequest is the request of the TechEmpower plaintext test, the
// smallest head a load generator sends.
const plaintextRequest = "GET /plaintext HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n"

// pipelinedBatch is 16 small keep-alive requests in one buffer, as a
// pipelining client (or a benchmark tool) sends them.
var pipelinedBatch = func() string {
	var b strings.Builder
	for i := 0; i < 16; i++ {
		fmt.Fprintf(&b, "GET /plaintext/%d HTTP/1.1\r\nHost: server\r\nAccept: text/plain\r\nConnection: keep-alive\r\n\r\n", i)
	}
	return b.String()
}()

// chunkedBody is 16 chunks of 512 bytes with an extension and a trailer.
var chunkedBody = func() string {
	var b strings.Builder
	for i := 0; i < 16; i++ {
		b.WriteString("200;i=1\r\n")
		b.WriteString(strings.Repeat("d", 512))
		b.WriteString("\r\n")
	}
	b.WriteString("0\r\nX-Checksum: abc\r\n\r\n")
	return b.String()
}()

// typicalResponse is a 200 answer as a server framework sends it.
const typicalResponse = "HTTP/1.1 200 OK\r\nServer: eddy\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n" +
	"Content-Type: application/json\r\nContent-Length: 27\r\nCache-Control: no-store\r\n" +
	"Vary: Accept-Encoding\r\n\r\n"

var cachedDate = []byte("Sun, 06 Nov 1994 08:49:37 GMT")

// appendResponse writes the head and body of a typical small response.
func appendResponse(dst []byte, body []byte) []byte {
	dst = AppendStatusLine(dst, 200)
	dst = AppendHeader(dst, "Server", "eddy")
	dst = AppendDate(dst, cachedDate)
	dst = AppendHeader(dst, "Content-Type", "application/json")
	dst = AppendContentLength(dst, int64(len(body)))
	dst = append(dst, '\r', '\n')
	return append(dst, body...)
}

// parseBatch parses every request of a pipelined batch.
func parseBatch(p *RequestParser, r *Request, buf []byte) int {
	count := 0
	for len(buf) > 0 {
		n, err := p.Parse(buf, r)
		if err != nil || n == 0 {
			panic(fmt.Sprintf("parseBatch: n=%d err=%v", n, err))
		}
		buf = buf[n:]
		count++
	}
	return count
}

// decodeAll decodes a complete chunked body, returning the data length.
func decodeAll(d *ChunkedDecoder, in []byte) int {
	d.Reset()
	total := 0
	for !d.Done() {
		data, n, err := d.Decode(in)
		if err != nil || (n == 0 && !d.Done()) {
			panic(fmt.Sprintf("decodeAll: n=%d err=%v", n, err))
		}
		total += len(data)
		in = in[n:]
	}
	return total
}
