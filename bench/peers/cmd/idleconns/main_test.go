package main

import (
	"io"
	"net"
	"strings"
	"testing"
)

// TestReadResponse feeds responses in small pieces over a pipe and checks that readResponse
// reads exactly one response, or fails clearly.
func TestReadResponse(t *testing.T) {
	cases := []struct {
		name, resp, err string
	}{
		{name: "plain", resp: "HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\nHello, World!"},
		{name: "lower-case length", resp: "HTTP/1.1 200 OK\r\nServer: x\r\ncontent-length:  2 \r\n\r\nok"},
		{name: "empty body", resp: "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"},
		{name: "status", resp: "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", err: "unexpected status line"},
		{name: "no length", resp: "HTTP/1.1 200 OK\r\n\r\n", err: "no Content-Length"},
		{name: "cut body", resp: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab", err: "EOF"},
	}
	for _, c := range cases {
		client, server := net.Pipe()
		go func() {
			io.ReadFull(server, make([]byte, len("GET / HTTP/1.1\r\n\r\n")))
			for i := 0; i < len(c.resp); i += 3 {
				server.Write([]byte(c.resp[i:min(i+3, len(c.resp))]))
			}
			server.Close()
		}()
		err := readResponse(client, []byte("GET / HTTP/1.1\r\n\r\n"))
		client.Close()
		switch {
		case c.err == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.err)
		}
	}
}
