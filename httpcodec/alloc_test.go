//go:build !race

package httpcodec

import "testing"

// TestZeroAllocs fails if parsing or writing allocates: the codec is on
// every request's hot path.
func TestZeroAllocs(t *testing.T) {
	var (
		rp   RequestParser
		req  Request
		resp Response
		sp   ResponseParser
		d    ChunkedDecoder
		dst  = make([]byte, 0, 4096)
		big  = make([]byte, 0, 16<<10)
		body = []byte(`{"message":"Hello, World!"}`)
	)
	browser := []byte(browserRequest)
	batch := []byte(pipelinedBatch)
	chunked := []byte(chunkedBody)
	respHead := []byte(typicalResponse)
	half := browser[:len(browser)/2]

	tests := []struct {
		name string
		fn   func()
	}{
		{"parse browser request", func() {
			if n, err := rp.Parse(browser, &req); n != len(browser) || err != nil {
				t.Fatal(n, err)
			}
			_ = req.Header("accept-language")
			_ = req.Path()
			_ = req.KeepAlive()
		}},
		{"parse request in two pieces", func() {
			if n, err := rp.Parse(half, &req); n != 0 || err != nil {
				t.Fatal(n, err)
			}
			if n, err := rp.Parse(browser, &req); n != len(browser) || err != nil {
				t.Fatal(n, err)
			}
		}},
		{"parse pipelined batch", func() {
			if parseBatch(&rp, &req, batch) != 16 {
				t.Fatal("batch")
			}
		}},
		{"decode chunked body", func() {
			if decodeAll(&d, chunked) != 16*512 {
				t.Fatal("chunked")
			}
		}},
		{"decode-append chunked body", func() {
			d.Reset()
			out, _, err := d.DecodeAppend(big[:0], chunked, 1<<20)
			if err != nil || len(out) != 16*512 {
				t.Fatal(err)
			}
		}},
		{"append response", func() {
			dst = appendResponse(dst[:0], body)
		}},
		{"append chunks", func() {
			dst = AppendChunk(dst[:0], body)
			dst = AppendLastChunk(dst, nil)
		}},
		{"parse response", func() {
			if n, err := sp.Parse(respHead, &resp, false); n != len(respHead) || err != nil {
				t.Fatal(n, err)
			}
		}},
		{"parse error", func() {
			if _, err := rp.Parse(badRequest, &req); err != ErrBareLF {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		if avg := testing.AllocsPerRun(200, tt.fn); avg != 0 {
			t.Errorf("%s: %v allocations per run, want 0", tt.name, avg)
		}
	}
}

var badRequest = []byte("GET / HTTP/1.1\nHost: a\n\n")
