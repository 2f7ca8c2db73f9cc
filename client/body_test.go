package client

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestResponseFraming: every way a response delimits its body, from raw bytes.
func TestResponseFraming(t *testing.T) {
	for _, tc := range []struct {
		name, method, reply string
		want                string
		wantErr             error
		reusable            bool
	}{
		{"length", "GET", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", "hello", nil, true},
		{"chunked", "GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhel\r\n2;x=y\r\nlo\r\n0\r\nT: v\r\n\r\n", "hello", nil, true},
		{"close-delimited", "GET", "HTTP/1.1 200 OK\r\n\r\nhello", "hello", nil, false},
		{"http/1.0", "GET", "HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nhello", "hello", nil, false},
		{"head", "HEAD", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", "", nil, true},
		{"204", "GET", "HTTP/1.1 204 No Content\r\n\r\n", "", nil, true},
		{"304", "GET", "HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n", "", nil, true},
		{"100 continue first", "GET", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", "ok", nil, true},
		{"no reason", "GET", "HTTP/1.1 200\r\nContent-Length: 2\r\n\r\nok", "ok", nil, true},
		{"garbage", "GET", "SSH-2.0-OpenSSH\r\n\r\n", "", ErrBadResponse, false},
		{"bare lf", "GET", "HTTP/1.1 200 OK\nContent-Length: 2\n\nok", "", ErrBadResponse, false},
		{"cl and te", "GET", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n", "", ErrBadResponse, false},
		{"two lengths", "GET", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok", "", ErrBadResponse, false},
		{"bad chunk", "GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "", ErrBadResponse, false},
		{"short body", "GET", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", "", ErrConnLost, false},
		{"closed before head", "GET", "", "", ErrConnLost, false},
		{"huge head", "GET", "HTTP/1.1 200 OK\r\nX: " + strings.Repeat("a", 40<<10) + "\r\n\r\n", "", ErrBadResponse, false},
	} {
		for _, trickle := range []bool{false, true} {
			name := tc.name
			if trickle {
				name += " trickled" // a few bytes per segment: every parser state meets a boundary
			}
			t.Run(name, func(t *testing.T) {
				addr, _ := rawServer(t, func(_ int, c net.Conn) {
					br := bufio.NewReader(c)
					if _, err := readRequest(br); err != nil {
						return
					}
					if !trickle || len(tc.reply) > 1000 {
						io.WriteString(c, tc.reply)
					} else {
						for i := 0; i < len(tc.reply); i += 3 {
							io.WriteString(c, tc.reply[i:min(i+3, len(tc.reply))])
							time.Sleep(200 * time.Microsecond)
						}
					}
					if tc.reusable {
						readRequest(br) // the client closes it at the end
					}
				})
				s := newSession(t, Config{})
				req, _ := NewRequest(tc.method, addr, nil)
				resp, err := s.Do(ctxT(t), req)
				var body []byte
				if err == nil {
					body, err = resp.Bytes()
				}
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err %v, want %v", err, tc.wantErr)
				}
				if err == nil && string(body) != tc.want {
					t.Fatalf("body %q, want %q", body, tc.want)
				}
				if tc.reusable {
					waitFor(t, "an idle connection", func() bool { return s.total.Load() == 1 })
				} else {
					waitFor(t, "no connection", func() bool { return s.total.Load() == 0 })
				}
			})
		}
	}
}

// TestBufferedBounds: bodies read whole are bounded, a decompressed one too
// (a gzip bomb), on both APIs.
func TestBufferedBounds(t *testing.T) {
	var bomb bytes.Buffer
	zw := gzip.NewWriter(&bomb)
	zw.Write(make([]byte, 4<<20)) // 4 MiB of zeros in a few KiB
	zw.Close()
	ts := newHTTPServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/bomb" {
			w.Header().Set("Content-Encoding", "gzip")
			w.Write(bomb.Bytes())
			return
		}
		w.Write(make([]byte, 2<<20))
	}))
	s := newSession(t, Config{MaxBodyBuffered: 1 << 20})
	l := s.srv.Loops()[0]
	for _, path := range []string{"/big", "/bomb"} {
		resp, err := s.Get(ctxT(t), ts.URL+path)
		if err == nil {
			_, err = resp.Bytes()
		}
		if !errors.Is(err, ErrBodyTooLarge) {
			t.Errorf("Bytes %s: %v, want ErrBodyTooLarge", path, err)
		}
		ch := make(chan error, 1)
		l.CallSoonThreadsafe(func() {
			req, _ := NewRequest("GET", ts.URL+path, nil)
			s.Start(l, req, func(_ *Response, err error) { ch <- err })
		})
		if err := <-ch; !errors.Is(err, ErrBodyTooLarge) {
			t.Errorf("Start %s: %v, want ErrBodyTooLarge", path, err)
		}
	}
}

func TestDecompression(t *testing.T) {
	text := strings.Repeat("eddy compresses ", 1000)
	var gz, zl bytes.Buffer
	w := gzip.NewWriter(&gz)
	w.Write([]byte(text))
	w.Close()
	z := zlib.NewWriter(&zl)
	z.Write([]byte(text))
	z.Close()
	ts := newHTTPServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Accept-Encoding") != "gzip, deflate" && r.URL.Path != "/plain" {
			http.Error(w, "no accept-encoding", 400)
			return
		}
		switch r.URL.Path {
		case "/gzip":
			w.Header().Set("Content-Encoding", "gzip")
			w.Write(gz.Bytes())
		case "/deflate":
			w.Header().Set("Content-Encoding", "deflate")
			w.Write(zl.Bytes())
		case "/bad":
			w.Header().Set("Content-Encoding", "gzip")
			io.WriteString(w, "not gzip at all")
		default:
			io.WriteString(w, text)
		}
	}))
	s := newSession(t, Config{})
	for _, path := range []string{"/gzip", "/deflate", "/plain"} {
		resp, err := s.Get(ctxT(t), ts.URL+path)
		if err != nil {
			t.Fatal(err)
		}
		got, err := resp.Text()
		if err != nil || got != text {
			t.Fatalf("%s: %d bytes, %v", path, len(got), err)
		}
		if resp.Uncompressed != (path != "/plain") || resp.Header.Get("Content-Encoding") != "" {
			t.Errorf("%s: Uncompressed %v, Content-Encoding %q", path, resp.Uncompressed, resp.Header.Get("Content-Encoding"))
		}
	}
	resp, err := s.Get(ctxT(t), ts.URL+"/bad")
	if err == nil {
		_, err = resp.Bytes()
	}
	if !errors.Is(err, ErrBadResponse) {
		t.Errorf("corrupt gzip: %v", err)
	}
}

