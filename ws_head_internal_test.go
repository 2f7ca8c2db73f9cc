package eddy

import (
	"bufio"
	"encoding/binary"
	"io"
	"net"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/eddy-go/eddy/ws"
)

// packHead lays out body (flags, parameters, head) as wsHead does.
func packHead(body string) *byte {
	b := binary.AppendUvarint(nil, uint64(len(body)))
	return unsafe.SliceData(append(b, body...))
}

// TestWSHeadKept: the head a WebSocket keeps answers Header, Query and
// the path as the handshake would, with the usual Upgrade, Connection and
// Sec-WebSocket-Version lines left out of it exactly when they hold the
// usual value and appear once, and the key's line when it is canonical
// base64 (kept decoded).
func TestWSHeadKept(t *testing.T) {
	const key = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
	cases := []struct {
		name    string
		fields  string // every field line but the key's, unless it has one
		dropped int    // bytes left out of the kept head, the key's line but for those with one
	}{
		{"key not canonical", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZR==\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n",
			len("Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n")},
		{"key in lower case, spaces", "sec-websocket-key:  dGhlIHNhbXBsZSBub25jZQ== \r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n",
			len("sec-websocket-key:  dGhlIHNhbXBsZSBub25jZQ== \r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n")},
		{"usual", "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nX-A: 1\r\n",
			len("Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n")},
		{"lower case names, spaces", "upgrade:  websocket \r\nconnection:Upgrade\r\nsec-websocket-version: 13\r\n",
			len("upgrade:  websocket \r\nconnection:Upgrade\r\nsec-websocket-version: 13\r\n")},
		{"other values kept", "Upgrade: WebSocket\r\nConnection: keep-alive, Upgrade\r\nSec-WebSocket-Version: 13\r\n",
			len("Sec-WebSocket-Version: 13\r\n")},
		{"repeated kept", "Upgrade: websocket\r\nConnection: Upgrade\r\nConnection: keep-alive\r\nSec-WebSocket-Version: 13\r\nX-A: 1\r\nX-A: 2\r\n",
			len("Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n")},
		{"browser", "Origin: http://x\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64)\r\nConnection: Upgrade\r\n" +
			"Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n",
			len("Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n")},
	}
	opened := make(chan *WebSocket, 1)
	app := New(Config{})
	app.WebSocket("/ws/{room}", WSCallbacks{OnOpen: func(w *WebSocket) { opened <- w }}, WSConfig{CheckOrigin: ws.AnyOrigin})
	if err := app.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer app.Shutdown(t.Context())
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			head := "GET /ws/r1?q=v HTTP/1.1\r\nHost: x\r\n" + tc.fields + "\r\n"
			dropped := tc.dropped
			if !strings.Contains(strings.ToLower(tc.fields), "sec-websocket-key") {
				head = "GET /ws/r1?q=v HTTP/1.1\r\nHost: x\r\n" + key + tc.fields + "\r\n"
				dropped += len(key)
			}
			c, err := net.Dial("tcp", app.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(10 * time.Second))
			if _, err := io.WriteString(c, head); err != nil {
				t.Fatal(err)
			}
			br := bufio.NewReader(c)
			if line, err := br.ReadString('\n'); err != nil || !strings.HasPrefix(line, "HTTP/1.1 101") {
				t.Fatalf("answer %q, %v", line, err)
			}
			w := <-opened
			if got, want := len(w.headRaw()), len(head)-dropped; got != want {
				t.Errorf("kept head of %d bytes, want %d:\n%s", got, want, w.headRaw())
			}
			// Every field answers its first value, whatever was left out.
			first := map[string]string{}
			for line := range strings.SplitSeq(strings.TrimSuffix(head, "\r\n\r\n"), "\r\n") {
				name, value, ok := strings.Cut(line, ":")
				if !ok {
					continue // the request line
				}
				if _, seen := first[strings.ToLower(name)]; !seen {
					first[strings.ToLower(name)] = strings.Trim(value, " \t")
				}
			}
			first["missing"] = ""
			for name, want := range first {
				for _, spelt := range []string{name, strings.ToUpper(name)} {
					if got := w.Header(spelt); got != want {
						t.Errorf("Header(%q) = %q, want %q", spelt, got, want)
					}
				}
			}
			if p := w.path(); p != "/ws/r1" {
				t.Errorf("path %q", p)
			}
			if q, r := w.Query("q"), w.Param("room"); q != "v" || r != "r1" {
				t.Errorf("Query(q) = %q, Param(room) = %q", q, r)
			}
		})
	}
}

// TestWSRemoteAddr: the client's address, kept as a *net.TCPAddr in the
// WebSocket when it is one, in wsExt otherwise.
func TestWSRemoteAddr(t *testing.T) {
	c, _, w := openRawWS(t, WSCallbacks{})
	if got := w.RemoteAddr(); got == nil || got.String() != c.LocalAddr().String() || w.ext != nil {
		t.Errorf("RemoteAddr() = %v (ext %p), want %v in the WebSocket", got, w.ext, c.LocalAddr())
	}
	unix := &net.UnixAddr{Name: "@x", Net: "unix"}
	other := &WebSocket{ext: &wsExt{remote: unix}}
	if got := other.RemoteAddr(); got != unix {
		t.Errorf("RemoteAddr() = %v, want %v from wsExt", got, unix)
	}
	none := &WebSocket{ext: &wsExt{}}
	if got := none.RemoteAddr(); got != nil {
		t.Errorf("RemoteAddr() = %#v, want nil", got)
	}
}
