package httpcodec

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"net/http/httputil"
	"strconv"
	"testing"
)

// Each benchmark runs eddy's codec (impl=eddy) beside the net/http
// equivalent (impl=nethttp) in the same run; compare them with
//
//	go test -run='^$' -bench=. -benchmem -count=8 ./httpcodec/ | tee /tmp/hc.txt
//	benchstat -col /impl /tmp/hc.txt

func BenchmarkRequest(b *testing.B) {
	for _, w := range []struct {
		name  string
		in    string
		count int
	}{
		{"plaintext", plaintextRequest, 1},
		{"browser", browserRequest, 1},
		{"pipelined16", pipelinedBatch, 16},
	} {
		in := []byte(w.in)
		b.Run(w.name+"/impl=eddy", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(in)))
			var p RequestParser
			var r Request
			for b.Loop() {
				if parseBatch(&p, &r, in) != w.count {
					b.Fatal("count")
				}
			}
		})
		b.Run(w.name+"/impl=nethttp", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(in)))
			rd := bytes.NewReader(in)
			br := bufio.NewReaderSize(rd, 4096)
			for b.Loop() {
				rd.Reset(in)
				br.Reset(rd)
				for i := 0; i < w.count; i++ {
					if _, err := http.ReadRequest(br); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

func BenchmarkChunked(b *testing.B) {
	in := []byte(chunkedBody)
	b.Run("impl=eddy", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(in)))
		var d ChunkedDecoder
		for b.Loop() {
			if decodeAll(&d, in) != 16*512 {
				b.Fatal("length")
			}
		}
	})
	b.Run("impl=nethttp", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(in)))
		rd := bytes.NewReader(in)
		br := bufio.NewReaderSize(rd, 4096)
		buf := make([]byte, 4096)
		for b.Loop() {
			rd.Reset(in)
			br.Reset(rd)
			cr := httputil.NewChunkedReader(br)
			total := 0
			for {
				n, err := cr.Read(buf)
				total += n
				if err == io.EOF {
					break
				}
				if err != nil {
					b.Fatal(err)
				}
			}
			if total != 16*512 {
				b.Fatal("length")
			}
		}
	})
}

func BenchmarkResponseParse(b *testing.B) {
	in := []byte(typicalResponse)
	b.Run("impl=eddy", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(in)))
		var p ResponseParser
		var r Response
		for b.Loop() {
			if n, err := p.Parse(in, &r, false); n != len(in) || err != nil {
				b.Fatal(n, err)
			}
		}
	})
	b.Run("impl=nethttp", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(in)))
		rd := bytes.NewReader(in)
		br := bufio.NewReaderSize(rd, 4096)
		for b.Loop() {
			rd.Reset(in)
			br.Reset(rd)
			if _, err := http.ReadResponse(br, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkAppendResponse writes a small JSON response head and body; the
// baseline writes the same bytes the way net/http's server does, through
// an http.Header and a bufio.Writer.
func BenchmarkAppendResponse(b *testing.B) {
	body := []byte(`{"message":"Hello, World!"}`)
	size := len(appendResponse(nil, body))
	b.Run("impl=eddy", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(size))
		dst := make([]byte, 0, 512)
		for b.Loop() {
			dst = appendResponse(dst[:0], body)
		}
	})
	b.Run("impl=nethttp", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(size))
		var out bytes.Buffer
		bw := bufio.NewWriterSize(&out, 512)
		date := string(cachedDate)
		for b.Loop() {
			out.Reset()
			bw.Reset(&out)
			h := http.Header{}
			h.Set("Server", "eddy")
			h.Set("Date", date)
			h.Set("Content-Type", "application/json")
			h.Set("Content-Length", strconv.Itoa(len(body)))
			bw.WriteString("HTTP/1.1 200 OK\r\n")
			h.Write(bw)
			bw.WriteString("\r\n")
			bw.Write(body)
			bw.Flush()
		}
	})
}