// TestLargeDownloadFlatMemory streams 128 MiB through a reader and checks that
// the heap does not grow with the body. The server sends at a network's pace
// (a pause every 256 KiB): on loopback at memory speed a reader on a busy machine
// lags without bound, and the loops cannot stop reading a socket (MaxLag).
func TestLargeDownloadFlatMemory(t *testing.T) {
	const size = 128 << 20
	piece := bytes.Repeat([]byte("0123456789abcdef"), 4096)
	ts := newHTTPServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", fmt.Sprint(size))
		for sent := 0; sent < size; sent += len(piece) {
			if _, err := w.Write(piece); err != nil {
				return
			}
			if sent%(256<<10) == 0 {
				time.Sleep(time.Millisecond)
			}
		}
	}))
	s := newSession(t, Config{})
	resp, err := s.Get(ctxT(t), ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Close()
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	var peak uint64
	buf := make([]byte, 64<<10)
	total := 0
	for i := 0; ; i++ {
		n, err := resp.Body.Read(buf)
		total += n
		if i%512 == 0 {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if total != size {
		t.Fatalf("read %d bytes, want %d", total, size)
	}
	grew := peak - min(peak, base)
	t.Logf("heap in use grew by at most %d KiB for a %d MiB body", grew>>10, size>>20)
	// The bound: the window (1 MiB), what the loop may hold while the reader
	// lags (MaxLag, 16 MiB) and the garbage of one GC cycle.
	if grew > 40<<20 {
		t.Errorf("heap grew by %d MiB: the body is buffered, not streamed", grew>>20)
	}
}

// TestSlowReader: a reader slower than the server gets every byte intact (the
// connection pauses instead of buffering without bound).
func TestSlowReader(t *testing.T) {
	data := make([]byte, 3<<20)
	for i := range data {
		data[i] = byte(i * 7)
	}
	ts := newHTTPServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		w.Write(data[:n]) // no Content-Length: chunked
	}))
	for _, tc := range []struct{ window, size int }{{64 << 10, len(data)}, {1000, 128 << 10}} {
		t.Run(fmt.Sprint("window ", tc.window), func(t *testing.T) {
			want := sha256.Sum256(data[:tc.size])
			slowRead(t, fmt.Sprintf("%s/?n=%d", ts.URL, tc.size), tc.window, want[:])
		})
	}
}

func slowRead(t *testing.T, url string, window int, want []byte) {
	s := newSession(t, Config{BodyWindow: window})
	resp, err := s.Get(ctxT(t), url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Close()
	h := sha256.New()
	buf := make([]byte, 16<<10)
	for {
		n, err := resp.Body.Read(buf)
		h.Write(buf[:n])
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			time.Sleep(200 * time.Microsecond) // lag behind the loopback server
		}
	}
	if got := h.Sum(nil); !bytes.Equal(got, want) {
		t.Fatal("body corrupted")
	}
}

func TestStreamedUpload(t *testing.T) {
	ts := newHTTPServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := sha256.New()
		n, _ := io.Copy(h, r.Body)
		fmt.Fprintf(w, "%d %v %x", n, r.TransferEncoding, h.Sum(nil)[:4])
	}))
	data := bytes.Repeat([]byte("upload"), 200_000)
	sum := sha256.Sum256(data)
	s := newSession(t, Config{})
	for _, tc := range []struct {
		name   string
		length int64
		te     string
	}{{"chunked", -1, "[chunked]"}, {"length", int64(len(data)), "[]"}} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := NewRequest("POST", ts.URL, io.MultiReader(bytes.NewReader(data[:1000]), bytes.NewReader(data[1000:])))
			req.ContentLength = tc.length
			resp, err := s.Do(ctxT(t), req)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := resp.Text()
			if want := fmt.Sprintf("%d %s %x", len(data), tc.te, sum[:4]); got != want {
				t.Fatalf("server saw %q, want %q", got, want)
			}
		})
	}
	req, _ := NewRequest("POST", ts.URL, io.MultiReader(strings.NewReader("short")))
	req.ContentLength = 10
	if _, err := s.Do(ctxT(t), req); err == nil {
		t.Error("a body shorter than its ContentLength was sent")
	}
}

// TestBodyCloseEarly: closing a body before its end drops the connection.
func TestBodyCloseEarly(t *testing.T) {
	ts, conns := newCountedServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(make([]byte, 1<<20))
	}))
	// A window smaller than the body: it cannot arrive whole before Close.
	s := newSession(t, Config{BodyWindow: 64 << 10})
	for range 2 {
		resp, err := s.Get(ctxT(t), ts.URL)
		if err != nil {
			t.Fatal(err)
		}
		p := make([]byte, 10)
		if _, err := io.ReadFull(resp.Body, p); err != nil {
			t.Fatal(err)
		}
		resp.Close()
		if _, err := resp.Body.Read(p); !errors.Is(err, ErrBodyClosed) {
			t.Errorf("read after close: %v", err)
		}
	}
	if c := conns.Load(); c != 2 {
		t.Errorf("%d connections, want 2 (a half-read one is not reused)", c)
	}
}

// blockedReader blocks in Read until unblock is closed (never, in the test):
// an io.Reader nobody can interrupt.
type blockedReader struct{ unblock chan struct{} }

func (r blockedReader) Read([]byte) (int, error) {
	<-r.unblock
	return 0, io.EOF
}

// closableReader blocks in Read until it is closed, like a pipe's reader.
type closableReader struct {
	closed chan struct{}
	once   sync.Once
}

func (r *closableReader) Read([]byte) (int, error) {
	<-r.closed
	return 0, io.ErrClosedPipe
}

func (r *closableReader) Close() error {
	r.once.Do(func() { close(r.closed) })
	return nil
}

// TestStreamedUploadStuckReader: a request whose streamed body blocks in
// Read still ends at once when cancelled; a body that is an io.Closer is
// closed, which unblocks its Read; and Session.Close does not wait for a
// reader that never returns.
func TestStreamedUploadStuckReader(t *testing.T) {
	addr, _ := rawServer(t, func(_ int, c net.Conn) {
		io.Copy(io.Discard, c) // reads the head, never answers
	})
	stuck := blockedReader{make(chan struct{})}
	defer close(stuck.unblock)
	closable := &closableReader{closed: make(chan struct{})}
	s, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		body io.Reader
	}{{"reader", stuck}, {"closer", closable}} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := NewRequest("POST", addr, tc.body)
			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			defer cancel()
			start := time.Now()
			if _, err := s.Do(ctx, req); !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("Do: %v, want the context's deadline", err)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("the cancelled request took %v", d)
			}
		})
	}
	select {
	case <-closable.closed:
	case <-time.After(5 * time.Second):
		t.Error("the request ended but its body, an io.Closer, was not closed")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Close(ctx); err != nil {
		t.Errorf("Close with a body stuck in Read: %v", err)
	}
}
